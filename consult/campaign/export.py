"""The campaign export: one row per verified signatory, with its codebook, in CSV, XLSX or JSON.

Only verified pledges leave the database this way (drafts, pending, returned and rejected
pledges never do). The institutional contact (name, e-mail, phone) is added only when asked
for (``with_personal_data``, recorded in the audit log by the caller). Every figure of the
public campaign page, the outcomes snapshot and the deck slide can be recomputed from this
file: the rows are the very records (consult/campaign/movement.py) those figures come from.

Flask-free: labels come in as arguments, and the one spreadsheet writer
(consult/exports/writers.py) writes the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from consult.campaign import movement
from consult.campaign.figures import verified_pledges
from consult.campaign.models import OWN_COMMITMENT_KEY, Pledge
from consult.exports.codebook import CODEBOOK_HEADER, CodebookEntry, Label
from consult.exports.responses import iso_utc
from consult.exports.writers import Cell, Progress, Table, codebook_path, write_table

#: Prefixes of the per-commitment columns.
CHOSEN_PREFIX = "commitment."
STATUS_PREFIX = "progress_status."
TEXT_PREFIX = "progress_text."


@dataclass(frozen=True)
class CampaignLabels:
    """Key -> {language: label} for every coded column (built by the caller, in the app)."""

    levels: Mapping[str, Label]
    bands: Mapping[str, Label]
    regions: Mapping[str, Label]
    countries: Mapping[str, Label]
    progress: Mapping[str, Label]
    #: Commitment option key -> its label, in the staff's order.
    commitments: Mapping[str, Label]


@dataclass(frozen=True)
class CampaignSummary:
    """What an export wrote: one row per verified signatory."""

    path: Path
    rows: int
    codebook_path: Path | None = None


def _label(en: str, fr: str, es: str) -> dict[str, str]:
    return {"en": en, "fr": fr, "es": es}


#: The fixed columns: name, type, label, coded values (attribute of CampaignLabels) or None.
FIXED_COLUMNS: tuple[tuple[str, str, Label, str | None], ...] = (
    (
        "pledge_id",
        "integer",
        _label("Pledge id", "Identifiant de l'engagement", "Identificador de la adhesión"),
        None,
    ),
    ("institution_name", "text", _label("Institution", "Institution", "Institución"), None),
    (
        "level",
        "single_choice",
        _label("Level of government", "Niveau de gouvernement", "Nivel de gobierno"),
        "levels",
    ),
    (
        "country",
        "single_choice",
        _label("Country (ISO 3166-1)", "Pays (ISO 3166-1)", "País (ISO 3166-1)"),
        "countries",
    ),
    (
        "region",
        "single_choice",
        _label("UCLG region", "Région de CGLU", "Región de CGLU"),
        "regions",
    ),
    ("population_band", "single_choice", _label("Population", "Population", "Población"), "bands"),
    (
        "joined_on",
        "date",
        _label(
            "Joined on (verified)", "Date d'adhésion (vérifiée)", "Fecha de adhesión (verificada)"
        ),
        None,
    ),
    (
        "is_pioneer",
        "boolean",
        _label("Pioneer (1 = yes)", "Pionnière (1 = oui)", "Pionera (1 = sí)"),
        None,
    ),
    ("signatory_name", "text", _label("Signed by", "Signé par", "Firmado por"), None),
    (
        "signatory_office",
        "text",
        _label("Signatory's office", "Fonction du signataire", "Cargo del firmante"),
        None,
    ),
    (
        "own_commitment",
        "text",
        _label(
            "Commitment in its own words",
            "Engagement en ses propres termes",
            "Compromiso en sus propias palabras",
        ),
        None,
    ),
    (
        "progress_year",
        "integer",
        _label(
            "Year of the latest progress report",
            "Année du dernier rapport d'avancement",
            "Año del último informe de avance",
        ),
        None,
    ),
)
PERSONAL_COLUMNS: tuple[tuple[str, str, Label], ...] = (
    ("contact_name", "text", _label("Contact: name", "Contact\u00a0: nom", "Contacto: nombre")),
    (
        "contact_email",
        "text",
        _label("Contact: e-mail", "Contact\u00a0: courriel", "Contacto: correo electrónico"),
    ),
    (
        "contact_phone",
        "text",
        _label("Contact: phone", "Contact\u00a0: téléphone", "Contacto: teléfono"),
    ),
)


def column_names(commitment_keys: Sequence[str], with_personal_data: bool) -> list[str]:
    """Return the export's columns in order."""
    keys = [*commitment_keys, OWN_COMMITMENT_KEY]
    names = [name for name, *_rest in FIXED_COLUMNS]
    names += [CHOSEN_PREFIX + key for key in commitment_keys]
    names += [STATUS_PREFIX + key for key in keys] + [TEXT_PREFIX + key for key in keys]
    if with_personal_data:
        names += [name for name, *_rest in PERSONAL_COLUMNS]
    return names


def codebook(labels: CampaignLabels, with_personal_data: bool) -> list[list[str]]:
    """Return the codebook rows: each column, then each value a coded column may hold."""
    entries: list[CodebookEntry] = []
    for name, kind, label, values in FIXED_COLUMNS:
        entries.append(CodebookEntry(name, kind, "", label))
        for code, value_label in (getattr(labels, values) if values else {}).items():
            entries.append(CodebookEntry(name, kind, code, value_label))
    own = _label("In its own words", "En ses propres termes", "En sus propias palabras")
    for key, label in labels.commitments.items():
        entries.append(CodebookEntry(CHOSEN_PREFIX + key, "boolean", "", label))
    for key, label in [*labels.commitments.items(), (OWN_COMMITMENT_KEY, own)]:
        entries.append(CodebookEntry(STATUS_PREFIX + key, "single_choice", "", label))
        for code, value_label in labels.progress.items():
            entries.append(CodebookEntry(STATUS_PREFIX + key, "single_choice", code, value_label))
        entries.append(CodebookEntry(TEXT_PREFIX + key, "text", "", label))
    if with_personal_data:
        entries += [CodebookEntry(name, kind, "", label) for name, kind, label in PERSONAL_COLUMNS]
    return [entry.as_row() for entry in entries]


def _row(pledge: Pledge, keys: Sequence[str], with_personal_data: bool) -> list[Cell]:
    record = movement.signatory(pledge)
    every = [*keys, OWN_COMMITMENT_KEY]
    row: list[Cell] = [
        record.pledge_id,
        record.institution_name,
        record.level,
        record.country,
        record.region,
        record.population_band or "",
        record.joined_on.isoformat(),
        int(record.is_pioneer),
        record.signatory_name,
        record.signatory_office,
        record.own_commitment,
        record.progress_year if record.progress_year is not None else "",
    ]
    row += [int(key in record.commitments) for key in keys]
    row += [record.progress.get(key, ("", ""))[0] for key in every]
    row += [record.progress.get(key, ("", ""))[1] for key in every]
    if with_personal_data:
        row += [pledge.contact_name, pledge.contact_email, pledge.contact_phone]
    return row


def _rows(pledges: list[Pledge], keys: Sequence[str], personal: bool) -> Iterator[list[Cell]]:
    for pledge in pledges:
        yield _row(pledge, keys, personal)


def export_campaign(
    session: Session,
    fmt: str,
    path: Path,
    *,
    labels: CampaignLabels,
    with_personal_data: bool = False,
    progress: Progress | None = None,
    exported_at: datetime | None = None,
) -> CampaignSummary:
    """Write every verified signatory to ``path`` in ``fmt``, with its codebook."""
    keys = list(labels.commitments)
    names = column_names(keys, with_personal_data)
    numeric_names = {"pledge_id", "is_pioneer", "progress_year"} | {
        CHOSEN_PREFIX + key for key in keys
    }
    table = Table(
        columns=names,
        rows=_rows(verified_pledges(session), keys, with_personal_data),
        codebook_header=CODEBOOK_HEADER,
        codebook=codebook(labels, with_personal_data),
        numeric=frozenset(i for i, name in enumerate(names) if name in numeric_names),
        facts={
            "kind": "campaign",
            "with_personal_data": with_personal_data,
            "exported_at": iso_utc(exported_at or datetime.now(UTC)),
            "note": (
                "Only verified signatories of the campaign '10, 100, 1000 human rights cities "
                "and territories by 2030'; texts are verbatim. Every figure of the public "
                "campaign page can be recomputed from these rows."
            ),
        },
        sheet_name="signatories",
    )
    written = write_table(fmt, table, path, progress)
    return CampaignSummary(
        path=Path(path),
        rows=written,
        codebook_path=codebook_path(Path(path)) if fmt == "csv" else None,
    )


def labels_in_languages(
    options: Sequence, label_of: Mapping[str, object], languages: Sequence[str] = ("en", "fr", "es")
) -> CampaignLabels:
    """Return the labels of every coded column, given the commitment options and label sources.

    ``label_of`` maps "levels", "bands", "regions", "countries" and "progress" to a function of
    a language returning key -> label in that language.
    """

    def by_key(name: str) -> dict[str, dict[str, str]]:
        per_language = {language: label_of[name](language) for language in languages}
        keys = list(per_language[languages[0]])
        return {key: {lang: per_language[lang].get(key, key) for lang in languages} for key in keys}

    return CampaignLabels(
        levels=by_key("levels"),
        bands=by_key("bands"),
        regions=by_key("regions"),
        countries=by_key("countries"),
        progress=by_key("progress"),
        commitments={
            option.key: {lang: option.label(lang) for lang in languages} for option in options
        },
    )
