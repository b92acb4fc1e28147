"""Flask extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager

from consult.core.csrf import CachingCSRFProtect
from consult.db import db
from consult.ratelimits.keys import client_address


class ConsultLimiter(Limiter):
    """Flask-Limiter, whose decorated views skip the limit check while limits are off.

    With RATELIMIT_ENABLED false, Flask-Limiter's decorator still resolves and evaluates the
    view's limits on every request (finding none apply): about 3 % of a page save's CPU. The
    answer is the same (nothing is limited, nothing counted); only the work is skipped.
    """

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if not (self.enabled and self.initialized):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)


csrf = CachingCSRFProtect()
babel = Babel()
login_manager = LoginManager()
#: A limit counts the client address unless it names its own key (consult/ratelimits/keys.py:
#: a person's own response or browser first); the storage is shared between hosts.
limiter = ConsultLimiter(key_func=client_address, default_limits=[])

__all__ = ["babel", "csrf", "db", "limiter", "login_manager"]
