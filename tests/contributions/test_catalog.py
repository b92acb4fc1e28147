"""The contributions catalog is complete in French and Spanish: no empty or fuzzy entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[2] / "consult" / "contributions" / "translations"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_message_is_translated(language):
    with open(CATALOG / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 200
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id
        assert not message.fuzzy, message.id
