"""Invitations: import a CSV of local governments, personal links, mail-merge export, coverage.

An invitation link is ``/i/<nonce>.<signature>``: the nonce is stored, the signature is an HMAC
of it under the app's secret key. So the links can be exported again at any time, yet a copy of
the database alone opens no invitation. The link only starts the institution's response: the
response gets a random personal link of its own, given to the browser that started it, so
whoever holds the invitation links cannot read or change the answers (see invitation_views).
Changing the secret key invalidates every invitation link (export them again afterwards).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.core.emails import is_email
from consult.core.typed_text import clean_line, clean_text
from consult.db import utcnow
from consult.exports.writers import csv_text
from consult.geography import REGION_KEYS, country_codes, country_names
from consult.questionnaires.answers import Answers
from consult.questionnaires.definition import Questionnaire
from consult.questionnaires.models import Response
from consult.staff.models import Invitation, User

#: The questionnaire invitations lead to.
INVITATION_QUESTIONNAIRE = "local-governments"
#: The question of the institution's name, pre-filled from the invitation when it exists.
NAME_QUESTION = "institution_name"
MAX_ROWS = 5000
MAX_NAME = 200
LANGUAGES = ("en", "fr", "es")

#: Accepted header names (lower-case, accents removed) -> field.
HEADERS = {
    "name": "name",
    "institution": "name",
    "institution_name": "name",
    "local_government": "name",
    "nom": "name",
    "nombre": "name",
    "country": "country",
    "pays": "country",
    "pais": "country",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "correo": "email",
    "region": "region",
    "language": "language",
    "langue": "language",
    "idioma": "language",
}


def _fold(text: str) -> str:
    """Lower-case without accents, for matching names typed in any of the three languages."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class RowError:
    """A problem with one row (line numbers count the header as line 1)."""

    line: int
    column: str
    code: str
    value: str = ""


@dataclass
class ParsedInvitation:
    """A valid row, ready to become an invitation."""

    line: int
    name: str
    country: str
    email: str | None
    region: str | None
    language: str | None


@dataclass
class ImportResult:
    """The rows of a file, valid ones and errors; nothing is imported while there are errors."""

    rows: list[ParsedInvitation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _country_lookup() -> dict[str, str]:
    lookup = {code.casefold(): code for code in country_codes()}
    for language in LANGUAGES:
        for code, name in country_names(language).items():
            lookup.setdefault(_fold(name), code)
    return lookup


def _region_lookup(region_labels: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    lookup = {key: key for key in REGION_KEYS}
    for key, labels in region_labels.items():
        for label in labels.values():
            lookup.setdefault(_fold(label), key)
    return lookup


def parse_csv(
    data: bytes,
    region_labels: Mapping[str, Mapping[str, str]],
    existing: Iterable[tuple[str, str]] = (),
) -> ImportResult:
    """Read and check every row of an uploaded file (UTF-8, with or without BOM; ';' or ',').

    ``existing`` holds (folded name, country) of the institutions already invited.
    """
    result = ImportResult()
    try:
        # The same cleaning as every submitted form: no control characters, NFC.
        text = clean_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        result.errors.append(RowError(0, "", "encoding"))
        return result
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        result.errors.append(RowError(1, "", "empty"))
        return result
    header_line = lines[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    fields = [HEADERS.get(_fold(name).replace(" ", "_")) for name in header]
    for name, known in zip(header, fields, strict=True):
        if known is None and name.strip():
            result.errors.append(RowError(1, name, "unknown_column", name))
    for needed in ("name", "country"):
        if needed not in fields:
            result.errors.append(RowError(1, needed, "missing_column"))
    if result.errors:
        return result
    countries = _country_lookup()
    region_by_name = _region_lookup(region_labels)
    seen = set(existing)
    count = 0
    for number, raw in enumerate(reader, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        count += 1
        if count > MAX_ROWS:
            result.errors.append(RowError(number, "", "too_many_rows", str(MAX_ROWS)))
            break
        if len(raw) > len(fields):
            result.errors.append(RowError(number, "", "extra_cells"))
            continue
        values = {f: "" for f in HEADERS.values()}
        for known, cell in zip(fields, raw, strict=False):
            if known:
                # One line: a quoted cell may hold line breaks, which would split the
                # invitation's greeting, the coverage table and the links file.
                values[known] = clean_line(cell)
        problems = []
        name = values["name"]
        if not name:
            problems.append(RowError(number, "name", "required"))
        elif len(name) > MAX_NAME:
            problems.append(RowError(number, "name", "too_long", str(MAX_NAME)))
        country = countries.get(_fold(values["country"])) if values["country"] else None
        if not values["country"]:
            problems.append(RowError(number, "country", "required"))
        elif country is None:
            problems.append(RowError(number, "country", "unknown_country", values["country"]))
        email = values["email"] or None
        if email and not is_email(email):
            problems.append(RowError(number, "email", "invalid_email", email))
        region = None
        if values["region"]:
            region = region_by_name.get(_fold(values["region"]))
            if region is None:
                problems.append(RowError(number, "region", "unknown_region", values["region"]))
        language = values["language"].lower() or None
        if language and language not in LANGUAGES:
            problems.append(RowError(number, "language", "unknown_language", values["language"]))
        if not problems and country:
            identity = (_fold(name), country)
            if identity in seen:
                problems.append(RowError(number, "name", "duplicate", name))
            seen.add(identity)
        if problems:
            result.errors.extend(problems)
            continue
        assert country is not None
        result.rows.append(ParsedInvitation(number, name, country, email, region, language))
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "", "no_rows"))
    return result


def existing_identities(session: Session, questionnaire_key: str) -> set[tuple[str, str]]:
    """Return (folded name, country) of every institution already invited."""
    rows = session.execute(
        select(Invitation.institution_name, Invitation.country).where(
            Invitation.questionnaire_key == questionnaire_key
        )
    )
    return {(_fold(name), country) for name, country in rows}


def create_invitations(
    session: Session, rows: Iterable[ParsedInvitation], actor: User, questionnaire_key: str
) -> list[Invitation]:
    """Create one invitation per row."""
    created = [
        Invitation(
            questionnaire_key=questionnaire_key,
            institution_name=row.name,
            country=row.country,
            region=row.region,
            email=row.email,
            language=row.language,
            nonce=secrets.token_urlsafe(12),
            created_by_id=actor.id,
        )
        for row in rows
    ]
    session.add_all(created)
    session.flush()
    return created


def _mac(secret_key: str, purpose: str, nonce: str, length: int) -> str:
    digest = hmac.new(secret_key.encode(), f"{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:length]


def invitation_token(invitation: Invitation, secret_key: str) -> str:
    """Return the token of an invitation's personal link."""
    return f"{invitation.nonce}.{_mac(secret_key, 'consult.invitation', invitation.nonce, 22)}"


def find_invitation(session: Session, token: str, secret_key: str) -> Invitation | None:
    """Return the invitation a link token opens (None if forged or unknown)."""
    nonce, dot, signature = token.partition(".")
    if not dot or len(token) > 100:
        return None
    expected = _mac(secret_key, "consult.invitation", nonce, 22)
    if not hmac.compare_digest(signature, expected):
        return None
    return session.scalar(select(Invitation).where(Invitation.nonce == nonce))


def invitation_response(session: Session, invitation: Invitation) -> Response | None:
    """Return the response an invitation started, if any (the latest, should there be more)."""
    return session.scalar(
        select(Response)
        .where(Response.invitation_id == invitation.id)
        .order_by(Response.id.desc())
        .limit(1)
    )


#: Who asked for a new personal link, as the audit log shows it when no staff account did.
LOST_LINK_ACTOR = "respondent (lost link, by e-mail)"


def reissue_personal_link(
    session: Session,
    response: Response,
    actor: User | str,
    *,
    invitation: Invitation | None = None,
    ip: str | None = None,
    token: str | None = None,
) -> str:
    """Give a response a new personal link and return its token; the old link stops working.

    The one way a personal link is replaced: an admin's "new link" in the workspace and a
    respondent's "Lost your link?" both come here, and both are written to the audit log
    (not committed: the caller's transaction holds the change and its entry together).
    """
    from consult.questionnaires.models import RetiredLink
    from consult.questionnaires.operations import hash_token, new_resume_token
    from consult.staff import audit

    token = token or new_resume_token()  # given: derived from a "lost link" message's ticket
    if hash_token(token) != response.resume_token_hash:  # equal: a ticket redeemed twice
        # Pages of the old link still open learn it was replaced (consult.questionnaires.retired).
        session.merge(
            RetiredLink(
                token_hash=response.resume_token_hash,
                response_id=response.id,
                retired_at=utcnow(),
                reason="staff" if isinstance(actor, User) else "lost_link",
            )
        )
    response.resume_token_hash = hash_token(token)
    session.flush()
    audit.record(
        session,
        actor,
        "response.link_reissued",
        target=invitation.institution_name if invitation is not None else None,
        details={
            "response_id": response.id,
            "invitation_id": invitation.id if invitation is not None else None,
            "by": "staff" if isinstance(actor, User) else "lost_link",
        },
        ip=ip,
    )
    return token


def lock_invitation(session: Session, invitation: Invitation) -> None:
    """Lock an invitation's row until the transaction ends (PostgreSQL; SQLite writes are
    serialised already), so that two presses of Start create one response."""
    session.execute(
        select(Invitation.id).where(Invitation.id == invitation.id).with_for_update()
    ).all()


def prefill(
    invitation: Invitation, questionnaire: Questionnaire, region_map: Mapping[str, str]
) -> Answers:
    """Return the institution profile answers an invitation fills in."""
    keys = {q.key for q in questionnaire.questions}
    answers: Answers = {}
    if NAME_QUESTION in keys:
        answers[NAME_QUESTION] = {"": invitation.institution_name}
    country_key = questionnaire.profile_fields.get("country")
    if country_key:
        answers[country_key] = {"": invitation.country}
    region_key = questionnaire.profile_fields.get("region")
    region = invitation.region or region_map.get(invitation.country)
    if region_key and region:
        answers[region_key] = {"": region}
    return answers


@dataclass
class InvitationStatus:
    """An invitation with the state of its response."""

    invitation: Invitation
    region: str | None
    #: "not_started", "draft" or "submitted".
    state: str


def statuses(
    session: Session, questionnaire_key: str, region_map: Mapping[str, str]
) -> list[InvitationStatus]:
    """Return every invitation with the state of the response it started, by name."""
    states = dict(
        session.execute(
            select(Response.invitation_id, func.max(Response.status))
            .where(Response.invitation_id.is_not(None))
            .group_by(Response.invitation_id)
        ).all()
    )
    # "submitted" sorts after "draft", so max() says whether any response was submitted.
    invitations = session.scalars(
        select(Invitation)
        .where(Invitation.questionnaire_key == questionnaire_key)
        .order_by(Invitation.institution_name, Invitation.id)
    )
    return [
        InvitationStatus(
            invitation,
            invitation.region or region_map.get(invitation.country),
            states.get(invitation.id, "not_started"),
        )
        for invitation in invitations
    ]


@dataclass
class CoverageLine:
    """Invited, started and submitted for one region or country."""

    key: str
    invited: int = 0
    started: int = 0
    submitted: int = 0

    @property
    def not_answered(self) -> int:
        """Invited institutions that have not submitted."""
        return self.invited - self.submitted


def coverage(
    rows: Iterable[InvitationStatus],
) -> tuple[CoverageLine, list[CoverageLine], list[CoverageLine]]:
    """Return the totals, and the lines per region and per country."""
    total = CoverageLine("all")
    by_region: dict[str, CoverageLine] = {}
    by_country: dict[str, CoverageLine] = {}
    for row in rows:
        for line in (
            total,
            by_region.setdefault(row.region or "", CoverageLine(row.region or "")),
            by_country.setdefault(row.invitation.country, CoverageLine(row.invitation.country)),
        ):
            line.invited += 1
            line.started += row.state in ("draft", "submitted")
            line.submitted += row.state == "submitted"
    return (
        total,
        sorted(by_region.values(), key=lambda line: line.key),
        sorted(by_country.values(), key=lambda line: line.key),
    )


def links_csv(
    rows: Iterable[InvitationStatus], link_for, shown_email: Callable[[str | None], str]
) -> str:
    """Return the invitations as CSV for a mail merge (the exports' one CSV writer); each
    address as ``shown_email`` gives it (the staff's personal-data rule)."""
    return csv_text(
        ["name", "country", "email", "region", "language", "link", "status"],
        (
            [
                row.invitation.institution_name,
                row.invitation.country,
                shown_email(row.invitation.email),
                row.region or "",
                row.invitation.language or "",
                link_for(row.invitation),
                row.state,
            ]
            for row in rows
        ),
    )
