"""How long a refused request must wait, in words: "45 minutes", "1 hour and 5 minutes".

A refusal says how long to wait from the limit's real reset (never "a moment" when it is an
hour), rounded up so that sending again after the time said is never refused again.
"""

from __future__ import annotations

import math
import time

from flask_babel import gettext as _
from flask_babel import ngettext


def wait_words(seconds: float) -> str:
    """Say ``seconds`` in words in the current language, rounded up to a whole unit."""
    seconds = max(1, math.ceil(seconds))
    # Under two minutes, seconds: "2 minutes" for a one-minute window's 61 s would mislead.
    if seconds < 120:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    hours, minutes = divmod(minutes, 60)
    said_hours = ngettext("%(num)d hour", "%(num)d hours", hours)
    if not minutes:
        return said_hours
    said_minutes = ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return _("%(hours)s and %(minutes)s", hours=said_hours, minutes=said_minutes)


def rate_limit_wait() -> int | None:
    """Return the seconds until the rate limit this request broke lets it through, if any."""
    from consult.extensions import limiter
    from consult.ratelimits.hooks import release_uncommitted_writes

    try:
        breached = [limit for limit in limiter.current_limits if limit.breached]
    except RuntimeError:  # outside a request, or a limiter not set up for this app
        return None
    if not breached:
        return None
    # Reading the limit's reset takes the storage's own connection: SQLite's write lock, held
    # by the refused request's unit of work, would make it wait (it keeps nothing anyway).
    release_uncommitted_writes()
    # Every broken limit must have reset before the request passes: the latest reset counts.
    reset_at = max(limit.reset_at for limit in breached)
    return max(1, math.ceil(reset_at - time.time()))
