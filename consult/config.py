"""Configuration: defaults, then instance/config.py, then CONSULT_* environment variables."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

ENV_PREFIX = "CONSULT_"


class Defaults:
    """Settings every deployment starts from; none of them is a secret."""

    #: SQLite file in the instance folder unless CONSULT_DATABASE_URL says otherwise.
    DATABASE_URL: str | None = None
    #: True when PostgreSQL is reached through PgBouncer in transaction mode (no server-side
    #: prepared statements then; see README, "Deploying on several hosts").
    DATABASE_TRANSACTION_POOLING = False
    #: Where files the app keeps (workspace exports) live: "instance" (this host's instance
    #: folder), "database" (shared by every host), or "auto": the database on PostgreSQL.
    FILE_STORAGE = "auto"
    #: Seconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = 10
    #: Languages of the interface and the questionnaires.
    LANGUAGES = ("en", "fr", "es")
    BABEL_DEFAULT_LOCALE = "en"
    #: The time zone every date and time a person reads is written in, and named
    #: (consult.i18n.format_moment); CONSULT_BABEL_DEFAULT_TIMEZONE sets it (IANA name).
    BABEL_DEFAULT_TIMEZONE = "UTC"
    #: A form left open for hours must still save: no wall-clock limit on CSRF tokens.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 30
    #: Requests larger than this are refused before they are parsed (a clear message is shown).
    #: Below it, over-long answers are parsed and refused field by field, keeping the others.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 16 * 1024 * 1024
    #: Fields a posted form may hold (url-encoded or multipart): more is refused with 413.
    MAX_FORM_PARTS = 1000
    #: Characters of one submitted value that reach the app, whatever the form (each form has
    #: its own smaller limit and says "too long"); the rest is cut. See consult/core/inputs.py.
    MAX_FIELD_CHARACTERS = 100_000
    #: The address the public reaches the app at (https://consult.example.org): personal links
    #: are built from it, never from the Host header. See consult/core/links.py.
    BASE_URL: str | None = None
    #: Where the questionnaire definitions live; relative paths are taken from the project root.
    QUESTIONNAIRES_PATH = str(Path(__file__).resolve().parent.parent / "questionnaires")
    #: Rate-limit storage: "db://" counts in the app's database, so limits hold across workers,
    #: restarts and hosts sharing the database; "redis://host:6379/0" works too (pip install
    #: redis). Never "memory://" in production: it counts per worker and forgets on restart.
    RATELIMIT_STORAGE_URI = "db://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Responses started per client address (nothing is owned before Start): a working session
    #: of fifty cities behind one venue's Wi-Fi may all press Start within the same minute.
    QUESTIONNAIRE_START_RATE_LIMIT = "60 per minute;600 per hour"
    #: Page saves, autosaves and submissions of one response (its personal link): autosave
    #: sends at most one every 1.5 s while someone types (40 a minute), two tabs twice that.
    QUESTIONNAIRE_RESPONSE_SAVE_RATE_LIMIT = "120 per minute"
    #: The same per client address, all responses together: a ceiling against floods, high
    #: enough for a venue where sixty people type at once behind one Wi-Fi.
    QUESTIONNAIRE_SAVE_RATE_LIMIT = "2400 per minute"
    #: Drafts with no answer at all are deleted after this many days without a change
    #: (`consult questionnaires purge-drafts`, run by `consult serve` at each start; add it to
    #: cron for a server that runs for weeks).
    EMPTY_DRAFT_DAYS = 7
    #: A staff form kept after its session ended (consult/staff/kept_forms.py) waits this many
    #: hours for its account's next sign-in; then the maintenance sweep deletes it.
    STAFF_KEPT_FORM_HOURS = 24
    #: How many reverse proxies stand in front of the app and set X-Forwarded-For/-Proto/-Host:
    #: 0 trusts none (the app faces clients directly); 1 behind one nginx. Never more than there
    #: are, or clients could forge their address (and escape rate limits).
    PROXY_FIX_HOPS = 0
    #: Contributions are hidden after this many distinct reports until a moderator decides.
    REPORT_HIDE_THRESHOLD = 3
    #: Cells with fewer respondents than this are suppressed in anything public.
    SMALL_CELL_THRESHOLD = 5
    #: A public table of a group smaller than this is withheld when all of the group, or all
    #: but fewer than SMALL_CELL_THRESHOLD, gave one answer (group disclosure: a small group's
    #: "6 of 6" tells each member's answer). None: twice SMALL_CELL_THRESHOLD, the smallest
    #: group that can hold two answers of the threshold each; below it no table of answers is
    #: ever printed, so withholding one says nothing (consult.outcomes.group_disclosure). Set
    #: it higher to protect larger groups; a larger group that agrees is then not shown either.
    GROUP_DISCLOSURE_LIMIT: int | None = None
    #: False (production): when responses changed since the staff summary page's figures were
    #: made, the page shows them at once, labelled with the moment they are as of, while one
    #: refresh brings them up to date (consult.outcomes.page_refresh). True: every view waits
    #: for figures of the current data (the test configuration, whose tests expect them).
    OUTCOMES_PAGE_WAITS = False
    #: True: each worker `consult serve` starts builds its live outcomes state in the
    #: background at once (consult.outcomes.page_refresh.warm_live_state), so that the first
    #: staff refresh after a deploy only catches up. Off by default: at 100,000 responses the
    #: state takes about 27 s of CPU per worker start (and 80 MiB; a worker holding it stays
    #: near 340 MiB, under the workers' memory bound, --max-worker-memory, 512 MiB).
    OUTCOMES_WARM_LIVE = False
    #: Staff sessions end after this many seconds without activity.
    STAFF_INACTIVITY_TIMEOUT = 30 * 60
    #: A password someone other than its owner set or saw (the first admin's, an admin's
    #: choice or reset) opens only the page that replaces it, and for this many hours.
    STAFF_ONE_TIME_PASSWORD_HOURS = 72
    #: Failed sign-ins allowed per (account, client address) and per address within the window
    #: (seconds) before waits start; each further failure doubles the wait, from
    #: LOGIN_FIRST_DELAY up to LOGIN_MAX_DELAY seconds. Other addresses are never held up.
    LOGIN_FAILURES_PER_ACCOUNT = 5
    LOGIN_FAILURES_PER_ADDRESS = 20
    LOGIN_THROTTLE_WINDOW = 15 * 60
    LOGIN_FIRST_DELAY = 2
    LOGIN_MAX_DELAY = 15 * 60
    #: E-mail address of the first admin `consult init` creates (CONSULT_ADMIN_EMAIL); without
    #: it, `consult init` asks in a terminal and otherwise creates no account.
    ADMIN_EMAIL: str | None = None
    #: The test configuration turns this off; production never sends anything by itself.
    TESTING = False


def _coerce(raw: str) -> Any:
    """Read an environment value: JSON scalars (numbers, true/false/null) or a plain string."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, int | float | bool) or value is None else raw


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Collect CONSULT_* variables as configuration keys without the prefix."""
    environ = os.environ if environ is None else environ
    return {
        name.removeprefix(ENV_PREFIX): _coerce(value)
        for name, value in environ.items()
        if name.startswith(ENV_PREFIX) and name != ENV_PREFIX + "INSTANCE_PATH"
    }


def instance_path_from_environment() -> str | None:
    """Return the instance folder named by CONSULT_INSTANCE_PATH, if any."""
    return os.environ.get(ENV_PREFIX + "INSTANCE_PATH") or None


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it once if there is none.

    Several workers may start at once: the key is written whole to a private temporary file and
    then linked into place, which fails if another worker got there first; the loser reads the
    winner's key. No worker ever sees a half-written key.
    """
    path = Path(instance_path) / "secret_key"
    key = _read_key(path)
    if key:
        return key
    fd, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=instance_path)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # If another process won the race, its key stays and is read below.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    key = _read_key(path)
    if not key:
        raise RuntimeError(f"{path} is empty; delete it or set CONSULT_SECRET_KEY")
    return key


def _read_key(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def default_database_url(instance_path: str) -> str:
    """Return the embedded default: a SQLite file in the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "consult.sqlite3")
