"""Acknowledgements said once: "Thank you, your contribution was received", "Your answers are
saved", "Your personal link is on its way"...

A view that has just done something redirects to the page that says so with an argument in
the query string (``?sent=1``, ``?saved=1``, ``?link_sent=1``). Left in the address, the
acknowledgement came back on every reload and from every bookmark ("Thank you. Your
contribution was received" a week later). Here, before any view, a GET carrying one of these
arguments keeps them in the session, for that path only, and is redirected (303) to the same
address without them; the page then reads them once with ``acknowledgement(name)`` (a template
global too), which takes them out of the session. The path is kept as a digest: a personal
page's path holds its private link, and the session cookie is readable by whoever holds it.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from flask import Flask, g, redirect, request, session

from consult.core.links import safe_local_path

#: Every acknowledgement argument of the app (the views that redirect with one, the pages that
#: say it): contributions and pledges (sent), page saves (saved), the personal link and the
#: receipt by e-mail (link_sent, link_not_sent, receipt_not_sent).
#: Enter pressed in a field of the review page or with an address in a question page's link
#: box: nothing was submitted or sent (entered=1), the link neither (entered=link).
NAMES = frozenset({"sent", "saved", "link_sent", "link_not_sent", "receipt_not_sent", "entered"})
_SESSION_KEY = "acknowledged"


def _path_digest(path: str) -> str:
    return hashlib.sha256(f"acknowledged:{path}".encode()).hexdigest()[:24]


def said_once():  # type: ignore[no-untyped-def] - a response or None, as Flask hooks return
    """Move the acknowledgement arguments of a GET to the session and redirect without them."""
    if request.method != "GET" or not request.args or NAMES.isdisjoint(request.args.keys()):
        return None  # the session is not even read: no "Vary: Cookie" on public pages
    session[_SESSION_KEY] = {
        "path": _path_digest(request.path),
        "values": {key: request.args[key] for key in NAMES if key in request.args},
    }
    kept = [(key, value) for key, value in request.args.items(multi=True) if key not in NAMES]
    target = request.script_root + request.path + ("?" + urlencode(kept) if kept else "")
    # This very page, but a path such as //evil.example is another host: the one check.
    return redirect(safe_local_path(target, "/"), 303)


def acknowledgement(name: str) -> str | None:
    """Return the value of acknowledgement ``name`` for this page view, or None.

    The first call of a page view takes what was kept for this path out of the session, so a
    reload says nothing.
    """
    if "acknowledged" not in g:
        stored = session.pop(_SESSION_KEY, None) if _SESSION_KEY in session else None
        same_page = stored is not None and stored.get("path") == _path_digest(request.path)
        g.acknowledged = stored.get("values", {}) if same_page else {}
        if stored is not None and not same_page:
            session[_SESSION_KEY] = stored  # another page's, still to be said there
    return g.acknowledged.get(name)


def init_app(app: Flask) -> None:
    """Run said_once before every view and expose ``acknowledgement`` to the templates."""
    app.before_request(said_once)
    app.add_template_global(acknowledgement)
