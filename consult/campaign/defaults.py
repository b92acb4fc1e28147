"""The commitment options a new platform starts with (staff edit them afterwards)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consult.campaign.models import CommitmentOption

#: key -> (English, French, Spanish). Loaded once, on a database that has no option yet.
DEFAULT_OPTIONS: dict[str, tuple[str, str, str]] = {
    "local_charter": (
        "Adopt or update a local human rights charter or declaration",
        "Adopter ou actualiser une charte ou une déclaration locale des droits humains",
        "Adoptar o actualizar una carta o declaración local de derechos humanos",
    ),
    "human_rights_office": (
        "Set up or strengthen a human rights office, an ombudsperson or a mediator",
        "Créer ou renforcer un service des droits humains, un défenseur des droits ou une "
        "instance de médiation",
        "Crear o reforzar una oficina de derechos humanos, una defensoría o una instancia "
        "de mediación",
    ),
    "biennial_report": (
        "Report publicly on human rights in our territory every two years",
        "Rendre compte publiquement, tous les deux ans, des droits humains sur notre territoire",
        "Informar públicamente cada dos años sobre los derechos humanos en nuestro territorio",
    ),
    "indicators": (
        "Develop local human rights indicators and a way of monitoring them",
        "Élaborer des indicateurs locaux des droits humains et un dispositif de suivi",
        "Elaborar indicadores locales de derechos humanos y un sistema de seguimiento",
    ),
    "staff_training": (
        "Train staff and elected officials in human rights",
        "Former le personnel et les élus aux droits humains",
        "Formar al personal y a los cargos electos en derechos humanos",
    ),
    "participation": (
        "Open permanent spaces where inhabitants take part in public decisions",
        "Ouvrir des espaces permanents de participation des habitants aux décisions publiques",
        "Abrir espacios permanentes de participación de la ciudadanía en las decisiones públicas",
    ),
    "peer_exchange": (
        "Take part in peer exchanges with other human rights cities and territories",
        "Participer aux échanges entre pairs avec d'autres villes et territoires des droits "
        "humains",
        "Participar en intercambios entre pares con otras ciudades y territorios de derechos "
        "humanos",
    ),
    "charter_revision": (
        "Contribute to the revision of the Global Charter-Agenda for Human Rights in the City",
        "Contribuer à la révision de la Charte-Agenda mondiale des droits de l'homme dans la cité",
        "Contribuir a la revisión de la Carta-Agenda Mundial de Derechos Humanos en la Ciudad",
    ),
}


def ensure_default_options(session: Session) -> int:
    """Add the default options to a database that has none; return how many were added."""
    if session.scalar(select(func.count()).select_from(CommitmentOption)):
        return 0
    for position, (key, (en, fr, es)) in enumerate(DEFAULT_OPTIONS.items(), start=1):
        session.add(
            CommitmentOption(key=key, label_en=en, label_fr=fr, label_es=es, position=position)
        )
    session.flush()
    return len(DEFAULT_OPTIONS)


def default_options_step(app: Flask) -> list[str]:
    """`consult init` step: give a new platform its starting list of commitments."""
    from consult.db import db, writing

    with writing():
        added = ensure_default_options(db.session)
        db.commit()
    return [f"added {added} campaign commitment options"] if added else []
