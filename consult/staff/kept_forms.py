"""A staff form sent after its session ended: kept on the server for its own account.

When a staff member's session ends (inactivity, "Sign out everywhere", a password changed or
reset, a role changed, the account disabled) while a form is open, the form's post meets no
session. Nothing it carries is lost: the posted fields are kept in the app's file store
(consult/storage.py: the database on PostgreSQL, the instance folder on SQLite; never in the
cookie, as they may hold personal data), one kept form per account, and the browser's session
keeps only the account's id and a random nonce. After signing in again as the same account
(and only then), the page of the expired form (core/resend.html) shows what was sent, with one
"Send again" button: that post goes through the CSRF check, the role check and the staff
concurrency check (consult/staff/concurrency.py) as any other. A sign-in as another account
deletes the kept form unseen; so does the account's next sign-in anywhere, and a kept form
older than STAFF_KEPT_FORM_HOURS (24 by default) is never shown, and deleted by the
maintenance sweep (consult/maintenance/sweep.py) even if its account never signs in again.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from consult.core.errors import posted_file_names, typed_texts
from consult.core.links import safe_local_path
from consult.db import utcnow
from consult.storage import file_store

#: The browser session's key: [account id, nonce] of the form kept for it.
SESSION_KEY = "kept_staff_form"
#: Where kept forms live in the file store.
STORE_FOLDER = "staff-forms"
#: A kept form is shown after a sign-in within this long, else forgotten (and swept); the
#: STAFF_KEPT_FORM_HOURS setting overrides it.
KEEP_FOR = timedelta(days=1)
#: Endpoints whose post is never kept: sign-out means to leave.
NOT_KEPT = frozenset({"staff.logout"})


def _name(user_id: int) -> str:
    return f"{STORE_FOLDER}/{int(user_id)}.json"


def may_keep() -> bool:
    """Tell whether this request's form may be kept: a browser form with fields, no password
    (typed again, never stored), and a sign-out is not one."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in NOT_KEPT:
        return False
    try:
        form = request.form
    except HTTPException:  # a body too large to read: nothing to keep
        return False
    return bool(form) and not any("password" in name.lower() for name in form)


def keep(user_id: int) -> str | None:
    """Keep this request's posted form for account ``user_id``; return the kept form's nonce
    (None when the instance folder cannot take it: the sign-in then says nothing was kept)."""
    nonce = secrets.token_urlsafe(16)
    kept = {
        "nonce": nonce,
        "user_id": int(user_id),
        "kept_at": utcnow().isoformat(),
        "action": request.full_path if request.query_string else request.path,
        "fields": [[name, value] for name, value in request.form.items(multi=True)],
        "shown": typed_texts(),
        "files": posted_file_names(),
    }
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", suffix=".json", delete=False, dir=current_app.instance_path
        ) as handle:
            json.dump(kept, handle)
        file_store().save(_name(user_id), Path(handle.name))
    except OSError as error:  # a full disk: the post still goes to the sign-in, unkept
        current_app.logger.warning("staff form not kept (%s)", type(error).__name__)
        return None
    return nonce


def remember(user_id: int, nonce: str) -> None:
    """Let this browser's session point at the form kept for ``user_id``."""
    session[SESSION_KEY] = [int(user_id), nonce]


def pointed_at() -> tuple[int, str] | None:
    """The (account id, nonce) this browser's session points at, if any."""
    value = session.get(SESSION_KEY)
    if not (isinstance(value, list) and len(value) == 2):
        return None
    user_id, nonce = value
    if not isinstance(user_id, int) or not isinstance(nonce, str):
        return None
    return user_id, nonce


def _read(user_id: int) -> dict[str, Any] | None:
    store = file_store()
    name = _name(user_id)
    if store.size(name) is None:
        return None
    try:
        return json.loads(b"".join(store.chunks(name)).decode("utf-8"))
    except ValueError:
        return None


def after_sign_in(user_id: int, pointer: tuple[int, str] | None) -> bool:
    """At a sign-in of ``user_id``: keep pointing at its own form kept from this browser
    (True), and forget any other. Another account's is deleted unseen; so is this account's
    when this browser does not point at it: no kept form outlives its account's next sign-in
    (at most one per account waits for it)."""
    store = file_store()
    if pointer is not None and pointer[0] != user_id:
        kept = _read(pointer[0])
        if kept is not None and kept.get("nonce") == pointer[1]:
            store.delete(_name(pointer[0]))
    kept = _read(user_id)
    if kept is None:
        return False
    if pointer is None or pointer != (user_id, kept.get("nonce")) or _too_old(kept):
        store.delete(_name(user_id))
        return False
    remember(user_id, pointer[1])
    return True


def keep_for() -> timedelta:
    """How long a kept form waits for its account's sign-in (STAFF_KEPT_FORM_HOURS)."""
    hours = current_app.config.get("STAFF_KEPT_FORM_HOURS")
    return KEEP_FOR if hours is None else timedelta(hours=float(hours))


def _too_old(kept: dict[str, Any]) -> bool:
    try:
        kept_at = datetime.fromisoformat(kept["kept_at"])
    except (KeyError, TypeError, ValueError):
        return True
    return utcnow() - kept_at > keep_for()


def sweep(user_ids: Iterable[int]) -> int:
    """Delete the kept forms of these accounts that are past keep_for() (or unreadable);
    return how many. For an account that never signs in again (the sign-in deletes the rest)."""
    store = file_store()
    swept = 0
    for user_id in user_ids:
        name = _name(user_id)
        if store.size(name) is None:
            continue
        kept = _read(user_id)
        if kept is None or _too_old(kept):
            store.delete(name)
            swept += 1
    return swept


def take(user_id: int) -> dict[str, Any] | None:
    """Return the form kept for ``user_id`` that this browser points at, and forget it."""
    pointer = pointed_at()
    session.pop(SESSION_KEY, None)
    if pointer is None or pointer[0] != user_id:
        return None
    kept = _read(user_id)
    if kept is None or kept.get("nonce") != pointer[1] or kept.get("user_id") != user_id:
        return None
    file_store().delete(_name(user_id))
    return None if _too_old(kept) else kept


def page(user_id: int):
    """The page of the form kept for ``user_id`` (the expired form's, with one "Send again"),
    or None when this browser points at none."""
    kept = take(user_id)
    if kept is None:
        return None
    html = render_template(
        "core/resend.html",
        fields=kept["fields"],
        shown=kept["shown"],
        action=safe_local_path(kept["action"], url_for("staff.home")),
        expired=True,
        files=kept["files"],
        refusal=None,
        can_resend=True,
        back=None,
        ways=[],
    )
    return html, 200, {"Cache-Control": "no-store"}
