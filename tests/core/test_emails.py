"""Staff (and invitation) e-mail addresses are checked by one function, from the CLI and forms."""

from __future__ import annotations

import pytest

from consult.core.emails import is_email
from tests.conftest import STAFF_PASSWORD, csrf_token


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("ana@uclg.org", True),
        ("ana.perez+cisdp@mail.uclg.org", True),
        ("o'brien@example.co.uk", True),
        ("maría@ayuntamiento.es", False),  # non-ASCII local part: refused
        ("ana@ayuntamiento-de-méxico.mx", True),  # an international domain name
        ("admin@consult.local", True),
        ("", False),
        ("ana", False),
        ("@uclg.org", False),
        ("ana@", False),
        ("ana@uclg", False),
        ("ana@@uclg.org", False),
        ("ana@uclg..org", False),
        (".ana@uclg.org", False),
        ("ana.@uclg.org", False),
        ("an..a@uclg.org", False),
        ("ana @uclg.org", False),
        ("ana@uclg.org ", False),
        ("ana@-uclg.org", False),
        ("ana@uclg.o", False),
        ("ana@uclg.123", False),
        ("ana@[192.0.2.1]", False),
        ('"ana"@uclg.org', False),
        ("ana\x00@uclg.org", False),
        ("ana@uclg.org\n", False),
        ("<script>@uclg.org", False),
        ("a" * 65 + "@uclg.org", False),
        ("a@" + "b" * 250 + ".org", False),
    ],
)
def test_is_email(address, valid):
    assert is_email(address) is valid


@pytest.mark.parametrize("address", ["not-an-address", "ana@uclg", "ana@@uclg.org", "a b@uclg.org"])
def test_the_cli_refuses_a_malformed_address(runner, address):
    result = runner.invoke(
        args=["user", "create", address, "--role", "analyst", "--password-stdin"],
        input=STAFF_PASSWORD + "\n",
    )
    assert result.exit_code != 0
    assert "not an e-mail address" in result.output


def test_the_accounts_page_refuses_a_malformed_address(app, login):
    admin = login(app.test_client(), "admin")
    page = admin.get("/staff/users").get_data(as_text=True)
    reply = admin.post(
        "/staff/users",
        data={
            "csrf_token": csrf_token(page),
            "email": "ana@uclg..org",
            "role": "analyst",
            "password": STAFF_PASSWORD,
        },
    )
    assert reply.status_code in (200, 400, 422)
    assert "Enter an e-mail address." in reply.get_data(as_text=True)
    assert "ana@uclg..org" not in admin.get("/staff/users").get_data(as_text=True)
