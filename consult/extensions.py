"""Flask extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager

from consult.core.csrf import CachingCSRFProtect
from consult.db import db
from consult.ratelimits.keys import client_address

csrf = CachingCSRFProtect()
babel = Babel()
login_manager = LoginManager()
#: A limit counts the client address unless it names its own key (consult/ratelimits/keys.py:
#: a person's own response or browser first); the storage is shared between hosts.
limiter = Limiter(key_func=client_address, default_limits=[])

__all__ = ["babel", "csrf", "db", "limiter", "login_manager"]
