"""The words the interface uses for kinds, organisation types, statuses and reasons.

Kinds are named in consult/contributions/vocabulary.py and organisation types in
consult/core/vocabulary.py (Flask-free, so that exports label them too); here they are wrapped
for lazy translation.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from consult.contributions.vocabulary import KIND_NAMES
from consult.contributions.vocabulary import OTHER_LANGUAGE as OTHER_LANGUAGE
from consult.contributions.vocabulary import TEXT_LANGUAGES as TEXT_LANGUAGES
from consult.core.vocabulary import ORGANISATION_TYPE_NAMES

KIND_LABELS = {key: _l(name) for key, name in KIND_NAMES.items()}
KIND_HELP = {
    "comment": _l("What works, what does not, what is unclear."),
    "wording": _l("A new text for an article or one of its parts."),
    "new_right": _l("A right or theme the Charter lacks."),
    "reflection": _l("Thoughts on the Charter and the revision as a whole."),
}
ORGANISATION_TYPE_LABELS = {key: _l(name) for key, name in ORGANISATION_TYPE_NAMES.items()}
STATUS_LABELS = {
    "pending": _l("Awaiting moderation"),
    "published": lazy_pgettext("contribution status", "Published"),
    "rejected": lazy_pgettext("contribution status", "Not published"),
    "hidden": _l("Hidden"),
    "withdrawn": _l("Withdrawn"),
}
MODERATION_REASON_LABELS = {
    "off_topic": _l("Not about the Charter or its revision"),
    "offensive": _l("Offensive, hateful or abusive"),
    "personal_data": _l("Contains someone's personal data"),
    "spam": _l("Advertising or spam"),
    "duplicate": _l("Repeats an earlier contribution"),
    "unlawful": _l("Unlawful content"),
    "other": _l("Another reason (see the note)"),
}
REPORT_REASON_LABELS = {
    "offensive": _l("It is offensive, hateful or abusive"),
    "spam": _l("It is advertising or spam"),
    "personal_data": _l("It reveals someone's personal data"),
    "off_topic": _l("It is not about the Charter"),
    "other": _l("Another reason"),
}
ACTION_LABELS = {
    "submit": lazy_pgettext("contribution event", "Sent"),
    "auto_publish": _l("Published without pre-moderation"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "withdraw": _l("Withdrawn by the contributor"),
    "auto_hide": _l("Hidden automatically after reports"),
    "respond": _l("Official response written"),
}
