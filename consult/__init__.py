"""Consult: the consultation platform for the Global Charter-Agenda revision.

create_app() reads as the table of contents of the application.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType
from typing import Any

from flask import Flask
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response

from consult import config as settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConsultFlask(Flask):
    """Flask, telling a plain function from a coroutine function without inspect's round.

    Flask asks for every hook and view of every request (a dozen per page save, about 1 % of
    its CPU); a plain ``def`` is answered by its code flags, anything else by Flask.
    """

    def ensure_sync(self, func: Callable) -> Callable:
        """Return ``func`` as it is when it is a plain function, else ask Flask."""
        if (
            type(func) is FunctionType
            and not func.__code__.co_flags & CO_COROUTINE
            and "_is_coroutine_marker" not in func.__dict__
        ):
            return func
        return super().ensure_sync(func)

    def redirect(self, location: str, code: int = 302) -> Response:
        """Return a redirect with no body: every redirect of the app (flask.redirect).

        Werkzeug's writes an HTML page naming the target for clients that do not follow a
        Location header (none does since HTTP/1.0); building it escaped the location and
        made the page for each page save's 303, about 2 % of a save's CPU. A location with
        characters outside ASCII is quoted as werkzeug does.
        """
        if not location.isascii():
            location = iri_to_uri(location)
        return self.response_class(status=code, headers={"Location": location})


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the application."""
    app = ConsultFlask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or settings.instance_path_from_environment(),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    configure(app, test_config)
    register_extensions(app)
    register_questionnaires(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_proxy(app)
    register_maintenance(app)
    return app


#: The app's extension key of the maintenance sweep, which a long-running feature loop (the
#: mail sender) runs every hour without importing the application layer.
SWEEP = "consult.sweep"


def register_maintenance(app: Flask) -> None:
    """Hand the maintenance sweep to the loops that run it (see consult/maintenance/sweep.py)."""
    from consult.maintenance.sweep import sweep

    app.extensions[SWEEP] = sweep


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Load defaults, then instance/config.py, then CONSULT_* variables (or the test config)."""
    # Private: it holds the secret key, the SQLite database and the exports.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_object(settings.Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings.from_environment())
    else:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = settings.default_database_url(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_or_create_secret_key(app.instance_path)
    from consult.i18n import translation_directories

    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", translation_directories(Path(__file__).resolve().parent)
    )
    from consult.catalogs import compile_stale

    compile_stale(app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"))


def register_extensions(app: Flask) -> None:
    """Attach input cleaning, the database, CSRF, languages, login, rate limits, headers, assets."""
    from consult import i18n, security
    from consult.core import (  # noqa: F401 (limits: a flush hook)
        acknowledgements,
        assets,
        inputs,
        leaving,
        limits,
        links,
        requestlog,
    )
    from consult.extensions import babel, csrf, db, limiter, login_manager
    from consult.mail import init_app as init_mail

    inputs.init_app(app)
    links.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    leaving.init_app(app)  # after the CSRF check: a leave button is a form's button
    acknowledgements.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)

    # Rate limits count in the database by default (db://), shared by every worker and host.
    from consult.ratelimits import hooks as ratelimits

    ratelimits.before_limiter(app)
    limiter.init_app(app)
    ratelimits.after_limiter(app)
    security.init_app(app)
    requestlog.init_app(app)
    assets.init_app(app)
    init_mail(app)


def register_questionnaires(app: Flask) -> None:
    """Validate and load the questionnaires and the Charter (an invalid one stops the app)."""
    from consult.contributions import registry as charter_registry
    from consult.questionnaires import registry

    registry.load_into(app)
    charter_registry.load_into(app)


def register_blueprints(app: Flask) -> None:
    """Register the feature areas."""
    from consult.campaign.public_views import bp as campaign_public
    from consult.campaign.staff_views import bp as campaign_staff
    from consult.campaign.views import bp as campaign
    from consult.contributions.charter_views import bp as charter
    from consult.contributions.moderation import bp as moderation
    from consult.contributions.views import bp as contributions
    from consult.core.views import bp as core
    from consult.mail.routes import bp as mail
    from consult.outcomes.deck_views import bp as outcomes_deck
    from consult.outcomes.views import bp as outcomes
    from consult.outcomes.views import public as outcomes_public
    from consult.questionnaires.printing import bp as printing
    from consult.questionnaires.views import bp as questionnaires
    from consult.staff.invitation_views import public as invitations
    from consult.staff.views import bp as staff

    app.register_blueprint(core)
    app.register_blueprint(questionnaires)
    app.register_blueprint(printing)
    app.register_blueprint(staff)
    app.register_blueprint(charter)
    app.register_blueprint(contributions)
    app.register_blueprint(moderation)
    app.register_blueprint(invitations)
    app.register_blueprint(outcomes)
    app.register_blueprint(outcomes_deck)
    app.register_blueprint(outcomes_public)
    app.register_blueprint(mail)
    app.register_blueprint(campaign)
    app.register_blueprint(campaign_staff)
    app.register_blueprint(campaign_public)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors as HTML or JSON by the request's Accept header."""
    from consult.core import errors

    errors.init_app(app)


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* from as many reverse proxies as CONSULT_PROXY_FIX_HOPS says (0: none)."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )


def register_commands(app: Flask) -> None:
    """Register the `consult` command-line commands."""
    from consult import cli

    cli.init_app(app)
