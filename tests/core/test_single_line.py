"""Every single-line field that reaches the database, through an import or a form, holds one
line: line breaks, tabs and control characters are cleaned by the one rule for typed text
(``clean_line`` in consult/core/typed_text.py; ``Form`` and ``form_line`` in
consult/core/inputs.py). A CSV name "Grigny\\r\\n@SUM(1)" once split the invitation's greeting.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import consult
from consult.core.inputs import Form, is_single_line
from consult.core.typed_text import clean_line
from consult.db import db
from tests.conftest import csrf_token
from tests.mail.test_invitations import post
from tests.outcomes.test_pages import freeze

#: A line break as a spreadsheet writes it in a quoted cell, a tab, a bell, a line separator.
HOSTILE = "Grigny\r\n@SUM(1)\tx\x07\u2028y"
ONE_LINE = "Grigny @SUM(1) x y"
#: What a stored single-line value must never hold.
BREAK = re.compile(r"[\r\n\t\x00-\x1f\x7f-\x9f\u2028\u2029]")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Grigny\r\n@SUM(1)", "Grigny @SUM(1)"),
        ("Grigny\r@SUM(1)", "Grigny @SUM(1)"),
        ("Grigny\n\n\n@SUM(1)", "Grigny @SUM(1)"),
        ("  Ville\tde\t Test  ", "Ville de  Test"),
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),
        ("Line\u2028sep\u2029para", "Line sep para"),
        ("\u202egnp.exe\u202c", "gnp.exe"),
        ("Cafe\u0301", "Café"),
        ("\r\n", ""),
        ("Plain name", "Plain name"),
    ],
)
def test_one_line_table(typed, kept):
    assert clean_line(typed) == kept


def _form_classes() -> list[type]:
    """Every form class the app defines (each of its modules imported)."""
    for module in pkgutil.walk_packages(consult.__path__, "consult."):
        importlib.import_module(module.name)
    found, stack = set(), [FlaskForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("consult.") and sub is not Form:
                found.add(sub)
    return sorted(found, key=lambda c: c.__qualname__)


def test_every_form_of_the_app_holds_its_single_lines(app):
    """Every form class derives from the one ``Form``; every single-line field of each, sent
    a hostile value, holds it as one line (the table is generated: a new form is in it)."""
    classes = _form_classes()
    assert len(classes) >= 19
    assert [c.__qualname__ for c in classes if not issubclass(c, Form)] == []
    checked = []
    for form_class in classes:
        with app.test_request_context(method="POST"):
            form = form_class(formdata=MultiDict(), meta={"csrf": False})
            names = [f.name for f in form if is_single_line(type(f))]
            data = MultiDict({name: HOSTILE for name in names})
            form = form_class(formdata=data, meta={"csrf": False})
            for name in names:
                assert form[name].data == ONE_LINE, (form_class.__qualname__, name)
                checked.append(f"{form_class.__qualname__}.{name}")
    # The staff's and the public's single-line fields, among them:
    for expected in (
        "PledgeForm.institution_name",
        "PledgeForm.contact_phone",
        "OptionForm.label_fr",
        "ClosingForm.title_es",
        "UserCreateForm.email",
        "ContributionForm.name",
    ):
        assert expected in checked


def _stored_texts(app, model, *columns) -> list[str]:
    with app.app_context():
        rows = db.session.execute(select(*(getattr(model, c) for c in columns))).all()
    return [value for row in rows for value in row if isinstance(value, str)]


#: Every column of the invitation import, each with a hostile value (the others valid).
IMPORT_ROWS = {
    "name": ["Grigny\r\n@SUM(1)", "FR", "a1@city.test", "europe", "fr"],
    "country": ["Ville A", "F\r\nR", "a2@city.test", "europe", "fr"],
    "country_tab": ["Ville B", "\tFR\t", "a3@city.test", "europe", "fr"],
    "email": ["Ville C", "FR", "a4@city.test\r\n", "europe", "fr"],
    "email_inside": ["Ville D", "FR", "a5\r\n@city.test", "europe", "fr"],
    "region": ["Ville E", "FR", "a6@city.test", "europe\r\n", "fr"],
    "language": ["Ville F", "FR", "a7@city.test", "europe", "f\r\nr"],
    "language_end": ["Ville G", "FR", "a8@city.test", "europe", "fr\x07\r\n"],
}


@pytest.mark.parametrize("case", sorted(IMPORT_ROWS))
def test_every_import_column_holds_one_line(app, login, case):
    from consult.staff.models import Invitation

    row = IMPORT_ROWS[case]
    quoted = ",".join('"' + cell.replace('"', '""') + '"' for cell in row)
    content = f"name,country,email,region,language\r\n{quoted}\r\n".encode()
    client = login(app.test_client(), "analyst")
    page = client.get("/staff/invitations").get_data(as_text=True)
    reply = client.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )
    assert reply.status_code in (200, 422)
    columns = ("institution_name", "country", "email", "region", "language")
    stored = _stored_texts(app, Invitation, *columns)
    assert [value for value in stored if BREAK.search(value)] == []
    if case == "name":
        assert reply.status_code == 200 and "Grigny @SUM(1)" in stored


def test_the_invitation_greeting_is_one_line(app, login):
    """The reviewer's case, to the message: the greeting names the institution on one line."""
    from consult.mail.models import OutboxMessage

    content = b'name,country,email\r\n"Grigny\r\n@SUM(1)",FR,a1@city.test\r\n'
    analyst = login(app.test_client(), "analyst")
    page = analyst.get("/staff/invitations").get_data(as_text=True)
    analyst.post(
        "/staff/invitations",
        data={"csrf_token": csrf_token(page), "file": (io.BytesIO(content), "list.csv")},
        content_type="multipart/form-data",
    )
    assert post(analyst, "/staff/mail/invitations", action="invite").status_code == 303
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.recipient_name == "Grigny @SUM(1)"
        body = message.body_text
    assert "Grigny @SUM(1)" in body and "Grigny\n" not in body


def test_the_region_form_refuses_a_broken_line(app, login):
    from consult.staff.models import RegionOverride

    client = login(app.test_client(), "admin")
    for country, region in (("FR\r\n", "africa"), ("FR", "africa\r\n"), ("F\tR", "africa")):
        page = client.get("/staff/regions").get_data(as_text=True)
        data = {"csrf_token": csrf_token(page), "country": country, "region": region}
        client.post("/staff/regions", data=data)
    stored = _stored_texts(app, RegionOverride, "country", "region")
    assert [value for value in stored if BREAK.search(value)] == []


def test_fields_read_by_hand_hold_one_line(app, login):
    """The snapshot's label and the invitation text's subject, read without a form class."""
    from consult.mail.models import MailTemplate
    from consult.outcomes.models import OutcomeSnapshot

    client = login(app.test_client(), "admin")
    assert freeze(client, label=HOSTILE, empty="yes").status_code == 302
    reply = post(
        client,
        "/staff/mail/templates/invitation/fr",
        action="save",
        subject="Invitation\r\nBcc: x@y.test",
        body="Bonjour {institution},\n\n{link}",
    )
    assert reply.status_code in (200, 302, 303), reply.get_data(as_text=True)[:500]
    assert _stored_texts(app, OutcomeSnapshot, "label") == [ONE_LINE]
    subjects = _stored_texts(app, MailTemplate, "subject")
    assert subjects == ["Invitation Bcc: x@y.test"]
