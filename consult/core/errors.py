"""Error pages: HTML for people, JSON for scripts; a CSRF failure may re-show the page instead."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You are not allowed to see this page."),
    404: _l("This page does not exist."),
    405: _l("This page cannot be used that way."),
    413: _l("What you sent is too large. Shorten the longest text and try again."),
    429: _l("Too many requests from your connection. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Your earlier saved answers are safe."),
    503: _l("The service is busy. Please try again in a moment."),
}


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


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        view = app.view_functions.get(request.endpoint or "")
        recovery = getattr(view, "csrf_recovery", None)
        if recovery is not None:
            return recovery()
        return render_error(
            400, str(_l("This form expired. Go back, reload the page and send it again."))
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        return render_error(code, str(MESSAGES.get(code, error.description)))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return render_error(500, str(MESSAGES[500]))


def render_error(code: int, message: str):
    """Answer an error in the format the client asked for."""
    if wants_json():
        return jsonify({"error": code, "message": message}), code
    return render_template("error.html", code=code, message=message), code
