"""The words the interface uses for kinds, organisation types, statuses and reasons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "comment": _l("Comment"),
    "wording": _l("Proposed wording"),
    "new_right": _l("Proposed new right"),
    "reflection": _l("General reflection"),
}
KIND_HELP = {
    "comment": _l("What works, what does not, what is unclear."),
    "wording": _l("A new text for an article or one of its parts."),
    "new_right": _l("A right or theme the Charter lacks."),
    "reflection": _l("Thoughts on the Charter and the revision as a whole."),
}
ORGANISATION_TYPE_LABELS = {
    "civil_society": _l("Civil society organisation"),
    "academia": _l("Academia or research"),
    "un_international": _l("UN or international organisation"),
    "local_government": _l("Local or regional government"),
    "national_government": _l("National government"),
    "individual": _l("Individual (inhabitant)"),
    "other": _l("Other"),
}
STATUS_LABELS = {
    "pending": _l("Awaiting moderation"),
    "published": _l("Published"),
    "rejected": _l("Not published"),
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
    "submit": _l("Sent"),
    "auto_publish": _l("Published without pre-moderation"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "hide": _l("Hidden"),
    "restore": _l("Restored"),
    "withdraw": _l("Withdrawn by the contributor"),
    "auto_hide": _l("Hidden automatically after reports"),
    "respond": _l("Official response written"),
}
#: Languages a contribution can be written in: the three working languages first.
TEXT_LANGUAGES = ("en", "fr", "es", "ar", "pt", "zh", "ru", "de", "it", "ko", "ja", "tr")
OTHER_LANGUAGE = "other"
