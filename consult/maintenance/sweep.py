"""The maintenance sweep: personal data and secret links the app keeps only for a while.

Run by `consult questionnaires purge-drafts` (at each `consult serve` start and from cron) and
every hour by a looping mail sender, so a server that runs for months still forgets them:

- staff forms kept after their session ended, past STAFF_KEPT_FORM_HOURS (24), for accounts
  that never signed in again (consult/staff/kept_forms.py);
- the .eml files a sender without MAIL_HOST writes (whole messages, personal links in them),
  past MAIL_KEEP_DAYS (30), like the outbox's own rows.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from consult.db import utcnow


def sweep_kept_staff_forms(app: Flask) -> int:
    """Delete the kept staff forms past their time; return how many."""
    from consult.db import db
    from consult.staff import kept_forms
    from consult.staff.models import User

    with app.app_context():
        user_ids = db.session.scalars(select(User.id)).all()
        db.session.rollback()
        return kept_forms.sweep(user_ids)


def sweep_written_mail(app: Flask) -> int:
    """Delete the written .eml messages older than MAIL_KEEP_DAYS; return how many."""
    folder = Path(app.config.get("MAIL_FOLDER") or Path(app.instance_path) / "mail")
    if not folder.is_dir():
        return 0
    cutoff = (utcnow() - timedelta(days=float(app.config["MAIL_KEEP_DAYS"]))).timestamp()
    swept = 0
    for path in folder.glob("*.eml"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            swept += 1
    return swept


def sweep(app: Flask) -> dict[str, int]:
    """Run every part of the sweep; return how many items each deleted."""
    return {
        "kept staff forms": sweep_kept_staff_forms(app),
        "written messages": sweep_written_mail(app),
    }
