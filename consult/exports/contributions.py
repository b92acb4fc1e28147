"""The contributions export: every published contribution, with a codebook, in constant memory.

Only contributions a moderator published (status "published") leave the database this way:
pending, rejected, hidden and withdrawn ones never do. The contributor's name and e-mail are
added only when asked for (an admin's choice, checked by the caller) and only for contributors
who consented to their being kept. Flask-free, like every writer: the command line, workspace
jobs and tests call it with a connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from consult.contributions.charter import Charter
from consult.contributions.models import (
    Contribution,
    ContributionReply,
    ContributorDetails,
    OfficialResponse,
)
from consult.contributions.vocabulary import KIND_NAMES, labelled, text_language_labels
from consult.core.vocabulary import organisation_type_labels
from consult.exports.codebook import CODEBOOK_HEADER, CodebookEntry, Column, Label
from consult.exports.columns import place_columns
from consult.exports.responses import iso_utc
from consult.exports.writers import Cell, Progress, Table, codebook_path, write_table

#: Contributions read per round trip.
CHUNK_SIZE = 2000


@dataclass(frozen=True)
class ContributionsExport:
    """What to export."""

    fmt: str
    #: Name and e-mail of contributors who consented; only ever set for an admin who asked.
    with_personal_data: bool = False


@dataclass(frozen=True)
class ContributionsSummary:
    """What an export wrote: one row per published contribution."""

    path: Path
    rows: int
    codebook_path: Path | None = None


def _label(en: str, fr: str, es: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "es": es}


def count_contributions(connection: Connection) -> int:
    """Return how many published contributions an export would hold."""
    return connection.execute(
        select(func.count(Contribution.id)).where(Contribution.status == "published")
    ).scalar_one()


def _in_languages(text: Mapping[str, str]) -> dict[str, str]:
    return {language: text.get(language, text.get("en", "")) for language in ("en", "fr", "es")}


def columns(
    charter: Charter, region_labels: Mapping[str, Label], *, with_personal_data: bool = False
) -> list[Column]:
    """Return the columns of the contributions export, with the codes each may hold."""
    articles = {
        article.key: {
            language: f"{article.roman}. {title}"
            for language, title in _in_languages(article.title).items()
        }
        for article in charter.articles
    }
    parts = {part.key: _in_languages(part.title) for part in charter.parts}
    result = [
        Column(
            "contribution_id",
            _label("Contribution number", "Numéro de la contribution", "Número de la contribución"),
            "integer",
            is_numeric=True,
        ),
        Column(
            "created_at",
            _label(
                "Sent at (ISO 8601, UTC)",
                "Envoyée le (ISO 8601, UTC)",
                "Enviada el (ISO 8601, UTC)",
            ),
            "datetime",
        ),
        Column(
            "published_at",
            _label(
                "Published at (ISO 8601, UTC)",
                "Publiée le (ISO 8601, UTC)",
                "Publicada el (ISO 8601, UTC)",
            ),
            "datetime",
        ),
        Column(
            "article",
            _label(
                "Article of the Charter (empty: the Charter as a whole)",
                "Article de la Charte (vide\u00a0: la Charte dans son ensemble)",
                "Artículo de la Carta (vacío: la Carta en su conjunto)",
            ),
            "key",
            values=articles,
        ),
        Column(
            "part",
            _label(
                "Part of the article (empty: the whole article)",
                "Partie de l'article (vide\u00a0: l'article entier)",
                "Parte del artículo (vacío: el artículo entero)",
            ),
            "key",
            values=parts,
        ),
        Column(
            "kind",
            _label("Kind of contribution", "Type de contribution", "Tipo de contribución"),
            "key",
            values=labelled(KIND_NAMES),
        ),
        Column(
            "language",
            _label(
                "Language the text is written in",
                "Langue dans laquelle le texte est écrit",
                "Idioma en que está escrito el texto",
            ),
            "key",
            values=text_language_labels(),
        ),
        *place_columns(region_labels),
        Column(
            "organisation_type",
            _label("Type of organisation", "Type d'organisation", "Tipo de organización"),
            "key",
            values=organisation_type_labels(),
        ),
        Column(
            "organisation_name",
            _label("Organisation name", "Nom de l'organisation", "Nombre de la organización"),
            "text",
        ),
        Column(
            "text",
            _label(
                "Text of the contribution (verbatim)",
                "Texte de la contribution (tel quel)",
                "Texto de la contribución (literal)",
            ),
            "text",
        ),
        Column(
            "supports",
            _label(
                "Supports (“I agree”)",
                "Soutiens («\u00a0Je suis d'accord\u00a0»)",
                "Apoyos («Estoy de acuerdo»)",
            ),
            "integer",
            is_numeric=True,
        ),
        Column(
            "replies",
            _label("Published replies", "Réponses publiées", "Respuestas publicadas"),
            "integer",
            is_numeric=True,
        ),
        Column(
            "official_responses",
            _label(
                "Official responses of CISDP (0 or 1)",
                "Réponses officielles de CISDP (0 ou 1)",
                "Respuestas oficiales de CISDP (0 o 1)",
            ),
            "integer",
            is_numeric=True,
        ),
    ]
    if with_personal_data:
        result += PERSONAL_COLUMNS
    return result


PERSONAL_COLUMNS = [
    Column(
        "contributor_name",
        _label(
            "Contributor: name (personal data, given with consent)",
            "Contributeur\u00a0: nom (données personnelles, données avec consentement)",
            "Contribuyente: nombre (datos personales, dados con consentimiento)",
        ),
        "text",
    ),
    Column(
        "contributor_email",
        _label(
            "Contributor: e-mail (personal data, given with consent)",
            "Contributeur\u00a0: courriel (données personnelles, données avec consentement)",
            "Contribuyente: correo electrónico (datos personales, dados con consentimiento)",
        ),
        "text",
    ),
    Column(
        "contributor_name_is_public",
        _label(
            "The contributor chose to show the name publicly (1) or not (0)",
            "Le contributeur a choisi d'afficher son nom publiquement (1) ou non (0)",
            "La persona contribuyente eligió mostrar su nombre públicamente (1) o no (0)",
        ),
        "integer",
        is_numeric=True,
    ),
]


def _rows(
    connection: Connection, request: ContributionsExport, chunk_size: int
) -> Iterator[list[Cell]]:
    """Yield one row per published contribution, oldest first, a chunk at a time."""
    query = (
        select(
            Contribution.id,
            Contribution.created_at,
            Contribution.published_at,
            Contribution.article,
            Contribution.part,
            Contribution.kind,
            Contribution.language,
            Contribution.country,
            Contribution.region,
            Contribution.organisation_type,
            Contribution.organisation_name,
            Contribution.text,
            Contribution.support_count,
        )
        .where(Contribution.status == "published")
        .order_by(Contribution.id)
    )
    last_id = 0
    while True:
        chunk = connection.execute(query.where(Contribution.id > last_id).limit(chunk_size)).all()
        if not chunk:
            return
        first, last_id = chunk[0][0], chunk[-1][0]
        in_chunk = Contribution.id.between(first, last_id)
        replies = dict(
            connection.execute(
                select(ContributionReply.contribution_id, func.count(ContributionReply.id))
                .where(
                    ContributionReply.contribution_id.between(first, last_id),
                    ContributionReply.status == "published",
                )
                .group_by(ContributionReply.contribution_id)
            ).all()
        )
        answered = set(
            connection.execute(
                select(OfficialResponse.contribution_id).where(
                    OfficialResponse.contribution_id.between(first, last_id)
                )
            ).scalars()
        )
        personal: dict[int, tuple[str, str, int]] = {}
        if request.with_personal_data:
            personal = {
                cid: (name or "", email or "", int(bool(is_public)))
                for cid, name, email, is_public in connection.execute(
                    select(
                        ContributorDetails.contribution_id,
                        ContributorDetails.name,
                        ContributorDetails.email,
                        ContributorDetails.is_name_public,
                    )
                    .join(Contribution, Contribution.id == ContributorDetails.contribution_id)
                    .where(in_chunk, ContributorDetails.consented_at.is_not(None))
                )
            }
        for (
            cid,
            created_at,
            published_at,
            article,
            part,
            kind,
            language,
            country,
            region,
            organisation_type,
            organisation_name,
            text,
            supports,
        ) in chunk:
            row: list[Cell] = [
                cid,
                iso_utc(created_at),
                iso_utc(published_at),
                article or "",
                part or "",
                kind,
                language,
                country or "",
                region or "",
                organisation_type,
                organisation_name or "",
                text,
                supports or 0,
                replies.get(cid, 0),
                1 if cid in answered else 0,
            ]
            if request.with_personal_data:
                row.extend(personal.get(cid, ("", "", "")))
            yield row


def export_contributions(
    connection: Connection,
    request: ContributionsExport,
    path: Path,
    *,
    charter: Charter,
    region_labels: Mapping[str, Label],
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    exported_at: datetime | None = None,
) -> ContributionsSummary:
    """Write every published contribution to ``path`` as asked, with its codebook."""
    layout = columns(charter, region_labels, with_personal_data=request.with_personal_data)
    codebook = []
    for column in layout:
        codebook.append(CodebookEntry(column.name, column.type, "", column.label).as_row())
        for code, label in column.values.items():
            codebook.append(CodebookEntry(column.name, column.type, code, label).as_row())
    table = Table(
        columns=[column.name for column in layout],
        rows=_rows(connection, request, chunk_size),
        codebook_header=CODEBOOK_HEADER,
        codebook=codebook,
        numeric=frozenset(i for i, column in enumerate(layout) if column.is_numeric),
        dates=frozenset(i for i, column in enumerate(layout) if column.type == "datetime"),
        # XLSX string cells are strings, never formulas: only CSV text gets the apostrophe.
        is_neutralised=request.fmt == "xlsx",
        facts={
            "kind": "contributions",
            "with_personal_data": request.with_personal_data,
            "exported_at": iso_utc(exported_at or datetime.now(UTC)),
            "note": (
                "Only contributions a moderator published; texts are verbatim. Keys are "
                "explained in the codebook in English, French and Spanish."
            ),
        },
        sheet_name="contributions",
    )
    written = write_table(request.fmt, table, path, progress)
    return ContributionsSummary(
        path=Path(path),
        rows=written,
        codebook_path=codebook_path(Path(path)) if request.fmt == "csv" else None,
    )
