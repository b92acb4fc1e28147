"""Every kind of message the platform sends, and who causes it: one table, read by the outbox.

Who causes a message decides which budget it may spend (consult/mail/quota.py):

- OWN: the recipient's own completed step, and the page tells them about it ("your receipt",
  "your pledge is sent"): a submitted response's receipt, a pledge sent for verification.
  Strangers' mail never spends its budget. If it still cannot go (this response, pledge or
  connection asked for enough mail today), the page says so and the outbox keeps a row
  without a body (state REFUSED) so that staff see it.
- STAFF: a staff action or the platform's own work (invitations, reminders, decisions,
  digests, test messages): never metered.
- ANYONE: what anyone who types an address can cause, at will and at no cost: a lost link, a
  password reset, the personal link of a draft anyone can start, the copy of a join draft, a
  contribution hidden after strangers' reports. It has its own ceiling per recipient
  (MAIL_STRANGER_CEILING_PER_DAY), which never spends the OWN budget.

RECOVERY kinds (ANYONE) are the owner's way back to what is hers: they go only to an address
already known for a response, pledge or account, have their own bounds per client (three asks
an address a day), and neither count against nor meet the recipient's ceiling: strangers
filling a mailbox never stop its owner from asking for her link.

A kind missing here cannot be queued (outbox.enqueue raises UnclassifiedKind), and
tests/mail/test_mail_kinds.py walks the code for every kind it can queue.
"""

from __future__ import annotations

OWN = "own"
STAFF = "staff"
ANYONE = "anyone"
CAUSES = (OWN, STAFF, ANYONE)

#: kind -> who causes it.
CAUSE_OF: dict[str, str] = {
    # A respondent's submitted response: the receipt, with a copy of the answers.
    "receipt": OWN,
    # A pledge sent for verification (the join form's "Send", or staff's paper pledge).
    "campaign_received": OWN,
    # "E-mail me my link": one click on a new draft, to any address typed.
    "personal_link": ANYONE,
    # A join draft saved (before it is sent): anyone can save one naming any contact.
    "campaign_draft_received": ANYONE,
    # "Lost your link?" (responses, pledges) and "Forgot your password?".
    "lost_link": ANYONE,
    "campaign_lost_link": ANYONE,
    "staff_reset": ANYONE,
    # Hidden after the reports of any visitors (a moderator's hiding sends nothing).
    "contribution_hidden": ANYONE,
    # Staff actions and the platform's own work.
    "invitation": STAFF,
    "reminder": STAFF,
    "test": STAFF,
    "staff_invite": STAFF,
    "moderation_digest": STAFF,
    "contribution_published": STAFF,
    "contribution_rejected": STAFF,
    "contribution_replied": STAFF,
    "campaign_verified": STAFF,
    "campaign_needs_more": STAFF,
    "campaign_rejected": STAFF,
    "campaign_new_link": STAFF,
}

#: The owner's way back (see the module's docstring).
RECOVERY = frozenset({"lost_link", "campaign_lost_link", "staff_reset"})


class UnclassifiedKind(ValueError):
    """A message kind missing from CAUSE_OF: who may cause it, hence its budget, is unknown."""


def cause_of(kind: str) -> str:
    """Return who causes ``kind`` (OWN, STAFF or ANYONE); raise UnclassifiedKind if unknown."""
    try:
        return CAUSE_OF[kind]
    except KeyError:
        raise UnclassifiedKind(
            f"mail kind {kind!r} has no cause in consult/mail/kinds.py"
        ) from None


def budget_of(kind: str) -> str:
    """The budget a message of ``kind`` queued by a public request spends: OWN, or ANYONE (a
    staff kind a public request caused is anyone's too)."""
    return OWN if cause_of(kind) == OWN else ANYONE


def kinds_of_budget(budget: str) -> tuple[str, ...]:
    """Every kind that spends ``budget`` (recovery kinds spend none)."""
    return tuple(kind for kind in CAUSE_OF if kind not in RECOVERY and budget_of(kind) == budget)
