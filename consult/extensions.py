"""Flask extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager

from consult.core.csrf import CachingCSRFProtect
from consult.db import db

csrf = CachingCSRFProtect()
babel = Babel()
login_manager = LoginManager()
#: Limits are per client address; the storage is shared between hosts when configured so.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["babel", "csrf", "db", "limiter", "login_manager"]
