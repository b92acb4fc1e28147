"""Who saved a response last: enough for colleagues sharing one personal link to recognise
each other's saves, nothing more.

Each save records a keyed hash of the browser's random id (the one that already decides where
contact details are shown again), the browser and system families read from its User-Agent
("Firefox on Windows": the families only, never the header itself), and the page's language.
No address, no full header: the link is shared among colleagues of one institution, and the
conflict page tells them apart with that, or with the name the respondent typed as contact.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: Browser families, the first match wins (Edge and Opera also say "Chrome"; Chrome says
#: "Safari").
BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)
#: System families, the first match wins (Android says "Linux"; iOS says "like Mac OS X").
SYSTEMS = (
    (r"Android", "Android"),
    (r"iPhone|iPad|iPod", "iOS"),
    (r"CrOS", "ChromeOS"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
)
#: The longest User-Agent read (real ones are well under this).
_READ = 512


def _family(user_agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for pattern, name in table if re.search(pattern, user_agent)), None)


def device_of(user_agent: str | None) -> str | None:
    """Return "Browser/System" families of a User-Agent, or None when neither is known."""
    return _device_of((user_agent or "")[:_READ])


@functools.lru_cache(maxsize=256)
def _device_of(text: str) -> str | None:
    # Browsers send the same few headers again and again: each is matched once.
    browser, system = _family(text, BROWSERS), _family(text, SYSTEMS)
    if browser is None and system is None:
        return None
    return f"{browser or ''}/{system or ''}"


@dataclass(frozen=True)
class SaveOrigin:
    """What a save records of who made it (columns responses.last_saved_*)."""

    #: Keyed hash of the browser's random id (see browser.browser_hash).
    browser: str | None
    #: "Browser/System" families (device_of), or None.
    device: str | None
    #: The language of the page saved (en, fr, es).
    language: str | None
    #: The random id of the page that saved (merging.EDITOR_FIELD), if it sent one.
    editor: str | None = None
