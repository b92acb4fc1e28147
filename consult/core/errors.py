"""Error pages: HTML for people, JSON for scripts.

Two failures may instead show the page again with what was typed: a CSRF failure, and a database
that cannot take the write just now (locked, disk full, server unreachable). The latter answers
503 with Retry-After: the respondent's input is on the page, nothing half-saved is kept.

Every other refusal of a form (a rate limit's 429, a 400, 403, 404, 409, 413, 500, 503) goes
through one chokepoint, ``answer_refusal``: it shows back what was sent (the expired form's page,
``resend_page``), says how long to wait when that is known (a rate limit's real reset, in words)
and offers the way forward: "Send again" when the same form may pass later, the form's own page
otherwise. A script (JSON) is told the same, with ``retry_after`` in seconds. A public page of
something no longer shown (410, ``core.gone.NotShown``) and a private link that names nothing
(``core.gone.UnknownLink``) pass through it too, with their own sentence and ways on.

A database outage is recognised in one place (is_outage), wherever in the request it is raised:
in a before_request hook (the staff session check, a rate-limit count), in the view, in an
error handler that tried to show the page again, in an after_request hook. Flask sends what no
error handler took to ``handle_exception``; init_app wraps it so that an outage there is the
same 503 page with the input kept, never a 500. An outage while the request's context is torn
down (the session's rollback and close) comes after the answer was decided: it is logged and
the answer stands, since whatever it acknowledges was committed before.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

import psycopg
from flask import (
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    request_finished,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    InternalError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from consult.core.gone import NotShown, UnknownLink, WayOn
from consult.core.links import base_url_origin
from consult.core.requestlog import is_secret_variable, is_token_shaped
from consult.core.waiting import rate_limit_wait, wait_words
from consult.security import FALLBACK_PAGE

#: Database failures that pass: a lock held too long, a full disk, a server restarting, a pool
#: exhausted. They are answered with 503 and the page again, never with a 500.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)
#: The same failures as the drivers raise them, where SQLAlchemy did not wrap them (a connection
#: used directly, a pool's reset): a lost server, a protocol broken by a restarting pooler.
DRIVER_OUTAGE_ERRORS = (
    sqlite3.OperationalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    DisconnectionError,
)
#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 5

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You are not allowed to see this page."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used that way."),
    413: _l("What you sent is too large. Shorten the longest text and try again."),
    429: _l(
        "Too many requests came from your connection. Please wait a few minutes and try again."
    ),
    500: _l("Something went wrong on our side. Your earlier saved answers are safe."),
    503: _l("The service is busy. Please try again in a moment."),
}

#: A rate limit's refusal, with the time its limit really resets.
TOO_MANY_WAIT = _l(
    "Too many requests came from your connection, so this was not sent. You can send it again "
    "in %(wait)s."
)
#: Refusals after which the very same form may pass: the page offers "Send again".
RETRYABLE = frozenset({429, 500, 503})

#: Shown when a form could not be saved and no page of its own can show it again.
NOT_SAVED = _l(
    "We could not save this just now, so nothing was changed. Go back in your browser: what you "
    "typed is still in the form. Please send it again in a moment."
)


def wants_json() -> bool:
    """Tell whether the client prefers JSON to HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def recovers_from_csrf(handler: Callable[[], object]) -> Callable:
    """Mark a view whose form, on a CSRF failure, is shown again by ``handler`` with its input."""

    def decorate(view: Callable) -> Callable:
        view.csrf_recovery = handler  # type: ignore[attr-defined]
        return view

    return decorate


def recovers_from_unavailable(handler: Callable[[], object]) -> Callable:
    """Mark a view whose page, when the database cannot write, is shown again by ``handler``.

    The handler runs after the failed unit of work was rolled back, reading only, and returns
    the page with the posted input and a "please try again" message (status 503).
    """

    def decorate(view: Callable) -> Callable:
        view.unavailable_recovery = handler  # type: ignore[attr-defined]
        return view

    return decorate


def failure_kind(error: BaseException) -> str:
    """Name a database failure for the log: locked, disk-full, unreachable or unavailable."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).lower()
    if "locked" in text or "busy" in text:
        return "locked"
    if "disk is full" in text or "no space" in text or "disk i/o" in text:
        return "disk-full"
    if isinstance(error, PoolTimeoutError) or "connect" in text or "closed" in text:
        return "unreachable"
    return "unavailable"


def _is_outage_error(error: BaseException) -> bool:
    if isinstance(error, UNAVAILABLE_ERRORS + DRIVER_OUTAGE_ERRORS):
        return True
    # A connection SQLAlchemy found lost (e.g. out of step, see consult.db), whatever the class.
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def is_outage(error: BaseException | None) -> bool:
    """Tell whether ``error`` is a passing database failure, or was raised from one or while
    handling one (e.g. a rate-limit storage wrapping it, a rollback refused after it)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if _is_outage_error(error):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _answer_outages_anywhere(app: Flask) -> None:
    """Make an outage that no error handler took (raised by a hook, or by an error handler
    itself) the 503 page with the input kept, and one while tearing down leave the answer be."""
    unhandled = app.handle_exception

    def handle_exception(error: Exception) -> Response:
        if not is_outage(error):
            return unhandled(error)
        try:
            response = app.make_response(answer_unavailable(error))
        except Exception as again:
            if not is_outage(again):
                raise
            # Even the 503 page reached for the database: the static page, still a 503.
            app.logger.warning("database unavailable again (%s)", type(again).__name__)
            response = Response(FALLBACK_PAGE, status=503, mimetype="text/html")
            response.headers["Retry-After"] = str(RETRY_AFTER)
            response.headers["Cache-Control"] = "no-store"
        try:
            response = app.process_response(response)
            request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)
        except Exception as again:
            # The hook that failed may fail again on the 503 page itself: the page still goes.
            if not is_outage(again):
                app.logger.exception("finishing the 503 page failed")
            else:
                app.logger.warning("database unavailable again (%s)", type(again).__name__)
        return response

    app.handle_exception = handle_exception  # type: ignore[method-assign]

    for name in ("do_teardown_request", "do_teardown_appcontext"):
        teardown = getattr(app, name)

        def tolerant(*exc: BaseException | None, _teardown: Any = teardown) -> None:
            try:
                _teardown(*exc)
            except Exception as error:
                if not is_outage(error):
                    raise
                # The session holding the lost connection is dropped with it (consult.db).
                app.logger.warning(
                    "database unavailable (%s) while ending a request; its answer stands",
                    type(error).__name__,
                )

        setattr(app, name, tolerant)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    _answer_outages_anywhere(app)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        view = app.view_functions.get(request.endpoint or "")
        recovery = getattr(view, "csrf_recovery", None)
        if recovery is not None and (same_site_request() or _address_holds_a_secret()):
            try:
                return recovery()
            except HTTPException as refused:  # e.g. its page is gone: answered as the view would
                return app.handle_user_exception(refused)
        if may_resend_after_expiry():
            # Nothing typed is lost to an expired form: sent again by one press, same-site only.
            reply = app.make_response(resend_page(expired=True))
            reply.status_code = 400
            reply.headers["Cache-Control"] = "no-store"
            return reply
        return render_error(
            400, str(_l("This form expired. Go back, reload the page and send it again."))
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)
    def database_unavailable(error: Exception):
        return answer_unavailable(error)

    @app.errorhandler(InternalError)
    def database_out_of_step(error: InternalError):
        # A connection that fell out of step during a restart (consult.db marks it lost) passes
        # like an outage; any other internal error of the database is a real failure.
        if error.connection_invalidated:
            return answer_unavailable(error)
        raise error

    @app.errorhandler(NotShown)
    def not_shown(error: NotShown):
        # What it was is never said: the sentence and the ways on come from the feature.
        return answer_refusal(error.code or 410, str(error.description), ways=error.ways)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return answer_refusal(error.code or 500, refusal_message(error))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return answer_refusal(500, str(MESSAGES[500]))


def refusal_message(error: HTTPException) -> str:
    """The sentence a refused request is told: its code's, or an unknown private link's."""
    if isinstance(error, UnknownLink):
        return str(error.description)
    return str(MESSAGES.get(error.code or 500, error.description))


def answer_refusal(code: int, message: str, ways: list[WayOn] | None = None):
    """Answer a refused request; a form's input comes back with the reason and the way forward.

    ``ways`` are links offered besides the form's own page (e.g. where to go when what the
    address named is no longer shown, see core.gone).

    A 429 says how long its limit really has left (``rate_limit_wait``), in words, and sends
    Retry-After. A refused form of our own site is shown back (``resend_page``); a script is
    answered JSON with ``retry_after``; anything else gets the error page.
    """
    wait = rate_limit_wait() if code == 429 else None
    if wait is not None:
        message = str(TOO_MANY_WAIT % {"wait": wait_words(wait)})
    if wants_json():
        body: dict[str, Any] = {"error": code, "message": message}
        if wait is not None:
            body["retry_after"] = wait
        reply = current_app.make_response((jsonify(body), code))
    elif _keeps_typed_input():
        try:
            page = resend_page(refusal=message, can_resend=code in RETRYABLE, ways=ways)
        except Exception as error:
            # A 500 may leave nothing able to draw the page: the plain error page then.
            current_app.logger.error("refusal page failed (%s)", type(error).__name__)
            page = None
        if page is None:
            return render_error(code, message, ways)
        reply = current_app.make_response((page, code))
        reply.headers["Cache-Control"] = "no-store"
    else:
        return render_error(code, message, ways)
    if wait is not None:
        reply.headers["Retry-After"] = str(wait)
    return reply


def _keeps_typed_input() -> bool:
    """Tell whether this refused request is a form of ours whose input the page shows back."""
    try:
        return may_resend_after_expiry()
    except HTTPException:  # the body itself was refused (too large to read): nothing to show
        return False


def render_error(code: int, message: str, ways: list[WayOn] | None = None):
    """Answer an error in the format the client asked for (``ways``: links offered on it)."""
    if wants_json():
        return jsonify({"error": code, "message": message}), code
    try:
        return render_template("error.html", code=code, message=message, ways=ways or []), code
    except Exception as error:
        # The error page must never fail: a static page, with the headers (after_request).
        current_app.logger.error(
            "error page failed (%s); sent the static one", type(error).__name__
        )
        return Response(FALLBACK_PAGE, status=code, mimetype="text/html")


#: Posted fields never shown back as "what you typed" (they are not the person's words).
_NOT_TYPED = ("csrf_token", "start_token", "action", "goto", "started", "shown", "website")
#: A value a person did not type: an option's key (comment, civil_society, es) or a token.
_MACHINE_VALUE = re.compile(r"[a-z0-9_.:\-]{1,40}\Z")


def same_site_request() -> bool:
    """Tell whether the browser says this request comes from one of the app's own pages.

    Sec-Fetch-Site (sent by current browsers, whatever the referrer policy) decides; without
    it, an Origin equal to the app's own (the request's or CONSULT_BASE_URL's). Our pages send
    no Referer and so an Origin of "null": then only Sec-Fetch-Site can say it.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    own = {request.host_url.rstrip("/"), base_url_origin()}
    return origin.rstrip("/") in own


def _address_holds_a_secret() -> bool:
    """Tell whether the posted address holds a secret (a personal link's token): a forged
    cross-site post cannot know it, so its page may come back filled in for any browser."""
    return any(is_secret_variable(name) for name in (request.view_args or {}))


def may_resend_after_expiry() -> bool:
    """Tell whether a POST refused for its CSRF token may be shown back with a "Send again".

    Only a browser form of our own site (else a forged cross-site post would come back as a
    page whose one button sends it: a click away from doing what CSRF protection refuses),
    with something typed, and never a password (that is typed again, not written into a page).
    """
    if request.method != "POST" or wants_json() or not request.form:
        return False
    if any("password" in name.lower() for name in request.form):
        return False
    return same_site_request()


def posted_file_names() -> list[str]:
    """The names of the files this request posted (never their content): a page holding a
    form again says which to attach again, as a file cannot be carried over."""
    return [upload.filename for upload in request.files.values() if upload.filename]


def typed_texts() -> list[str]:
    """The texts a person typed into the posted form (never keys, tokens or buttons), to show
    back on a page that could not take them."""
    return [
        value
        for name, value in request.form.items(multi=True)
        if value.strip()
        and name not in _NOT_TYPED
        and not name.endswith("_token")
        and not _MACHINE_VALUE.match(value)
        and not is_token_shaped(value)
    ]


def resend_page(
    expired: bool = False,
    refusal: str | None = None,
    can_resend: bool = True,
    ways: list[WayOn] | None = None,
    without: tuple[str, ...] = (),
):
    """Return a page that holds every posted field and sends them again to the same address.

    For a form whose own page cannot be rebuilt (the database cannot even be read), for a
    form that expired (``expired``, its CSRF token too old or its session gone), and for a
    refused one (``refusal``, the reason; ``can_resend`` when the same form may pass later,
    else the page links back to the form's own page): nothing the person typed is lost, and
    one press sends it again, with a fresh CSRF token. Only this browser sees it (no-store),
    as it is what it just sent. A file cannot be carried over: the page says so. Fields named
    in ``without`` are not sent again (the button that brought the form here).
    """
    fields = [
        (name, value) for name, value in request.form.items(multi=True) if name not in without
    ]
    shown = typed_texts()
    action = request.full_path if request.query_string else request.path
    files = posted_file_names()
    return render_template(
        "core/resend.html",
        fields=fields,
        shown=shown,
        action=action,
        expired=expired,
        files=files,
        refusal=refusal,
        can_resend=can_resend,
        back=None if can_resend else _form_page(request.path),
        ways=ways or [],
    )


def _form_page(path: str) -> str | None:
    """Return ``path`` when it also answers GET (the form's own page), else None."""
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    except HTTPException:
        return None
    return path


def answer_unavailable(error: BaseException):
    """Answer a request whose database work failed for a passing reason, keeping the input."""
    from consult.db import db

    original = getattr(error, "orig", None)
    # The class name and kind only: the full message would carry SQL parameters (answers).
    current_app.logger.warning(
        "database unavailable (%s, %s) on %s; answered 503",
        failure_kind(error),
        type(original if original is not None else error).__name__,
        request.method,
    )
    db.recover()
    view = current_app.view_functions.get(request.endpoint or "")
    recovery = getattr(view, "unavailable_recovery", None)
    reply = None
    if recovery is not None:
        reply = _unless_outage(lambda: _response_or_none(recovery()))
    if reply is None and request.method == "POST" and request.form and not wants_json():
        reply = _unless_outage(lambda: current_app.make_response(resend_page()))
    if reply is None:
        message = MESSAGES[503] if request.method in ("GET", "HEAD") else NOT_SAVED
        reply = current_app.make_response(render_error(503, str(message)))
    reply.status_code = 503
    reply.headers["Retry-After"] = str(RETRY_AFTER)
    reply.headers["Cache-Control"] = "no-store"
    return reply


def _response_or_none(page: Any) -> Response | None:
    return current_app.make_response(page) if page is not None else None


def _unless_outage(make_page: Callable[[], Response | None]) -> Response | None:
    """Return the page ``make_page`` makes, or None when the database failed again meanwhile.

    Even reading may fail (the server is down). The pages shown next must then not reach for
    the database again: the person is shown them as a visitor (no staff account is loaded).
    """
    from consult.db import db
    from consult.extensions import login_manager

    try:
        return make_page()
    except Exception as error:
        if not is_outage(error):
            raise
        db.recover()
        g._login_user = login_manager.anonymous_user()
        return None
