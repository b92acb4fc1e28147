"""Languages: choosing the locale, remembering it, and translating definition texts."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, current_app, g, request, url_for
from flask_babel import (
    format_decimal,
    format_percent,
    get_locale,
    get_timezone,
)
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from consult.security import set_browser_cookie

LANG_COOKIE = "consult_lang"
LANG_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def select_locale() -> Locale:
    """Choose the language: ?lang= or a language button of the page's form first, then the
    language of the page a form was posted from (see posted_page_language), then the
    remembered cookie, then the page's own language (see prefer_page_language), then
    Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked not in languages:
        asked = switched_language()
    if asked in languages:
        g.new_language = asked
        return _locale(asked)
    posted = posted_page_language()
    if posted is not None:
        return _locale(posted)
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in languages:
        return _locale(remembered)
    page_language = g.get("page_language")
    if page_language is not None:
        language = _page_language_or_none(page_language)
        if language in languages:
            return _locale(language)
    header = request.headers.get("Accept-Language", "")
    return _locale(_best_language(header[:_ACCEPT_LANGUAGE_KEPT], tuple(languages)))


#: What a language button of a page's form sends (base.html): ``goto=lang:CODE``.
SWITCH_FIELD = "goto"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def switched_language() -> str | None:
    """Return the language a page form's language button asked for, if one was pressed.

    On a page with a form of typed input (``page_form`` in base.html), the language switcher
    is made of buttons of that form: without JavaScript, switching then sends what was typed,
    and the reply (the page saved, or shown again with the input kept) is in the language
    chosen. Views that cannot save a form before leaving show it again when this is set.
    """
    if request.method != "POST" or request.mimetype not in _FORM_TYPES:
        return None
    # The form as already read (the CSRF check reads every POST before the view): reading it
    # here would fail a second time on a body refused as too large, while its error page is
    # being rendered in the language chosen here.
    form = request.__dict__.get("form")
    if form is None:
        return None
    goto = form.get(SWITCH_FIELD, "")
    kind, _sep, code = goto.partition(":")
    if kind == "lang" and code in current_app.config["LANGUAGES"]:
        return code
    return None


#: The hidden field in which a form posts the language of its page (page_language_field).
PAGE_LANGUAGE_FIELD = "page_lang"


def posted_page_language() -> str | None:
    """Return the language of the page a form was posted from, if the form said it.

    A page redrawn or refused after a POST (its errors, "the contact details were changed in
    another browser") speaks the language of the page the person sent, not the one the
    response's stored language names now: a colleague may have switched it meanwhile.
    """
    if request.method != "POST" or request.mimetype not in _FORM_TYPES:
        return None
    form = request.__dict__.get("form")  # as the CSRF check read it (see switched_language)
    code = form.get(PAGE_LANGUAGE_FIELD) if form is not None else None
    return code if code in current_app.config["LANGUAGES"] else None


def page_language_field() -> Markup:
    """The hidden field a form carries so that the reply keeps its page's language."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        PAGE_LANGUAGE_FIELD, current_language()
    )


def explicit_language() -> str | None:
    """The language this request explicitly asks for (?lang= or a language button), if any."""
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"]:
        return asked
    return switched_language()


def chosen_language() -> str | None:
    """The language the visitor chose: asked now, or remembered by the browser; else None
    (a language only inferred from Accept-Language or the page is nobody's choice)."""
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered not in current_app.config["LANGUAGES"]:
        remembered = None
    return g.get("new_language") or explicit_language() or remembered


def keep_language(language: str) -> None:
    """Remember ``language`` in the browser again with this response (see init_app)."""
    g.new_language = language


def _page_language_or_none(language_of_page: Callable[[], str | None]) -> str | None:
    """Ask the page its language; a database that cannot answer just now means "no opinion".

    The answer is asked while any page renders, error pages included: the 503 page of a
    database outage must not fail on the very lookup that the outage prevents.
    """
    from consult.core.errors import is_outage

    try:
        return language_of_page()
    except Exception as error:
        if not is_outage(error):
            raise
        g.page_language = None
        return None


def prefer_page_language(language_of_page: Callable[[], str | None]) -> None:
    """Let the current request's page name its language, below the visitor's explicit choice.

    A personal link opens in the language its response was written in, even in a browser
    whose Accept-Language says otherwise; ``?lang=`` or the remembered choice still win. The
    callable is only asked when no explicit choice was made (it may read the database).
    """
    g.page_language = language_of_page


#: The start of an Accept-Language header read (browsers send well under 100 characters).
_ACCEPT_LANGUAGE_KEPT = 512


@functools.lru_cache(maxsize=256)
def _best_language(header: str, languages: tuple[str, ...]) -> str:
    # Browsers send the same few headers again and again: each is parsed and matched once.
    return parse_accept_header(header, LanguageAccept).best_match(languages) or languages[0]


@functools.cache
def _locale(code: str) -> Locale:
    # Flask-Babel would parse the code again on every request; a Locale is immutable.
    return Locale.parse(code)


def current_language() -> str:
    """Return the language of the current request as a plain code (en, fr, es)."""
    locale = get_locale()
    return _code(locale) if locale is not None else "en"


@functools.cache
def _code(locale: Locale) -> str:
    # Babel writes a Locale's identifier anew at each str(); a page save asks twice.
    return str(locale)


def translate_text(text: Mapping[str, str] | None, language: str | None = None) -> str:
    """Pick a definition text (a mapping of en/fr/es) in the current language."""
    if not text:
        return ""
    language = language or current_language()
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def language_url(language: str) -> str:
    """Return the current page's address in another language (GET, so it needs no form).

    A page shown in answer to a POST (a form with its errors) links to the same address by
    GET when it has one, not to the landing page.
    """
    rule = request.url_rule
    if (
        request.endpoint is None
        or rule is None
        or "GET" not in (rule.methods or ())
        or request.routing_exception
    ):
        return url_for("core.landing", lang=language)
    # The page's own path and query, not url_for: a query argument named like one of url_for's
    # keywords or a URL variable (?endpoint=, ?_external=, ?token=) must not change the link.
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    path = quote(request.script_root + request.path, safe="/:@!$&'()*+,;=-._~")
    return path + "?" + urlencode([*args, ("lang", language)])


def format_day(day: date | str, width: str = "long", language: str | None = None) -> str:
    """Write a calendar day for people: the language's CLDR date of ``width`` ("long": "30 June
    2027", "30 juin 2027", "30 de junio de 2027"; "medium" for table columns; or a CLDR
    pattern such as "d MMM" for a chart's axis). For days that are truly days (a pledge's
    joining day): a moment goes through format_moment, with its time and zone. UCLG writes
    English dates the British way; French writes the first of a month "1er" in running text.
    """
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    language = language or current_language()
    locale = "en_GB" if language == "en" else language
    text = babel_dates.format_date(day, width, locale=locale)
    if language == "fr" and width == "long" and day.day == 1 and text.startswith("1 "):
        return "1er " + text[2:]
    return text


def format_month(day: date, language: str | None = None) -> str:
    """Write the month of ``day`` with its year ("February 2022", "février 2022")."""
    language = language or current_language()
    locale = "en_GB" if language == "en" else language
    return babel_dates.format_skeleton("yMMMM", day, locale=locale)


def format_moment(
    moment: datetime | str, time: bool = True, seconds: bool = False, zone: Any = None
) -> str:
    """Write a moment for people: the language's long CLDR date, a 24-hour time and the zone.

    "30 June 2027, 23:59 UTC", "30 juin 2027, 23:59 UTC", "30 de junio de 2027, 23:59 UTC";
    with ``time=False`` the date alone, with ``seconds`` the seconds too. Every date and time a
    person reads goes through here or format_day (the ``moment`` template filter, and
    ``format_datetime`` and ``format_date`` in templates: see template_moment, template_day),
    in the page's language and the configured display time zone (BABEL_DEFAULT_TIMEZONE) or
    ``zone`` (a deck's own), which is always named; flash messages and e-mails call it while
    the request is answered or under force_locale. A naive moment or an ISO text without
    offset is UTC, as every stored time is. UCLG writes English dates the British way.
    """
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(zone or get_timezone())
    day = format_day(local.date())
    if not time:
        return day
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{day}, {clock} {local.tzname()}"


def template_moment(moment: datetime | str, _format: Any = None) -> str:
    """``format_datetime`` as templates call it: format_moment, whatever CLDR format name an
    older template passes, so that no template writes a time in another form or zone."""
    return format_moment(moment)


def template_day(value: date | datetime | str, width: str = "long") -> str:
    """``format_date`` as templates call it: a day through format_day (British English, no US
    "December 4, 2026"); a moment (a datetime) through format_moment, with its time and zone,
    since the day alone of a moment depends on the zone it is read in."""
    if isinstance(value, datetime):
        return format_moment(value)
    return format_day(value, width)


def translation_directories(root: Path) -> str:
    """Find every feature's translations folder, for Flask-Babel (separated by ';')."""
    folders = sorted(str(p) for p in root.rglob("translations") if p.is_dir())
    return ";".join(folders)


def init_app(app: Flask) -> None:
    """Remember a language chosen with ?lang= and expose translation helpers to templates."""

    app.add_template_filter(format_moment, "moment")

    @app.after_request
    def remember_language(response):
        # Also when nothing on the way out asked for the locale (a redirect, a file): a
        # language picked on a link that leads elsewhere, such as a workspace page sending a
        # signed-out visitor to the sign-in page, is remembered all the same.
        chosen = g.get("new_language") or explicit_language()
        if chosen:
            set_browser_cookie(response, LANG_COOKIE, chosen, LANG_COOKIE_AGE)
        return response

    @app.context_processor
    def language_helpers():
        return {
            "t": translate_text,
            "current_language": current_language,
            "language_names": LANGUAGE_NAMES,
            "language_url": language_url,
            "format_datetime": template_moment,
            "format_moment": format_moment,
            "format_date": template_day,
            "format_day": format_day,
            "format_decimal": format_decimal,
            "format_percent": format_percent,
            "page_language_field": page_language_field,
        }
