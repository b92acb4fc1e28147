"""Staff optimistic concurrency: one chokepoint for every staff form that changes a shared thing.

A page draws its form from a version of the thing (a contribution's moderation state, an
official response, a pledge, a commitment option, an account); the form carries that version,
signed, in a hidden field. On the post, the view describes the thing as it is now (a Shared)
and asks `refusal(shared)`: when the version changed, the change is refused with a page (409)
that says what changed, who changed it and when, keeps what was typed, and offers to apply it
anyway or to go back; the refusal is audited and nothing else happens (no e-mail). Bulk
actions ask `is_current` per item, act on the unchanged ones and list the others.

Views that go through here are marked with `@versioned` (a walk over the URL map checks that
every staff post changing a shared thing is marked).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, render_template, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from consult.core.errors import typed_texts
from consult.core.typed_text import clean_text
from consult.staff import audit
from consult.staff.models import User

#: Longer values are kept in the version as a digest (a response text can be long).
KEPT_LENGTH = 120
#: The form field that carries the version (bulk forms use ``version-<id>``).
FIELD = "version"
#: Posted fields never echoed back on the refusal page.
NOT_ECHOED = frozenset({"csrf_token", FIELD})


@dataclass(frozen=True)
class Shared:
    """A shared thing as it is now: what a staff form may have been drawn from."""

    #: For the audit log and the bulk list: "contribution:63", "pledge:4".
    target: str
    #: What the page calls it: "Contribution #63".
    title: str
    #: key -> (label, value now, as text); the keys are stable, the labels translated.
    fields: Mapping[str, tuple[str, str]]
    #: Who changed it last: "moderator ann@example.org", "the contributor"; None if unknown.
    changed_by: str | None = None
    changed_at: datetime | None = None
    #: Where to open it again.
    back: str = ""
    #: Extra: the values the refused form would set, shown as typed (key -> (label, text)).
    typed: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """One field that changed: its label, the value shown on the page (None: too long), now."""

    label: str
    was: str | None
    now: str


def _kept(value: str) -> str:
    if len(value) <= KEPT_LENGTH:
        return value
    return _digest(value)


def _digest(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:24]


def _same(was: str | None, now: str) -> bool:
    """Tell whether a value shown on the page is the value now.

    A page drawn before migration 1020 cleaned the stored texts showed the same text with CR LF
    line breaks or invisible bidirectional controls: that is no change (a long text's digest
    matches when the text held its breaks as CR LF, as browsers sent them).
    """
    if was is None:
        return False
    if was == _kept(now):
        return True
    if was.startswith("sha256:"):
        return "\n" in now and was == _digest(now.replace("\n", "\r\n"))
    return clean_text(was) == now


def _serializer(secret: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="consult.staff.version")


def version_of(fields: Mapping[str, tuple[str, str]], secret: str | bytes) -> str:
    """Return the signed version of a thing's fields (what the form carries)."""
    return _serializer(secret).dumps({key: _kept(value) for key, (_l, value) in fields.items()})


def shown_values(token: str | None, secret: str | bytes) -> dict[str, str] | None:
    """Return the field values a version was made from, or None (missing, forged, garbled)."""
    if not token:
        return None
    try:
        values = _serializer(secret).loads(token)
    except (BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        return None
    return values


def changes(
    shown: Mapping[str, str] | None, fields: Mapping[str, tuple[str, str]]
) -> list[Change] | None:
    """Return what changed since ``shown`` (empty: nothing); None when the version is unknown."""
    if shown is None:
        return None
    found = []
    for key, (label, now) in fields.items():
        was = shown.get(key)
        if not _same(was, now):
            found.append(
                Change(label, None if was is None or was.startswith("sha256:") else was, now)
            )
    if set(shown) - set(fields):  # the thing lost a field: a different shape, not current
        found.append(Change("", None, ""))
    return found


def _secret() -> str | bytes:
    return current_app.secret_key or ""


def version(shared: Shared) -> str:
    """Return the version to put in a form drawn from ``shared`` now (templates call it)."""
    return version_of(shared.fields, _secret())


def is_current(shared: Shared, token: str | None) -> bool:
    """Tell whether a form's version is the thing's version now."""
    return changes(shown_values(token, _secret()), shared.fields) == []


def record_refusal(shared: Shared, found: list[Change] | None, ip: str | None) -> None:
    """Audit a refused change (who tried, on what, which fields had changed)."""
    from consult.db import db  # noqa: PLC0415 (the database lives with the app)

    audit.record(
        db.session,
        current_user if isinstance(current_user._get_current_object(), User) else None,
        "staff.stale_refused",
        target=shared.target,
        details={
            "endpoint": request.endpoint,
            "changed": [c.label for c in found] if found is not None else None,
            "changed_by": shared.changed_by,
        },
        ip=ip,
    )


def refusal(shared: Shared, ip: str | None, *, field_name: str = FIELD):
    """Return the "changed since you opened it" page (409) if the form is stale, else None.

    The caller returns the page as is and changes nothing; the refusal is audited and
    committed here. The page re-posts what was typed with the version now ("apply anyway").
    """
    found = changes(shown_values(request.form.get(field_name), _secret()), shared.fields)
    if found == []:
        return None
    record_refusal(shared, found, ip)
    from consult.db import db  # noqa: PLC0415

    db.commit()
    echoed = [
        (name, value)
        for name, values in request.form.lists()
        if name not in NOT_ECHOED and name != field_name
        for value in values
    ]
    page = render_template(
        "staff/stale.html",
        shared=shared,
        changes=found,
        also_typed=also_typed(shared, field_name),
        echoed=echoed,
        field_name=field_name,
        version_now=version(shared),
        action=request.path,
    )
    return page, 409


def also_typed(shared: Shared, field_name: str = FIELD) -> list[str]:
    """Return the texts typed in the refused form that ``shared.typed`` does not show already.

    The page shows every text typed, to copy, whether or not the view named it: a view that
    forgets one (or a field added later) still loses nothing.
    """
    listed = {value for _label, value in shared.typed.values()}
    version_sent = request.form.get(field_name, "")
    return [text for text in typed_texts() if text not in listed and text != version_sent]


def versioned(view: Callable) -> Callable:
    """Mark a view as checking its form's version through this module (the walk looks)."""
    view.checks_version = True  # type: ignore[attr-defined]
    return view


def last_audited(target: str) -> tuple[str | None, datetime | None]:
    """Return who last changed ``target`` in the audit log (role and address) and when."""
    from sqlalchemy import select  # noqa: PLC0415

    from consult.db import db  # noqa: PLC0415
    from consult.staff.models import AuditEntry  # noqa: PLC0415

    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target == target, AuditEntry.action != "staff.stale_refused")
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).first()
    if entry is None:
        return None, None
    actor = db.session.get(User, entry.actor_id) if entry.actor_id else None
    return staff_label(actor) or entry.actor_email, entry.occurred_at


def staff_label(user: User | None) -> str | None:
    """Name a staff member for "who changed it": address and role, as the staff header does
    ("ann@example.org (moderator)"; "by moderator ann@…" read without its article in French
    and Spanish)."""
    if user is None:
        return None
    from consult.core.key_labels import key_label  # noqa: PLC0415

    return f"{user.email} ({key_label.role(user.role)})"
