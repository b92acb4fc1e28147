"""Fixtures for the outcomes: an app filled with demo responses, and signed-in staff."""

from __future__ import annotations

import pytest
from flask import Flask

from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes import demo
from consult.questionnaires.registry import current_questionnaires


def fill_demo(app: Flask, responses: int, seed: int = 7) -> None:
    """Insert ``responses`` submitted demo responses (and some drafts)."""
    with app.app_context(), writing():
        for _written in demo.generate_responses(
            db.session,
            current_questionnaires(),
            region_map(app.config["QUESTIONNAIRES_PATH"]),
            demo.DemoPlan(responses=responses, seed=seed),
        ):
            pass
        db.commit()


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    """The app with 300 demo responses."""
    fill_demo(app, 300)
    return app
