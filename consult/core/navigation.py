"""Which link of a navigation stands for the page shown: the one rule for the public and the
staff navigation (marked with aria-current, and named in the phone's folded menu)."""

from __future__ import annotations

from collections.abc import Sequence

#: aria-current of the link to the page shown, and of the link to the section holding it.
PAGE = "page"
SECTION = "true"


def current_marks(paths: Sequence[str], here: str) -> list[str | None]:
    """Mark a navigation's link paths for the page at ``here``: PAGE on the link to it, else
    SECTION on the longest link path that is a folder of it (a contribution's page under
    "Open contributions"), else nothing. At most one link is marked.

    The first path is the navigation's home: every page lies under it, so it is marked only
    when it is the page shown.
    """
    here = here.rstrip("/")
    links = [path.split("?")[0].rstrip("/") for path in paths]
    marks: list[str | None] = [None] * len(links)
    if here in links:
        marks[links.index(here)] = PAGE
        return marks
    folders = [
        (len(link), number)
        for number, link in enumerate(links)
        if number > 0 and link and here.startswith(link + "/")
    ]
    if folders:
        marks[max(folders)[1]] = SECTION
    return marks
