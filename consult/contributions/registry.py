"""Attach open contributions to an app: settings, the validated Charter, template helpers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from consult.config import Defaults
from consult.contributions.charter import CHARTER_FILE, Charter, load_charter
from consult.contributions.text import excerpt, render_plain_text

EXTENSION_KEY = "consult.charter"

#: Settings of open contributions; instance/config.py or CONSULT_* variables override them.
DEFAULTS: dict[str, Any] = {
    #: Folder holding charter.yaml; empty means the questionnaires folder (or the shipped file).
    "CHARTER_PATH": None,
    #: Nothing is public before a moderator approves it (False publishes at once).
    "CONTRIBUTIONS_PREMODERATION": True,
    #: Longest contribution text, in characters.
    "CONTRIBUTION_MAX_LENGTH": 5000,
    "CONTRIBUTION_REPLY_MAX_LENGTH": 2000,
    #: A form sent faster than this after it was shown is treated as a bot's.
    "CONTRIBUTION_MIN_FILL_SECONDS": 5,
    #: Contributions accepted per browser (only accepted ones count).
    "CONTRIBUTIONS_RATE_LIMIT": "5 per hour;20 per day",
    #: The same per client address, every browser together: a ceiling for a workshop where
    #: thirty people contribute behind one Wi-Fi, not a person's own limit.
    "CONTRIBUTIONS_ADDRESS_RATE_LIMIT": "60 per hour;200 per day",
    #: Any POST to the contribution pages (sends, replies, supports, reports) per browser.
    "CONTRIBUTIONS_POST_RATE_LIMIT": "60 per hour",
    #: The same per client address, every browser together (a ceiling against floods).
    "CONTRIBUTIONS_ADDRESS_POST_RATE_LIMIT": "600 per hour",
    #: Browsers behind one address that may support the same contribution: each browser
    #: supports once (what the person owns is counted first), and the address only bears a
    #: ceiling against ballot stuffing, above a city hall or a working session's Wi-Fi (at 3,
    #: colleagues behind one address locked each other out and the count understated support).
    "SUPPORTS_PER_ADDRESS": 60,
    #: Similarity (Jaccard of 5-character shingles) from which texts are near twins.
    "NEAR_DUPLICATE_THRESHOLD": 0.8,
    "CONTRIBUTIONS_PER_PAGE": 20,
}


def load_into(app: Flask) -> None:
    """Set the defaults, validate the Charter (an invalid file stops the app) and add helpers."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions[EXTENSION_KEY] = load_charter(charter_folder(app.config))
    app.add_template_filter(render_plain_text, "plain_text")
    app.add_template_filter(excerpt, "excerpt")


def charter_folder(config: Mapping[str, Any]) -> Path:
    """Where charter.yaml is: CHARTER_PATH, else the questionnaires folder, else the shipped one.

    The Charter is the same whatever questionnaires a deployment runs, so a questionnaires
    folder without its own copy uses the one shipped with Consult.
    """
    if config.get("CHARTER_PATH"):
        return Path(config["CHARTER_PATH"])
    folder = Path(config["QUESTIONNAIRES_PATH"])
    if (folder / CHARTER_FILE).exists():
        return folder
    return Path(Defaults.QUESTIONNAIRES_PATH)


def current_charter() -> Charter:
    """Return the Charter structure of the current app."""
    return current_app.extensions[EXTENSION_KEY]
