"""The letters chokepoint: what is a PDF is decided by content, within the size limit; a letter
whose form was never sent is forgotten after a while."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from consult.campaign import letters
from consult.campaign.letters import letter_store
from consult.campaign.models import CommitmentLetter
from consult.db import db, utcnow

GOOD = letters.minimal_pdf(["Letter of commitment"])


def _encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


CASES = [
    ("a good PDF", GOOD, None),
    ("a PDF of exactly the limit", GOOD, None),
    ("one byte over the limit", GOOD + b"\n", "too_large"),
    ("empty", b"", "empty"),
    ("a ZIP named .pdf", b"PK\x03\x04" + b"\x00" * 64, "not_pdf"),
    ("PDF magic not at the start", b" " + GOOD, "not_pdf"),
    ("an HTML page", b"<!doctype html><script>alert(1)</script>", "not_pdf"),
    ("magic then garbage", b"%PDF-1.7\n" + b"\xff" * 300, "corrupt"),
    ("truncated", GOOD[: len(GOOD) // 3], "corrupt"),
    ("encrypted", _encrypted(), "encrypted"),
]


@pytest.mark.parametrize(("content", "refusal"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_check_upload_decides_by_content_and_size(content, refusal):
    limit = len(GOOD)
    if refusal is None:
        checked = letters.check_upload(io.BytesIO(content), limit=max(limit, len(content)))
        assert checked.page_count == 1 and checked.size_bytes == len(content)
        assert checked.path.read_bytes() == content
        checked.path.unlink()
    else:
        with pytest.raises(letters.LetterRefused) as refused:
            letters.check_upload(
                io.BytesIO(content), limit=max(limit, 1000) if refusal != "too_large" else limit
            )
        assert refused.value.code == refusal


def test_a_letter_whose_form_was_never_sent_is_forgotten_after_two_days(app):
    with app.app_context():
        old = letters.store(
            db.session, letters.check_upload(io.BytesIO(GOOD)), "a.pdf", holding_hash="a" * 64
        )
        old.uploaded_at = utcnow() - timedelta(days=3)
        db.session.flush()
        name = old.stored_name
        letters.store(
            db.session, letters.check_upload(io.BytesIO(GOOD)), "b.pdf", holding_hash="b" * 64
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(CommitmentLetter)) == 1
        assert letter_store().size(name) is None


def test_a_letter_lives_in_the_database_and_commits_or_rolls_back_with_its_row(app):
    """A signed letter exists nowhere else: on SQLite too it is in the database (so `consult
    backup` carries it), never in the instance folder, and only if its row was committed."""
    from pathlib import Path

    from consult.storage import StoredFile

    with app.app_context():
        kept = letters.store(
            db.session, letters.check_upload(io.BytesIO(GOOD)), "k.pdf", holding_hash="k" * 64
        )
        db.session.commit()
        dropped = letters.store(
            db.session, letters.check_upload(io.BytesIO(GOOD)), "d.pdf", holding_hash="d" * 64
        )
        dropped_name = dropped.stored_name
        db.session.rollback()
        names = set(db.session.scalars(select(StoredFile.name)))
        assert kept.stored_name in names and dropped_name not in names
        assert b"".join(letter_store().chunks(kept.stored_name)) == GOOD
        assert not list(Path(app.instance_path).rglob("*.pdf"))
