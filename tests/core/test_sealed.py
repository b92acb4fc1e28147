"""Private links a browser keeps in its session cookie are sealed: unreadable, dated, ours.

Flask's session cookie is signed, not encrypted: its content reads as plain base64 to whoever
holds it. The table checks the chokepoint (consult/core/sealed.py); the walk drives every flow
that keeps something in the session from a public page and reads the cookie the way an
outsider would (decoded, no key), looking for any private link the database knows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography import fernet as fernet_module
from sqlalchemy import select

from consult.campaign.models import Pledge
from consult.contributions.models import Contribution
from consult.core.sealed import _fernets, seal, unseal
from consult.db import db
from consult.questionnaires.models import Response
from tests.campaign.conftest import Institution
from tests.conftest import Respondent, csrf_token
from tests.contributions.conftest import Contributor

HOUR = timedelta(hours=1)
TOKEN = "x8H3kq_RZt0dV9mYc2LwQe5sNpJbA7uF4iGoKjT1"


def _tampered(sealed: str) -> str:
    middle = len(sealed) // 2
    return sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]


@pytest.mark.parametrize(
    ("make", "age", "expected"),
    [
        ("sealed", 0, TOKEN),
        ("sealed", HOUR.total_seconds() - 5, TOKEN),
        ("sealed", HOUR.total_seconds() + 5, None),  # past its purpose: forgotten
        ("tampered", 0, None),
        ("another key", 0, None),
        ("plain", 0, None),  # a cookie written before values were sealed
        ("empty", 0, None),
        ("none", 0, None),
        ("number", 0, None),
        ("not ascii", 0, None),
    ],
)
def test_a_sealed_value_opens_only_whole_ours_and_in_time(app, monkeypatch, make, age, expected):
    with app.app_context():
        if make == "another key":
            ours = app.config["SECRET_KEY"]
            app.config["SECRET_KEY"] = "another-secret-key-for-this-test"
            sealed: object = seal(TOKEN)
            app.config["SECRET_KEY"] = ours
        else:
            sealed = {
                "sealed": lambda: seal(TOKEN),
                "tampered": lambda: _tampered(seal(TOKEN)),
                "plain": lambda: TOKEN,
                "empty": lambda: "",
                "none": lambda: None,
                "number": lambda: 12345,
                "not ascii": lambda: "gAAAA€" + TOKEN,
            }[make]()
        real = fernet_module.time.time
        monkeypatch.setattr(fernet_module.time, "time", lambda: real() + age)
        assert unseal(sealed, HOUR) == expected


def test_sealing_hides_the_value_and_differs_each_time(app):
    with app.app_context():
        first, second = seal(TOKEN), seal(TOKEN)
    assert TOKEN not in first and first != second
    assert _fernets  # the key is derived once per secret


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _readable_cookie(app, client) -> list[str]:
    """Every string the session cookie holds, read as an outsider reads it: without the key."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return []
    _valid, content = app.session_interface.get_signing_serializer(app).loads_unsafe(cookie.value)
    return list(_strings(content))


def _private_link_hashes(app) -> set[str]:
    with app.app_context():
        return (
            set(db.session.scalars(select(Pledge.token_hash)))
            | set(db.session.scalars(select(Contribution.status_token_hash)))
            | set(db.session.scalars(select(Response.resume_token_hash)))
        )


def _contribution_sent(app, client) -> str:
    path, _token = Contributor(client).send_ok()
    return path


def _pledge_draft_saved(app, client) -> str:
    institution = Institution(client)
    assert institution.send(action="draft").status_code == 303
    return institution.token


def _pledge_sent(app, client) -> str:
    institution = Institution(client)
    return institution.join()


ADDRESS = "maire.adjointe@grigny.example"


def _address_typed_and_not_sent(app, client) -> str:
    respondent = Respondent(client)
    respondent.start()
    respondent.page("profile")
    saved = respondent.save(
        "profile", {"q.institution_name": "Grigny"}, action="save", link_email=ADDRESS
    )
    assert saved.status_code == 303
    page = client.get(saved.location, follow_redirects=True).get_data(as_text=True)
    assert ADDRESS in page  # offered again in the box
    return ADDRESS


def _review_left_with_contact_typed(app, client) -> str:
    respondent = Respondent(client)
    token = respondent.start()
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    typed = {"contact.name": "Aïcha Diop", "contact.email": ADDRESS, "contact.phone": "+221 77"}
    left = client.post(
        f"/r/{token}/review",
        data={"csrf_token": csrf_token(review), "goto": "leave:charter.index", **typed},
    )
    assert left.status_code == 303
    assert "Aïcha Diop" in client.get(f"/r/{token}/review").get_data(as_text=True)
    # and leave again, so the cookie holds the typed fields when it is read
    review = client.get(f"/r/{token}/review").get_data(as_text=True)
    client.post(
        f"/r/{token}/review",
        data={"csrf_token": csrf_token(review), "goto": "leave:charter.index", **typed},
    )
    return token


def _page_saved_and_acknowledged(app, client) -> str:
    respondent = Respondent(client)
    token = respondent.start()
    respondent.page("profile")
    saved = respondent.save("profile", {"q.institution_name": "Grigny"}, action="save")
    # the acknowledgement waits in the session for the page's path, which holds the link
    assert client.get(saved.location).status_code == 303
    return token


@pytest.mark.parametrize(
    "flow",
    [
        _contribution_sent,
        _pledge_draft_saved,
        _pledge_sent,
        _address_typed_and_not_sent,
        _review_left_with_contact_typed,
        _page_saved_and_acknowledged,
    ],
)
def test_no_private_link_or_address_can_be_read_from_the_session_cookie(make_app, flow):
    app = make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)
    client = app.test_client()
    secret = flow(app, client)
    readable = _readable_cookie(app, client)
    assert readable, "the flow kept nothing in the session"
    hashes = _private_link_hashes(app)
    for text in readable:
        assert secret.rsplit("/", 1)[-1] not in text, text
        assert "@" not in text and "Diop" not in text and "+221" not in text, text
        for part in {text, *text.split("/"), *text.split("?")[0].split("/")}:
            assert hashlib.sha256(part.encode()).hexdigest() not in hashes, text


def test_the_sealed_values_still_do_their_work(make_app):
    """The draft is continued and the second press finds its status page, through the seal."""
    app = make_app(CONTRIBUTION_MIN_FILL_SECONDS=0)
    client = app.test_client()
    institution = Institution(client)
    csrf, token, _page = institution.open()
    assert institution.send((csrf, token), action="draft").status_code == 303
    _csrf, again, page = institution.open()
    assert "You saved a draft for Ville de Grigny" in page
    continued = institution.send((csrf, again), action="draft")
    assert continued.location.startswith(f"/campaign/pledge/{token}")
    browser = Contributor(client)
    csrf, started, _page = browser.form()
    fields = {
        "csrf_token": csrf,
        "started": started,
        "kind": "comment",
        "article": "art10",
        "text": "Housing is a right.",
        "language": "en",
        "organisation_type": "civil_society",
    }
    first = client.post("/contributions/new", data=fields)
    again_reply = client.post("/contributions/new", data=fields)
    assert first.status_code == 303 and again_reply.location == first.location


#: Every value the app keeps in Flask's session (module, key), and why whoever reads the cookie
#: learns nothing from it. A new one must be added here, sealed or harmless.
SESSION_WRITES = {
    ("consult/campaign/join_drafts.py", "KEY"): "the draft's private link, sealed",
    ("consult/contributions/form_token.py", "SESSION_KEY"): "a random nonce binding the form",
    ("consult/contributions/form_token.py", "SENT_KEY"): "status links, each sealed",
    ("consult/mail/link_box.py", "SESSION_KEY"): "a digest of the link, the address sealed",
    ("consult/staff/kept_forms.py", "SESSION_KEY"): "an account id and a random nonce",
    ("consult/core/acknowledgements.py", "_SESSION_KEY"): "a digest of the path, words said",
    ("consult/questionnaires/browser.py", "BROWSER_KEY"): "a random browser id",
    ("consult/questionnaires/navigation.py", "REVIEW_TYPED_KEY"): "a digest, the fields sealed",
    ("consult/questionnaires/this_browser.py", "KEY"): "the last response opened: links sealed",
}


def _session_writes() -> set[tuple[str, str]]:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = set()
    for path in sorted((root / "consult").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "session"
                ):
                    found.add((str(path.relative_to(root)), ast.unparse(target.slice)))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "session"
                and node.func.attr in {"setdefault", "update", "__setitem__"}
            ):
                found.add((str(path.relative_to(root)), f"session.{node.func.attr}"))
    return found


def test_every_value_kept_in_the_session_is_listed_with_why_it_is_safe_to_read():
    assert _session_writes() == set(SESSION_WRITES)
