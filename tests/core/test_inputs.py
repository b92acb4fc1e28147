"""The input chokepoint: one cleaning of every submitted text, one parser of request numbers and
dates (tables of cases); the caps on value length and on the number of fields."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest

from consult.core.inputs import clean_text, parse_date, parse_datetime, parse_id


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain", "plain"),
        ("a\x00b", "ab"),
        ("\x00\x01\x02\x07\x08\x0b\x0c\x0e\x1f", ""),
        ("tab\tline\nreturn\r\n", "tab\tline\nreturn\n"),
        # A line break is one LF, as the browser's counter counts it (CR LF, lone CR, mixed).
        ("one\r\ntwo\r\n\r\nthree", "one\ntwo\n\nthree"),
        ("old\rmac\r\rend", "old\nmac\n\nend"),
        ("mixed\r\r\n\n", "mixed\n\n\n"),
        ("é\r\nü", "é\nü"),
        ("del\x7f c1\x80\x85\x9f", "del c1"),
        ("non\ufffechar\uffff", "nonchar"),
        ("e\u0301te\u0301", "été"),  # decomposed accents become NFC
        # Bidirectional embeddings, overrides and isolates go; the LRM and RLM marks stay.
        ("Aïcha \u202egnp.exe", "Aïcha gnp.exe"),
        ("\u202a\u202b\u202c\u202d\u202ex\u2066\u2067\u2068\u2069", "x"),
        ("ascii \u202e reversed", "ascii  reversed"),
        ("Gwangju 광주 \u200eRTL\u200f", "Gwangju 광주 \u200eRTL\u200f"),
        ("עברית\u200f (Tel Aviv)", "עברית\u200f (Tel Aviv)"),
        ("arabic \u061c mark", "arabic \u061c mark"),
        ("emoji 👩🏽‍⚖️", "emoji 👩🏽‍⚖️"),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean
    assert unicodedata.is_normalized("NFC", clean_text(raw))


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("12", 12),
        ("0", 0),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("-1", None),
        ("+1", None),
        ("١٢", None),  # Arabic-Indic digits
        ("²", None),
        ("1e3", None),
        (" 1", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(raw, parsed):
    assert parse_id(raw) == parsed


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("2022-02-23", date(2022, 2, 23)),
        ("2022-02-30", None),
        ("9999-12-31", None),
        ("0001-01-01", None),
        ("٢٠٢٢-٠٢-٢٣", None),
        ("2022-2-3", None),
        ("20220223", None),
        ("", None),
    ],
)
def test_parse_date(raw, parsed):
    assert parse_date(raw) == parsed


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("2022-02-22T18:00", datetime(2022, 2, 22, 18, 0)),
        ("0001-01-01T00:00", None),
        ("9999-12-31T23:59", None),
        ("٢٠٢٢-02-22T18:00", None),
        ("tomorrow", None),
    ],
)
def test_parse_datetime(raw, parsed):
    assert parse_datetime(raw) == parsed


def test_a_form_value_is_cleaned_before_any_view_sees_it(app):
    seen = {}

    @app.post("/_echo")
    def echo():
        seen.update(form=request_form(), args=request_args())
        return "ok"

    from flask import request

    def request_form():
        return request.form.to_dict()

    def request_args():
        return request.args.to_dict()

    app.config["WTF_CSRF_ENABLED"] = False
    reply = app.test_client().post("/_echo?q=a%00b", data={"te\x00xt": "N\x00UL e\u0301"})
    assert reply.status_code == 200
    assert seen == {"form": {"text": "NUL é"}, "args": {"q": "ab"}}


def test_too_long_values_are_cut_and_too_many_fields_refused_with_413(app):
    seen = {}

    @app.post("/_length")
    def length():
        from flask import request

        seen["length"] = len(request.form["text"])
        return "ok"

    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    limit = app.config["MAX_FIELD_CHARACTERS"]
    assert client.post("/_length", data={"text": "x" * (limit * 3)}).status_code == 200
    assert seen["length"] == limit + 1  # still "too long" for every form's own limit
    reply = client.post("/contributions/new", data={"text": "x" * (limit * 3)})
    assert reply.status_code < 500 and len(reply.get_data()) < limit * 2  # not the 3x sent
    fields = "&".join(f"f{n}=1" for n in range(app.config["MAX_FORM_PARTS"] + 1))
    reply = client.post(
        "/contributions/new", data=fields, content_type="application/x-www-form-urlencoded"
    )
    assert reply.status_code == 413
    assert "too large" in reply.get_data(as_text=True)
    assert reply.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("query", "args", "expected"),
    [
        ("a=1&a=2", ("a",), "1"),
        ("a=1", ("b",), None),
        ("a=1", ("b", "none"), "none"),
        ("a=12", ("a", None, int), 12),
        ("a=x", ("a", -1, int), -1),
        ("", ("a", "none"), "none"),
    ],
)
def test_parameters_get_answers_as_werkzeug_does(query: str, args: tuple, expected: object) -> None:
    """The quiet get (parameters, cookies) skips werkzeug's exception for a missing key only."""
    from urllib.parse import parse_qsl

    from flask import Flask
    from werkzeug.datastructures import ImmutableMultiDict

    from consult.core.inputs import CleanParameters, ConsultRequest, QuietImmutableMultiDict

    app = Flask(__name__)
    pairs = parse_qsl(query, keep_blank_values=True)
    with app.app_context():
        assert CleanParameters(pairs).get(*args) == expected
        assert QuietImmutableMultiDict(pairs).get(*args) == expected
        assert ImmutableMultiDict(pairs).get(*args) == expected
    cookies = ConsultRequest.from_values(headers={"Cookie": query.replace("&", "; ")}).cookies
    assert isinstance(cookies, QuietImmutableMultiDict)
    assert cookies.get(*args) == expected
