"""The chokepoint of a field's limits (consult/core/field_limits.py): a page draws each limit
from the validator the server runs, and no template writes a limit as a number."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consult.core.field_limits import field_limits, limits_of, too_long
from consult.i18n_tools import ROOT


class Sample(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[Optional(), Length(max=200)])
    key = StringField(validators=[Length(min=2, max=64)])
    bare = StringField(validators=[DataRequired()])
    position = IntegerField(validators=[NumberRange(min=0, max=10_000)])
    floor = IntegerField(validators=[NumberRange(min=1)])


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("name", ' maxlength="200"'),
        ("key", ' maxlength="64" minlength="2"'),
        ("bare", ""),
        ("position", ' min="0" max="10000"'),
        ("floor", ' min="1"'),
    ],
)
def test_a_fields_limits_come_from_its_validators(app, name, attributes):
    with app.test_request_context("/"):
        assert str(field_limits(Sample()[name])) == attributes


@pytest.mark.parametrize(
    ("kwargs", "attributes"),
    [
        ({"maximum": 1000}, ' maxlength="1000"'),
        ({"minimum": 12}, ' minlength="12"'),
        ({}, ""),
    ],
)
def test_a_field_read_by_hand_takes_its_limit_from_its_constant(kwargs, attributes):
    assert str(limits_of(**kwargs)) == attributes


@pytest.mark.parametrize(
    ("text", "maximum", "over"),
    [(None, 3, False), ("", 3, False), ("abc", 3, False), ("abcd", 3, True), ("é" * 4, 3, True)],
)
def test_too_long_counts_characters(text, maximum, over):
    assert too_long(text, maximum) is over


#: A limit written as a number in a field's tag (``maxlength="200"``): the server's check and
#: the page would drift apart.
NUMBER_LIMIT = re.compile(
    r"<(?:input|textarea|select)\b[^>]*\s(?:data-)?(?:maxlength|minlength|min|max)=\"\d", re.S
)


def test_no_template_writes_a_fields_limit_as_a_number():
    written = [
        str(path.relative_to(ROOT))
        for path in (Path(ROOT) / "templates").rglob("*.html")
        if NUMBER_LIMIT.search(path.read_text(encoding="utf-8"))
    ]
    assert written == [], "draw it with limits(form.field) or limits_of(maximum=CONSTANT)"
