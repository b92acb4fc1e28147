"""Every interface message exists in French and Spanish, and the pages show them."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import yaml
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from consult.i18n_tools import CATALOGS, LANGUAGES, ROOT
from tests.questionnaires.test_respond import fill_required

CATALOG_FILES = sorted(
    path
    for path in (ROOT / "consult").rglob("translations/*/LC_MESSAGES/messages.po")
    if path.parts[-3] in LANGUAGES
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated_and_none_is_fuzzy(path: Path):
    catalog = _read(path)
    untranslated = [m.id for m in catalog if m.id and not all(_strings(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"{path}: untranslated messages"
    assert fuzzy == [], f"{path}: fuzzy messages"


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_translations_keep_every_placeholder(path: Path):
    catalog = _read(path)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in _strings(message):
            assert set(PLACEHOLDER.findall(text)) <= wanted, (path, message.id, text)
            # A plural form may leave out the number; a singular message may not drop a value.
            if not isinstance(message.id, tuple):
                assert set(PLACEHOLDER.findall(text)) == wanted, (path, message.id, text)


@pytest.mark.parametrize("folder", sorted(CATALOGS))
def test_catalogs_hold_every_message_of_their_sources(folder: str):
    """A message added to a template or view and not yet extracted would show in English."""
    sources = [str(ROOT / s) for s in CATALOGS[folder] if (ROOT / s).exists()]
    with tempfile.TemporaryDirectory() as scratch:
        pot = Path(scratch) / "messages.pot"
        CommandLineInterface().run(
            ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l"]
            + ["-k", "lazy_pgettext:1c,2"]
            + ["--no-location", "-o", str(pot), *sources]
        )
        extracted = {(m.context, m.id) for m in _read(pot) if m.id}
    for language in LANGUAGES:
        catalog = _read(ROOT / folder / language / "LC_MESSAGES" / "messages.po")
        known = {(m.context, m.id) for m in catalog if m.id}
        assert extracted - known == set(), (
            f"run `python -m consult.i18n_tools extract` ({language})"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_message_means_one_thing_across_catalogs(language: str):
    """Flask-Babel merges every feature's catalog into one, the last loaded winning a shared
    message: the same English text translated two ways would show one catalog's translation on
    another's page (a contribution "En attente" became "Ouvrir", a recipient "Hasta"). A text
    that means two things carries a context (pgettext); one that means one thing reads the
    same in every catalog."""
    seen: dict[tuple, dict[str, tuple[str, ...]]] = {}
    for path in CATALOG_FILES:
        if path.parts[-3] != language:
            continue
        for message in _read(path):
            if message.id:
                key = (message.context, message.id)
                seen.setdefault(key, {})[str(path.relative_to(ROOT))] = _strings(message)
    disagreeing = {key: texts for key, texts in seen.items() if len(set(texts.values())) > 1}
    assert disagreeing == {}


#: One term per concept in each language: (language, a wording that must not appear, the house
#: term it stands for). The committee's unit reads "la CISDP de CGLU" (an acronym in brackets
#: after the committee's full name is allowed); the partners questionnaire addresses "entidades
#: aliadas", so a partner is never also a "socio" on another page.
GLOSSARY = [
    ("fr", re.compile(r"(?<!\()CGLU CISDP(?!\))"), "la CISDP de CGLU"),
    ("es", re.compile(r"(?<!\()CGLU CISDP(?!\))"), "la CISDP de CGLU"),
    ("es", re.compile(r"\bsocios?\b", re.IGNORECASE), "entidad(es) aliada(s)"),
    # The local governments' questionnaire is named as its own title names it.
    (
        "fr",
        re.compile(r"questionnaire des gouvernements locaux", re.IGNORECASE),
        "questionnaire des collectivités locales",
    ),
    # A button says what it does in the infinitive, as its neighbours do.
    ("fr", re.compile(r"^Envoyez-moi"), "M'envoyer"),
    ("es", re.compile(r"^Envíenme"), "Enviarme"),
]
#: Questions whose "partners" are the movement's allies in general, not the respondent type.
GLOSSARY_EXCEPTIONS = {"¿Con qué socios debería colaborar más estrechamente el movimiento?"}


def _language_values(node, language: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == language and isinstance(value, str):
                yield value
            else:
                yield from _language_values(value, language)
    elif isinstance(node, list):
        for value in node:
            yield from _language_values(value, language)


def _texts_in(language: str):
    """Yield every French or Spanish text a person can read: catalogs and questionnaire files."""
    for path in CATALOG_FILES:
        if path.parts[-3] == language:
            for message in _read(path):
                if message.id:
                    yield from ((str(path.relative_to(ROOT)), text) for text in _strings(message))
    for path in sorted((ROOT / "questionnaires").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for text in _language_values(data, language):
            yield str(path.relative_to(ROOT)), text


@pytest.mark.parametrize(("language", "wording", "term"), GLOSSARY, ids=lambda v: str(v)[:20])
def test_each_concept_has_one_term(language: str, wording: re.Pattern, term: str):
    """A reader meeting two names for one thing takes them for two things."""
    found = [
        (where, text)
        for where, text in _texts_in(language)
        if wording.search(" ".join(text.split()))
        and not any(exception in text for exception in GLOSSARY_EXCEPTIONS)
    ]
    assert found == [], f"use {term!r}"


@pytest.mark.parametrize(
    ("language", "context", "text", "expected"),
    [
        ("fr", "report state", "Open", "En attente"),
        ("fr", None, "Open", "Ouvrir"),
        ("es", None, "To", "Destinatario"),
        ("es", "date range", "To", "Hasta"),
        ("fr", None, "Filter", "Filtre"),
        ("fr", "button", "Filter", "Filtrer"),
        ("fr", "contribution status", "Not published", "Non publiée"),
        ("fr", None, "Not published", "Non publié"),
    ],
)
def test_the_merged_catalog_gives_each_meaning_its_own_words(
    app, language, context, text, expected
):
    """The catalog the pages read (every feature's, merged) keeps both meanings of a text."""
    from flask_babel import gettext, pgettext

    with app.test_request_context(f"/?lang={language}"):
        assert (pgettext(context, text) if context else gettext(text)) == expected


#: Phrases each page shows in French and Spanish; the English one must not appear.
LANDING = {
    "fr": ["Comment participer", "Répondre au questionnaire", "Comment ça marche"],
    "es": ["Cómo participar", "Responder al cuestionario", "Cómo funciona"],
    "en": ["How to take part", "Answer the questionnaire", "How it works"],
}
INTRO = {
    "fr": ["Date limite", "Ce que nous demandons", "Commencer"],
    "es": ["Fecha límite", "Qué preguntamos", "Empezar"],
    "en": ["Deadline", "What we ask", "Start"],
}
PAGE = {
    "fr": [
        "Page 1 sur 8 au plus",
        "Enregistrer et continuer",
        "Votre lien personnel",
        "Choisissez un pays",
    ],
    "es": [
        "Página 1 de 8 como máximo",
        "Guardar y continuar",
        "Su enlace personal",
        "Elija un país",
    ],
    "en": ["Page 1 of up to 8", "Save and continue", "Your personal link", "Choose a country"],
}
REVIEW = {
    "fr": ["Vérifiez vos réponses", "Vos coordonnées (facultatif)", "Envoyer ma réponse"],
    "es": ["Revise sus respuestas", "Sus datos de contacto (opcional)", "Enviar mi respuesta"],
    "en": ["Review your answers", "Your contact details (optional)", "Submit my response"],
}
RECEIPT = {
    "fr": ["Numéro d'accusé de réception", "Et ensuite", "Voir ou modifier mes réponses"],
    "es": ["Número de acuse de recibo", "Próximos pasos", "Ver o cambiar mis respuestas"],
    "en": ["Receipt number", "What happens next", "See or change my answers"],
}


def _assert_translated(html: str, phrases: dict[str, list[str]], language: str) -> None:
    html = html.replace("&#39;", "'")
    assert f'<html lang="{language}">' in html
    for phrase in phrases[language]:
        assert phrase in html, phrase
    for phrase in phrases["en"]:
        assert phrase not in html, phrase


@pytest.mark.parametrize("language", ["fr", "es"])
def test_respondent_pages_are_shown_in_the_chosen_language(app, respondent, language):
    client = respondent.client
    _assert_translated(client.get(f"/?lang={language}").get_data(as_text=True), LANDING, language)
    intro = client.get(f"/questionnaires/local-governments?lang={language}")
    _assert_translated(intro.get_data(as_text=True), INTRO, language)
    respondent.start()
    page = client.get(f"/r/{respondent.token}/s/profile?lang={language}")
    _assert_translated(page.get_data(as_text=True), PAGE, language)
    fill_required(respondent)
    review = client.get(f"/r/{respondent.token}/review?lang={language}")
    _assert_translated(review.get_data(as_text=True), REVIEW, language)
    respondent.submit()
    receipt = client.get(f"/r/{respondent.token}/receipt?lang={language}")
    _assert_translated(receipt.get_data(as_text=True), RECEIPT, language)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Cette question demande une réponse."),
        ("es", "Esta pregunta necesita una respuesta."),
    ],
)
def test_validation_messages_are_translated(respondent, language, message):
    respondent.start()
    respondent.client.get(f"/?lang={language}")  # remembered from now on
    reply = respondent.save("profile", {"q.institution_name": "Grigny"})
    assert reply.status_code == 422
    assert message in reply.get_data(as_text=True).replace("&#39;", "'")


@pytest.mark.parametrize(("language", "initials"), [("en", "UCLG"), ("fr", "CGLU"), ("es", "CGLU")])
def test_the_brand_mark_uses_the_initials_of_the_page_language(client, language, initials):
    """The text of a French page says CGLU: its header's mark did not (it said UCLG)."""
    html = client.get(f"/?lang={language}").get_data(as_text=True)
    assert f'<span class="brand-mark" aria-hidden="true">{initials}</span>' in html
