"""The conflict page says who made the other save, and exactly when, without exposing what
colleagues sharing a link should not see (consult/questionnaires/origin.py, sharing.saved_by)."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from consult.db import utcnow
from consult.questionnaires.origin import device_of
from consult.questionnaires.sharing import saved_by
from tests.questionnaires.test_respond import PROFILE
from tests.questionnaires.test_shared_link import Browser

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
EDGE_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (FIREFOX_WINDOWS, "Firefox/Windows"),
        (SAFARI_IPHONE, "Safari/iOS"),
        (CHROME_ANDROID, "Chrome/Android"),
        (EDGE_MAC, "Edge/macOS"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox/Linux"),
        ("Werkzeug/3.1", None),
        ("", None),
        (None, None),
        ("x" * 10_000, None),
    ],
)
def test_the_device_is_only_a_pair_of_families(user_agent, device):
    assert device_of(user_agent) == device


def last_save(browser="b" * 64, device=None, language=None, minutes=3):
    return SimpleNamespace(
        updated_at=utcnow() - timedelta(minutes=minutes),
        last_saved_browser=browser,
        last_saved_device=device,
        last_saved_language=language,
    )


def contact(browser="b" * 64, name="Aïcha Diop", job_title="Cheffe de service", email="a@x.org"):
    return SimpleNamespace(browser_hash=browser, name=name, job_title=job_title, email=email)


@pytest.mark.parametrize(
    ("case", "save", "details", "expected"),
    [
        (
            "same browser",
            last_save(browser="a" * 64),
            None,
            "saved in another tab of this browser, ",
        ),
        (
            "the contact's browser",
            last_save(browser="c" * 64, device="Firefox/Windows", language="fr"),
            contact(browser="c" * 64),
            "saved by Aïcha Diop, Cheffe de service, ",
        ),
        (
            "a name without a job title",
            last_save(browser="c" * 64),
            contact(browser="c" * 64, job_title=None),
            "saved by Aïcha Diop, ",
        ),
        (
            "contact typed in another browser than the save's",
            last_save(browser="d" * 64, device="Safari/iOS", language="es"),
            contact(browser="c" * 64),
            "saved from another browser (Safari on iOS, in Spanish), ",
        ),
        (
            "device and language",
            last_save(browser="d" * 64, device="Chrome/Android", language="fr"),
            None,
            "saved from another browser (Chrome on Android, in French), ",
        ),
        (
            "language only",
            last_save(browser="d" * 64, language="es"),
            None,
            "saved from another browser (in Spanish), ",
        ),
        (
            "nothing known (a save from before this was recorded)",
            last_save(browser=None),
            None,
            "saved from another browser or tab, ",
        ),
    ],
)
def test_who_saved(app, case, save, details, expected):
    save = SimpleNamespace(**{**vars(save), "updated_at": utcnow() - timedelta(minutes=3)})
    with app.test_request_context("/?lang=en"):
        said = saved_by(save, "a" * 64, details)
    assert said.startswith(expected), (case, said)
    # The exact moment, with its zone, and how long ago.
    assert re.search(r", \d{1,2} \w+ 20\d\d, \d\d:\d\d UTC \(3 minutes ago\)$", said), said
    assert "a@x.org" not in said and "@" not in said


def test_who_saved_in_french(app):
    with app.test_request_context("/?lang=fr"):
        said = saved_by(
            last_save(browser="d" * 64, device="Firefox/Windows", language="es"), "a", None
        )
    assert said.startswith(
        "enregistrée depuis un autre navigateur (Firefox sous Windows, en espagnol)"
    )
    assert re.search(r"\d{1,2} \w+ 20\d\d, \d\d:\d\d UTC \(il y a 3 minutes\)$", said), said


def test_the_conflict_page_names_the_colleague_who_saved(app, respondent):
    """A colleague submitted with her name as contact; another browser's conflict names her."""
    from tests.questionnaires.test_respond import fill_required

    token = respondent.start()
    fill_required(respondent)
    assert (
        respondent.submit(
            name="Aïcha Diop", job_title="Cheffe de service", consent="yes"
        ).status_code
        == 303
    )
    other = Browser(app, token)
    other.client.environ_base["HTTP_USER_AGENT"] = SAFARI_IPHONE
    other.open("profile")
    # The first browser (her own) changes the department; the second, showing the old page,
    # changes it differently.
    mine = Browser(app, token)
    mine.client = respondent.client
    mine.client.environ_base["HTTP_USER_AGENT"] = FIREFOX_WINDOWS
    mine.open("profile")
    assert mine.save("profile", {**PROFILE, "q.respondent_department": "DDH"}).status_code == 303
    reply = other.save("profile", {**PROFILE, "q.respondent_department": "Secretaría"})
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert "saved by Aïcha Diop, Cheffe de service, " in page
    assert "a@" not in page and "127.0.0.1" not in page

    # The other way round: her browser sees the colleague's device and language, no name.
    mine.client.get(f"/r/{token}/s/profile?lang=en")  # she reads in English (remembered)
    mine.open("profile")
    other.client.get(f"/r/{token}/s/profile?lang=es")
    other.open("profile")
    assert (
        other.save("profile", {**PROFILE, "q.respondent_department": "Área DDHH"}).status_code
        == 303
    )
    reply = mine.save("profile", {**PROFILE, "q.respondent_department": "Oficina"})
    assert reply.status_code == 409
    page = reply.get_data(as_text=True)
    assert "saved from another browser (Safari on iOS, in Spanish), " in page
