"""Letters of commitment: the one place an uploaded file is checked, stored and served.

A letter is accepted only if its content is a PDF (it starts with ``%PDF-`` and pypdf reads at
least one page from it), whatever its name or the type the browser claimed, and only up to
CAMPAIGN_LETTER_MAX_BYTES and CAMPAIGN_LETTER_MAX_PAGES. The file is hostile until proven
otherwise: whatever the parser raises means "cannot be read" (never a 500), and its page tree is
walked here within a fixed budget (pypdf's own flattening of a 5 MB tree of 45,000 pages costs
7 s of a worker's CPU). What is kept is bounded too: one waiting letter per form, at most
CAMPAIGN_HELD_LETTERS_MAX_BYTES waiting in all, and the LETTERS_KEPT latest letters of a pledge.

A letter is stored in the database on every backend (consult/storage.py's
DatabaseStore, in the transaction of the row that names it), under a random name, never under
the name the institution gave: a signed letter exists nowhere else, so it must travel with
`consult backup` and be readable from every host, unlike an export, which can be made again.
It is served only as ``application/pdf``, as an attachment, with ``nosniff``: a browser never
runs it as a page.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

from flask import Flask, Response, current_app, has_app_context, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.campaign.models import CommitmentLetter, Pledge
from consult.db import utcnow
from consult.exports import naming
from consult.storage import DatabaseStore

#: The first bytes of every PDF file.
PDF_MAGIC = b"%PDF-"
#: The default largest letter, in bytes (CAMPAIGN_LETTER_MAX_BYTES overrides it).
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
#: The default most pages of a letter (CAMPAIGN_LETTER_MAX_PAGES overrides it).
DEFAULT_MAX_PAGES = 50
#: How deep a page tree may nest (real files: 2 to 4 levels).
MAX_TREE_DEPTH = 32
#: Letters waiting for their form, all together, in bytes (CAMPAIGN_HELD_LETTERS_MAX_BYTES):
#: past it the oldest waiting ones are forgotten first, so a flood of uploads fills nothing.
DEFAULT_HELD_MAX_BYTES = 200 * 1024 * 1024
#: The latest letters a pledge keeps (the one in force and a few earlier ones for staff).
LETTERS_KEPT = 5
#: How long a letter waits for the form it came with to be sent without a refused field.
HELD_FOR = timedelta(days=2)
#: Where letters live in the file store.
STORE_FOLDER = "campaign/letters"


def letter_store(app: Flask | None = None) -> DatabaseStore:
    """Where letters live: the app's database, whatever FILE_STORAGE says (see above)."""
    app = app or current_app._get_current_object()
    return DatabaseStore(app.extensions["consult.db"].engine)


#: Why a file was refused, as the institution reads it next to the field.
REFUSALS = {
    "empty": _l("The file is empty. Choose the PDF of your signed letter."),
    "too_large": _l("The file is larger than %(size)s. Send a lighter PDF (scan at 150 dpi)."),
    "not_pdf": _l(
        "This file is not a PDF, whatever its name says. Save or export your letter as PDF."
    ),
    "corrupt": _l("This PDF cannot be read: it seems damaged. Export it again and retry."),
    "encrypted": _l("This PDF is protected by a password. Send a copy without a password."),
    "too_many_pages": _l(
        "This PDF has more than %(pages)s pages. Send only the signed letter of commitment."
    ),
}

log = logging.getLogger(__name__)


class LetterRefused(ValueError):
    """An uploaded file is not an acceptable letter; ``code`` is a key of REFUSALS."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def message(self) -> str:
        """Return what to tell the institution, in the request's language."""
        from flask_babel import format_decimal

        size = f"{format_decimal(round(max_bytes() / (1024 * 1024), 1))} MB"
        return str(REFUSALS[self.code]) % {"size": size, "pages": max_pages()}


@dataclass(frozen=True)
class CheckedPdf:
    """A file that passed the checks, waiting in a temporary file to be stored."""

    path: Path
    size_bytes: int
    sha256: str
    page_count: int


def max_bytes(app: Flask | None = None) -> int:
    """Return the largest letter accepted, in bytes."""
    app = app or current_app
    return int(app.config.get("CAMPAIGN_LETTER_MAX_BYTES") or DEFAULT_MAX_BYTES)


def max_pages(app: Flask | None = None) -> int:
    """Return the most pages a letter may have (the default outside an application)."""
    if app is None and not has_app_context():
        return DEFAULT_MAX_PAGES
    app = app or current_app
    return int(app.config.get("CAMPAIGN_LETTER_MAX_PAGES") or DEFAULT_MAX_PAGES)


def _count_pages(path: Path, most: int) -> int:
    """Return how many pages the file has; raise LetterRefused if it cannot be read or has more
    than ``most``. Whatever pypdf raises on hostile bytes (a limit reached, a broken stream, a
    recursion) means the file cannot be read: never a server error."""
    from pypdf import PdfReader

    # pypdf warns (and logs) about every oddity of a damaged file: the file's fault, not ours.
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                raise LetterRefused("encrypted")
            return walk_page_tree(reader.trailer["/Root"]["/Pages"], most)
    except LetterRefused:
        raise
    except Exception as error:  # noqa: BLE001 - see the docstring: any failure is "corrupt"
        log.info("letter refused: pypdf could not read it (%s)", type(error).__name__)
        raise LetterRefused("corrupt") from error
    finally:
        pypdf_log.setLevel(level)


def walk_page_tree(root: object, most: int) -> int:
    """Count the pages under a PDF page tree's root, looking at ``most`` pages at most.

    Iterative and bounded: a loop, a tree deeper than MAX_TREE_DEPTH, a node that is not a page
    or a page-tree node, or no page at all raises LetterRefused("corrupt"); more than ``most``
    pages (counted from each Kids array before it is opened) raises "too_many_pages". At most
    ``most`` pages and ``most`` intermediate nodes are ever resolved.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    pages = 0
    nodes = 0
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[object, int]] = [(root, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                raise LetterRefused("corrupt")
            seen.add(ref)
            item = item.get_object()
        if not isinstance(item, DictionaryObject) or depth > MAX_TREE_DEPTH:
            raise LetterRefused("corrupt")
        kids = item.get("/Kids")
        if kids is None:
            if item.get("/Type") not in (None, "/Page"):
                raise LetterRefused("corrupt")
            pages += 1
            continue
        nodes += 1
        kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
        if not isinstance(kids, ArrayObject) or nodes > most:
            raise LetterRefused("corrupt")
        if pages + len(stack) + len(kids) > most:
            raise LetterRefused("too_many_pages")
        stack.extend((kid, depth + 1) for kid in reversed(kids))
    if pages < 1:
        raise LetterRefused("corrupt")
    return pages


def check_upload(stream: IO[bytes], limit: int | None = None) -> CheckedPdf:
    """Copy an upload to a temporary file and check it is a readable PDF within the limit.

    Raises LetterRefused; the temporary file is then already removed. Reads at most one byte
    more than the limit, whatever the size the client announced.
    """
    limit = limit if limit is not None else max_bytes()
    handle, name = tempfile.mkstemp(prefix="letter-", suffix=".pdf")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while block := stream.read(64 * 1024):
                size += len(block)
                if size > limit:
                    raise LetterRefused("too_large")
                digest.update(block)
                out.write(block)
        if size == 0:
            raise LetterRefused("empty")
        with open(path, "rb") as check:
            if check.read(len(PDF_MAGIC)) != PDF_MAGIC:
                raise LetterRefused("not_pdf")
        pages = _count_pages(path, max_pages())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return CheckedPdf(path=path, size_bytes=size, sha256=digest.hexdigest(), page_count=pages)


def _clean_original_name(name: str | None) -> str:
    """Keep the file's own name for staff to read (never as a path): its last part, cut."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:255]


def store(
    session: Session,
    checked: CheckedPdf,
    original_name: str | None,
    *,
    pledge: Pledge | None = None,
    holding_hash: str | None = None,
    uploaded_by_id: int | None = None,
) -> CommitmentLetter:
    """Move a checked PDF into the file store and record it, for a pledge or held by a form."""
    stored_name = f"{STORE_FOLDER}/{secrets.token_hex(16)}.pdf"
    letter_store().save(stored_name, checked.path, connection=session.connection())
    letter = CommitmentLetter(
        pledge=pledge,
        holding_hash=None if pledge is not None else holding_hash,
        stored_name=stored_name,
        original_name=_clean_original_name(original_name),
        size_bytes=checked.size_bytes,
        sha256=checked.sha256,
        page_count=checked.page_count,
        uploaded_by_id=uploaded_by_id,
    )
    if pledge is None:
        # A form waits for one letter, its latest: an earlier one it sent is replaced.
        for earlier in _waiting(session, holding_hash):
            delete_letter(session, earlier)
        session.add(letter)
        # The ones whose form was never sent go now, and the oldest beyond the bound.
        purge_abandoned(session)
        session.flush()
        _bound_waiting(session, keep=letter)
    else:
        session.add(letter)
        _keep_latest(session, pledge)
    session.flush()
    return letter


def held_max_bytes(app: Flask | None = None) -> int:
    """Return how many bytes of letters may wait for their forms, all together."""
    app = app or current_app
    return int(app.config.get("CAMPAIGN_HELD_LETTERS_MAX_BYTES") or DEFAULT_HELD_MAX_BYTES)


def _waiting(session: Session, holding_hash: str | None) -> list[CommitmentLetter]:
    return list(
        session.scalars(
            select(CommitmentLetter)
            .where(
                CommitmentLetter.holding_hash == holding_hash,
                CommitmentLetter.pledge_id.is_(None),
            )
            .order_by(CommitmentLetter.id)
        )
    )


def _bound_waiting(session: Session, keep: CommitmentLetter) -> None:
    """Forget the oldest waiting letters until they weigh no more than held_max_bytes()."""
    total = session.scalar(
        select(func.coalesce(func.sum(CommitmentLetter.size_bytes), 0)).where(
            CommitmentLetter.pledge_id.is_(None)
        )
    )
    bound = held_max_bytes()
    if total <= bound:
        return
    oldest_first = session.scalars(
        select(CommitmentLetter)
        .where(CommitmentLetter.pledge_id.is_(None), CommitmentLetter.id != keep.id)
        .order_by(CommitmentLetter.id)
    )
    for letter in oldest_first:
        if total <= bound:
            break
        total -= letter.size_bytes
        delete_letter(session, letter)
    if total > bound:
        # The new letter alone is over the bound (a bound set below one letter's size).
        log.warning("letters waiting for their forms exceed CAMPAIGN_HELD_LETTERS_MAX_BYTES")


def _keep_latest(session: Session, pledge: Pledge) -> None:
    """Forget a pledge's letters but the LETTERS_KEPT latest."""
    while len(pledge.letters) > LETTERS_KEPT:
        oldest = pledge.letters[0]
        letter_store().delete(oldest.stored_name, connection=session.connection())
        pledge.letters.remove(oldest)


def purge_abandoned(session: Session, older_than: timedelta = HELD_FOR) -> int:
    """Forget the letters of forms never sent, held longer than ``older_than``; how many."""
    cutoff = utcnow() - older_than
    abandoned = list(
        session.scalars(
            select(CommitmentLetter).where(
                CommitmentLetter.pledge_id.is_(None), CommitmentLetter.uploaded_at < cutoff
            )
        )
    )
    for letter in abandoned:
        delete_letter(session, letter)
    return len(abandoned)


def held_letter(session: Session, holding_hash: str) -> CommitmentLetter | None:
    """Return the letter a join form's earlier post left waiting, if any (the latest)."""
    return session.scalar(
        select(CommitmentLetter)
        .where(CommitmentLetter.holding_hash == holding_hash, CommitmentLetter.pledge_id.is_(None))
        .order_by(CommitmentLetter.id.desc())
        .limit(1)
    )


def attach_held(session: Session, pledge: Pledge, holding_hash: str) -> CommitmentLetter | None:
    """Give a pledge the letter its form left waiting (the latest); forget older ones, and the
    pledge's own letters but the LETTERS_KEPT latest."""
    waiting = _waiting(session, holding_hash)
    if not waiting:
        return None
    *older, latest = waiting
    for letter in older:
        delete_letter(session, letter)
    latest.holding_hash = None
    pledge.letters.append(latest)
    _keep_latest(session, pledge)
    session.flush()
    return latest


def delete_letter(session: Session, letter: CommitmentLetter) -> None:
    """Forget a letter and its file."""
    letter_store().delete(letter.stored_name, connection=session.connection())
    session.delete(letter)


def download_name(pledge: Pledge | None, letter: CommitmentLetter) -> str:
    """Return the name a downloaded letter gets: built by us, never the uploaded one."""
    number = pledge.id if pledge is not None else "draft"
    return f"letter-of-commitment-{number}-{letter.id}.pdf"


def send_letter(pledge: Pledge | None, letter: CommitmentLetter) -> Response:
    """Answer with the letter as a PDF attachment that no browser renders as a page."""
    app = current_app._get_current_object()
    size = letter_store(app).size(letter.stored_name)
    if size is None:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    response = Response(
        stream_with_context(letter_store(app).chunks(letter.stored_name)),
        mimetype="application/pdf",
        direct_passthrough=True,
    )
    response.content_length = size
    response.headers["Content-Disposition"] = naming.content_disposition(
        download_name(pledge, letter)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    # Even if a browser were to open it inline, nothing in it could run or load.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def minimal_pdf(lines: list[str]) -> bytes:
    """Return a small valid one-page PDF showing ``lines`` (demo letters and tests)."""
    text = []
    y = 760
    for line in lines:
        safe = (
            line.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\\", "\\\\")
            .replace("(", "\\(")
            .replace(")", "\\)")
        )
        text.append(f"BT /F1 12 Tf 72 {y} Td ({safe}) Tj ET")
        y -= 20
    content = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
