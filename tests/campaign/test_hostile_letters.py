"""Hostile letters: the upload chokepoint (letters.check_upload) refuses what it cannot read,
whatever the parser raises, within a fixed budget of work; what is kept is bounded; and every
route that takes a file answers a refusal next to its field, never a 500."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.campaign import letters, operations
from consult.campaign.models import CommitmentLetter
from consult.db import db
from consult.storage import StoredFile
from tests.campaign.conftest import FIELDS, PLEDGE_TOKEN_RE, letter
from tests.conftest import csrf_token


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (1 0 obj is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"


def _pages(count: int) -> bytes:
    kids = " ".join(f"{n} 0 R" for n in range(3, 3 + count)).encode()
    return _pdf(
        [CATALOG, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count] + [PAGE] * count
    )


def _nested(depth: int) -> bytes:
    """A page under ``depth`` page-tree nodes (pypdf itself stops at 100 with its own error)."""
    nodes = [f"<< /Type /Pages /Kids [{n + 3} 0 R] /Count 1 >>".encode() for n in range(depth)]
    return _pdf([CATALOG, *nodes, b"<< /Type /Page /MediaBox [0 0 595 842] >>"])


def _three_levels() -> bytes:
    """Three pages under two intermediate nodes: a real file's shape."""
    return _pdf(
        [
            CATALOG,
            b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 3 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R 6 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [7 0 R] /Count 1 >>",
            PAGE,
            PAGE,
            PAGE,
        ]
    )


HOSTILE = [
    ("a tree deeper than pypdf allows (its LimitReachedError)", _nested(150), "corrupt"),
    ("a tree deeper than ours", _nested(letters.MAX_TREE_DEPTH + 2), "corrupt"),
    (
        "a node that is its own kid",
        _pdf([CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
        "corrupt",
    ),
    (
        "one page listed 100,000 times",
        _pdf([CATALOG, b"<< /Type /Pages /Kids [" + b"3 0 R " * 100_000 + b"] /Count 9 >>", PAGE]),
        "too_many_pages",
    ),
    (
        "one page listed twice",
        _pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>", PAGE]),
        "corrupt",
    ),
    ("no page at all", _pdf([CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"]), "corrupt"),
    ("Kids is not an array", _pdf([CATALOG, b"<< /Type /Pages /Kids 7 /Count 1 >>"]), "corrupt"),
    (
        "a kid that is a number",
        _pdf([CATALOG, b"<< /Type /Pages /Kids [42] /Count 1 >>"]),
        "corrupt",
    ),
    ("no page tree", _pdf([b"<< /Type /Catalog >>"]), "corrupt"),
    (
        "a font where a page should be",
        _pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] >>", b"<< /Type /Font >>"]),
        "corrupt",
    ),
    ("more pages than a letter has", _pages(letters.DEFAULT_MAX_PAGES + 1), "too_many_pages"),
    ("as many pages as allowed", _pages(letters.DEFAULT_MAX_PAGES), None),
    ("three pages under two nodes", _three_levels(), None),
]


@pytest.mark.parametrize(
    ("content", "refusal"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_the_chokepoint_refuses_what_it_cannot_read_and_counts_pages_itself(
    content, refusal, monkeypatch
):
    from pypdf import PdfReader

    def never(*_args, **_kwargs):
        raise AssertionError("pypdf flattened the page tree")

    # Our walk, never pypdf's flattening (7 s of CPU for a 5 MB tree of 45,000 pages): an
    # AssertionError here would come back as "corrupt" and fail the accepted cases.
    monkeypatch.setattr(PdfReader, "_flatten", never)
    limit = 8 * 1024 * 1024
    if refusal is None:
        checked = letters.check_upload(io.BytesIO(content), limit=limit)
        assert checked.page_count == len(re.findall(rb"/Type /Page\b", content))
        checked.path.unlink()
    else:
        with pytest.raises(letters.LetterRefused) as refused:
            letters.check_upload(io.BytesIO(content), limit=limit)
        assert refused.value.code == refusal


def test_whatever_the_parser_raises_is_a_refusal_and_leaves_no_file(monkeypatch, tmp_path):
    """A new error type of a future pypdf (or a MemoryError on a crafted file) is no 500."""
    import tempfile

    class UnheardOf(Exception):
        pass

    def explode(*_args, **_kwargs):
        raise UnheardOf

    monkeypatch.setattr("pypdf.PdfReader.__init__", explode)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(letters.LetterRefused) as refused:
        letters.check_upload(io.BytesIO(letters.minimal_pdf(["x"])), limit=10_000)
    assert refused.value.code == "corrupt"
    assert not list(Path(tmp_path).iterdir())


def _count(model=CommitmentLetter, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_form_keeps_one_waiting_letter_and_all_waiting_letters_stay_bounded(make_app):
    one = len(letters.minimal_pdf(["x"]))
    app = make_app(CAMPAIGN_HELD_LETTERS_MAX_BYTES=3 * one)
    with app.app_context():
        for _n in range(4):  # the same form, four posts: only its latest letter waits
            latest = letters.store(
                db.session,
                letters.check_upload(io.BytesIO(letters.minimal_pdf(["x"]))),
                "a.pdf",
                holding_hash="a" * 64,
            )
        db.session.commit()
        assert _count() == 1 and letters.held_letter(db.session, "a" * 64).id == latest.id
        for holding in "bcdef":  # five other forms: the oldest waiting ones go first
            letters.store(
                db.session,
                letters.check_upload(io.BytesIO(letters.minimal_pdf(["x"]))),
                "b.pdf",
                holding_hash=holding * 64,
            )
        db.session.commit()
        held = db.session.scalars(
            select(CommitmentLetter.holding_hash).order_by(CommitmentLetter.id)
        ).all()
        assert held == ["d" * 64, "e" * 64, "f" * 64]
        assert _count(StoredFile, StoredFile.name.like("campaign/letters/%")) == 3


def test_a_pledge_keeps_its_latest_letters_only(app, institution):
    token = institution.join()
    for n in range(letters.LETTERS_KEPT + 2):
        reply = institution.edit(upload=letter(letters.minimal_pdf([f"version {n}"])))
        assert reply.status_code == 303, reply.get_data(as_text=True)
    with app.app_context():
        found = operations.find_pledge(db.session, token)
        assert len(found.letters) == letters.LETTERS_KEPT
        assert _count() == letters.LETTERS_KEPT
        newest = b"".join(letters.letter_store().chunks(found.letter.stored_name))
        assert b"version %d" % (letters.LETTERS_KEPT + 1) in newest


#: Every route that takes a file, and how to send one to it.
UPLOAD_ROUTES = ("campaign.join_post", "campaign.pledge_edit_post", "campaign_staff.paper_post")


def test_only_the_walked_routes_take_files():
    """The walk below covers every reader of request.files (all go through receive_letter)."""
    import consult

    readers = [
        path.relative_to(Path(consult.__file__).parent).as_posix()
        for path in Path(consult.__file__).parent.rglob("*.py")
        if "request.files" in path.read_text(encoding="utf-8")
    ]
    assert sorted(readers) == ["campaign/pledge_form.py", "core/errors.py"]
    # The expired-form page only names the files it cannot carry over: it never reads them.
    errors = Path(consult.__file__).parent.joinpath("core", "errors.py").read_text()
    assert re.findall(r"request\.files[^\n]*", errors) == [
        "request.files.values() if upload.filename]"
    ]
    source = Path(consult.__file__).with_name("campaign").joinpath("pledge_form.py").read_text()
    assert source.count("request.files") == 1
    callers = {
        endpoint
        for path in Path(consult.__file__).parent.rglob("*.py")
        for endpoint in _endpoints_calling(path, "receive_letter(")
    }
    assert callers == set(UPLOAD_ROUTES)


def _endpoints_calling(path: Path, call: str) -> list[str]:
    """The endpoints (blueprint.function) of the views in ``path`` whose body has ``call``."""
    import consult

    source = path.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(
        r"@bp\.\w+\([^\n]*\n(?:@[^\n]*\n)*def (\w+)\(.*?(?=\n@bp\.|\Z)", source, re.S
    ):
        if call in match.group(0):
            # The module's bp, wherever it is defined (a view module imports its blueprint).
            parts = path.relative_to(Path(consult.__file__).parent).with_suffix("").parts
            blueprint = importlib.import_module(".".join(("consult", *parts))).bp
            found.append(f"{blueprint.name}.{match.group(1)}")
    return found


#: Small enough to stay in memory (a spooled upload file would outlive the test client).
WALKED = [c for c in HOSTILE if c[2] is not None and len(c[1]) < 100_000]


@pytest.mark.parametrize("route", UPLOAD_ROUTES)
def test_every_upload_route_answers_a_hostile_file_next_to_its_field(
    app, client, login, institution, route
):
    if route == "campaign.join_post":
        send = lambda content: institution.send(upload=letter(content))  # noqa: E731
    elif route == "campaign.pledge_edit_post":
        institution.join()
        send = lambda content: institution.edit(upload=letter(content))  # noqa: E731
    else:
        login(client, "moderator")

        def send(content):
            page = client.get("/staff/campaign/paper").get_data(as_text=True)
            data = {**FIELDS, "csrf_token": csrf_token(page), "language": "fr"}
            data["pledge_token"] = PLEDGE_TOKEN_RE.search(page).group(1)
            data["letter"] = letter(content)
            return client.post(
                "/staff/campaign/paper", data=data, content_type="multipart/form-data"
            )

    for name, content, refusal in WALKED:
        reply = send(content)
        assert reply.status_code == 422, (name, reply.status_code)
        page = reply.get_data(as_text=True)
        error = page.split('id="letter-error">', 1)[1].split("</p>", 1)[0]
        expected = "more than" if refusal == "too_many_pages" else "damaged"
        assert expected in error, (name, error)
