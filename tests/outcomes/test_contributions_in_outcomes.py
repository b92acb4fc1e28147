"""Open contributions in the outcomes, against the real models.

Contributions are made and moderated through consult.contributions.operations; every figure of
the summary is compared with a count made independently, in SQL, from the contributions table.
Pending, rejected, hidden and withdrawn contributions carry a marker that must never show.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.contributions import operations as contribution_operations
from consult.contributions import reactions
from consult.contributions.models import KINDS, Contribution
from consult.db import db, writing
from consult.geography import REGION_KEYS
from consult.outcomes import contributions, data, operations
from consult.outcomes.models import OutcomeQuote, OutcomeSnapshot
from consult.questionnaires.registry import current_questionnaires
from consult.staff.models import AuditEntry, User
from tests.conftest import csrf_token, publication_version
from tests.outcomes.conftest import fill_demo

#: Texts labelled by hand with the one codebook theme the test counts them under.
THEMED_TEXTS = {
    "housing": {
        "en": "Rents keep rising and tenants are evicted.",
        "fr": "Les loyers augmentent sans cesse.",
        "es": "Los alquileres suben sin control.",
    },
    "water_food": {
        "en": "Drinking water must never be cut.",
        "fr": "L'eau potable pour toutes et tous.",
        "es": "Agua potable para todas las personas.",
    },
    "participation": {
        "en": "Participatory budgets give neighbourhoods a say.",
        "fr": "Le budget participatif donne la parole aux quartiers.",
        "es": "El presupuesto participativo da voz a los barrios.",
    },
}
NOT_PUBLIC = "NOT-PUBLIC"
OUTCOMES = {"published": 60, "pending": 14, "rejected": 10, "hidden": 8, "withdrawn": 8}
ARTICLES = [None, *(f"art{n:02d}" for n in range(1, 13))]
PARTS = (None, "rights", "obligations", "duties", "action_plan")
PUBLISHED_AT = datetime(2022, 1, 20, 12, 0, tzinfo=UTC)


def contribute(
    session,
    *,
    article,
    part,
    kind,
    region,
    language,
    text,
    outcome="published",
    supports=0,
    published_at=PUBLISHED_AT,
):
    """Make one contribution through the operations and take it to ``outcome``."""
    contribution, _token = contribution_operations.create_contribution(
        session,
        kind=kind,
        text=text,
        language=language,
        organisation_type="civil_society",
        article=article,
        part=part if article else None,
        region=region,
        created_at=published_at - timedelta(days=2),
    )
    if outcome in ("published", "hidden", "withdrawn"):
        contribution_operations.publish(session, contribution, None, at=published_at)
        for n in range(supports):
            reactions.add_support(
                session, contribution, f"browser-{contribution.id}-{n}", f"address-{n}"
            )
    if outcome == "hidden":
        contribution_operations.moderate(session, contribution, "hide", None, reason="offensive")
    elif outcome == "rejected":
        contribution_operations.reject(session, contribution, "off_topic")
    elif outcome == "withdrawn":
        contribution_operations.withdraw(session, contribution)
    return contribution


def make_contributions(app: Flask, count: int = 100, seed: int = 5) -> dict[str, int]:
    """Make ``count`` varied contributions; return how many of each theme were published."""
    rng = random.Random(seed)
    published_themes = {theme: 0 for theme in THEMED_TEXTS}
    with app.app_context(), writing():
        for number in range(count):
            outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
            theme = rng.choice(list(THEMED_TEXTS))
            language = rng.choice(("en", "fr", "es"))
            text = f"{THEMED_TEXTS[theme][language]} ({number})"
            if outcome != "published":
                text = f"{text} {NOT_PUBLIC}-{outcome}-{number}"
            else:
                published_themes[theme] += 1
            article = rng.choice(ARTICLES)
            contribute(
                db.session,
                article=article,
                part=rng.choice(PARTS),
                kind=rng.choice(KINDS),
                region=rng.choice([*REGION_KEYS, None]),
                language=language,
                text=text,
                outcome=outcome,
                supports=rng.choice([0, 0, 1, 2, 3, 5, 8]),
            )
        db.commit()
    return published_themes


def sources(app: Flask) -> data.SummarySources:
    return data.SummarySources(current_questionnaires(), Path(app.config["QUESTIONNAIRES_PATH"]))


def live_summary(app: Flask) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        summary, _ids = data.compute_summary(connection, sources(app))
    return summary


def published_counts(app: Flask, *columns) -> dict:
    """Count published contributions per ``columns`` in SQL: the independent computation."""
    with app.app_context():
        rows = db.session.execute(
            select(*columns, func.count(Contribution.id))
            .where(Contribution.status == "published")
            .group_by(*columns)
        ).all()
    return {tuple(row[:-1]) if len(columns) > 1 else row[0]: row[-1] for row in rows}


@pytest.fixture
def contributions_app(app: Flask) -> Flask:
    """120 demo responses and 100 contributions, about 60 of them published."""
    fill_demo(app, 120, seed=3)
    app.config["PUBLISHED_THEMES"] = make_contributions(app)
    return app


def test_every_contribution_figure_matches_an_independent_count(contributions_app):
    app = contributions_app
    summary = live_summary(app)["contributions"]
    with app.app_context():
        published = db.session.scalar(
            select(func.count(Contribution.id)).where(Contribution.status == "published")
        )
        supports = db.session.scalar(
            select(func.sum(Contribution.support_count)).where(Contribution.status == "published")
        )
        statuses = set(db.session.scalars(select(Contribution.status).distinct()))
    assert statuses == set(OUTCOMES)  # every status is really there, not only published ones
    assert summary["total"] == published and 0 < published < 100
    assert summary["supports"] == supports
    assert {e["key"]: e["count"] for e in summary["by_article"]} == published_counts(
        app, Contribution.article
    )
    per_part = {
        (article or "general", part or "whole"): n
        for (article, part), n in published_counts(
            app, Contribution.article, Contribution.part
        ).items()
    }
    flattened = {
        (article, part): n
        for article, parts in summary["by_article_part"].items()
        for part, n in parts.items()
    }
    assert flattened == per_part
    for name, column in (
        ("by_kind", Contribution.kind),
        ("by_region", Contribution.region),
        ("by_language", Contribution.language),
    ):
        assert {e["key"]: e["count"] for e in summary[name]} == published_counts(app, column)
        assert sum(e["share"] for e in summary[name]) == pytest.approx(1.0)
    with app.app_context():
        ranked = db.session.execute(
            select(Contribution.id, Contribution.support_count)
            .where(Contribution.status == "published")
            .order_by(Contribution.support_count.desc(), Contribution.created_at, Contribution.id)
        ).all()
    # Only supported contributions, and never a tie with the fifth split (unless too many).
    supported = [(i, s) for i, s in ranked if s > 0]
    expected = supported[:5] + [x for x in supported[5:] if x[1] == supported[4][1]]
    if len(expected) > contributions.MOST_SUPPORTED_ROOM:
        expected = supported[:5]
    assert [m["supports"] for m in summary["most_supported"]] == [s for _i, s in expected]
    top_ids = {i for i, s in ranked if s >= summary["most_supported"][-1]["supports"]}
    assert {m["contribution_id"] for m in summary["most_supported"]} <= top_ids
    themes = {t["key"]: t["count"] for t in summary["themes"]}
    for theme, count in app.config["PUBLISHED_THEMES"].items():
        assert themes.get(theme, 0) == count, theme
    assert summary["contribution_ids"] == sorted(i for i, _s in ranked)  # the published ones
    assert NOT_PUBLIC not in json.dumps(summary)


def test_the_heat_map_counts_contributions_beside_the_questionnaires(contributions_app, login):
    app = contributions_app
    per_article = published_counts(app, Contribution.article)
    columns = live_summary(app)["articles"]["columns"]
    sources_seen = {c["questionnaire"] for c in columns}
    assert {"local-governments", "partners", None} <= sources_seen
    contributions_column = [c for c in columns if c["kind"] == "count"][0]
    for article in (f"art{n:02d}" for n in range(1, 13)):
        assert contributions_column["values"][article] == per_article.get(article, 0)

    analyst = login(app.test_client(), "analyst")
    page = analyst.get("/staff/outcomes/").get_data(as_text=True)
    assert "Open contributions (number)" in page
    row = re.search(r'<tr id="article-art10">(.*?)</tr>', page, re.S).group(1)
    figures = re.findall(r'<td class="num">(.*?)<span class="cell-base">(.*?)</span></td>', row)
    # the figure, and the base it rests on: the published contributions
    assert figures[-1] == (str(per_article.get("art10", 0)), f"n = {sum(per_article.values())}")
    assert NOT_PUBLIC not in page
    # The table by article and part links to the published contributions behind each figure.
    assert 'href="/contributions?article=art10' in page or per_article.get("art10", 0) == 0
    assert 'href="/charter/art10"' in page


def test_the_quotes_bank_only_stars_published_contributions(contributions_app, login):
    app = contributions_app
    analyst = login(app.test_client(), "analyst")
    with app.app_context():
        by_status = {
            status: db.session.scalar(
                select(Contribution.id).where(Contribution.status == status).limit(1)
            )
            for status in OUTCOMES
        }
    page = analyst.get("/staff/outcomes/quotes?source=contributions").get_data(as_text=True)
    assert NOT_PUBLIC not in page
    token = csrf_token(page)
    for contribution_id in by_status.values():
        analyst.post(
            "/staff/outcomes/quotes", data={"csrf_token": token, "contribution_id": contribution_id}
        )
    with app.app_context():
        starred = set(db.session.scalars(select(OutcomeQuote.contribution_id)))
        logged = db.session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "outcomes.quote_starred")
        ).all()
    assert starred == {by_status["published"]}
    assert len(logged) == 1


def test_the_deck_refuses_a_quote_whose_contribution_was_hidden_since(contributions_app, login):
    app = contributions_app
    analyst = login(app.test_client(), "analyst")
    with app.app_context():
        chosen = db.session.scalars(
            select(Contribution)
            .where(Contribution.status == "published")
            .order_by(Contribution.id)
            .limit(2)
        ).all()
        ids = [c.id for c in chosen]
        texts = [c.text for c in chosen]
    page = analyst.get("/staff/outcomes/quotes?source=contributions").get_data(as_text=True)
    for contribution_id in ids:
        analyst.post(
            "/staff/outcomes/quotes",
            data={"csrf_token": csrf_token(page), "contribution_id": contribution_id},
        )
    page = analyst.get("/staff/outcomes/snapshots").get_data(as_text=True)
    analyst.post(
        "/staff/outcomes/snapshots",
        data={
            "csrf_token": csrf_token(page),
            "label": "Session",
            "timezone": "Europe/Paris",
            "step": "confirm",
        },
    )
    deck = analyst.get("/staff/outcomes/1/deck").get_data(as_text=True)
    assert all(text in deck for text in texts)

    with app.app_context(), writing():
        hidden = db.session.get(Contribution, ids[0])
        contribution_operations.moderate(db.session, hidden, "hide", None, reason="offensive")
        withdrawn = db.session.get(Contribution, ids[1])
        contribution_operations.withdraw(db.session, withdrawn)
        db.commit()
    deck = analyst.get("/staff/outcomes/1/deck").get_data(as_text=True)
    assert not any(text in deck for text in texts)
    bank = analyst.get("/staff/outcomes/quotes").get_data(as_text=True)
    assert bank.count("No longer public") == 2


def test_a_snapshot_freezes_the_contributions_too(contributions_app, staff):
    app = contributions_app
    email = staff("admin")
    with app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == email))
        snapshot = operations.freeze(
            db.session, sources(app), label="Before", timezone="UTC", actor=admin
        )
        frozen_json = snapshot.summary_json
        frozen = operations.snapshot_summary(snapshot)["contributions"]
        covered = frozen["contribution_ids"]
        # After the freeze: a new contribution, another supported, one hidden.
        contribute(
            db.session,
            article="art10",
            part=None,
            kind="comment",
            region="africa",
            language="en",
            text="Published after the freeze.",
            published_at=datetime.now(UTC) - timedelta(seconds=1),
        )
        supported = db.session.get(Contribution, covered[0])
        reactions.add_support(db.session, supported, "late-browser", "late-address")
        contribution_operations.moderate(
            db.session, db.session.get(Contribution, covered[1]), "hide", None, reason="spam"
        )
        db.commit()
        again = db.session.get(OutcomeSnapshot, snapshot.id)
        assert again.summary_json == frozen_json
    live = live_summary(app)["contributions"]
    assert live["total"] == frozen["total"]  # one more published, one hidden
    assert set(live["contribution_ids"]) ^ set(covered) != set()
    assert live["supports"] != frozen["supports"]


def test_a_past_data_time_counts_contributions_published_by_then(contributions_app, staff):
    app = contributions_app
    email = staff("admin")
    with app.app_context(), writing():
        admin = db.session.scalar(select(User).where(User.email == email))
        contribute(
            db.session,
            article="art01",
            part=None,
            kind="comment",
            region="europe",
            language="en",
            text="Published a month later.",
            published_at=PUBLISHED_AT + timedelta(days=30),
        )
        before = operations.freeze(
            db.session,
            sources(app),
            label="Before",
            timezone="UTC",
            actor=admin,
            as_of=PUBLISHED_AT + timedelta(days=1),
        )
        after = operations.freeze(
            db.session, sources(app), label="Now", timezone="UTC", actor=admin
        )
        counts = [operations.snapshot_summary(s)["contributions"]["total"] for s in (before, after)]
        db.commit()
    published = published_counts(app, Contribution.status)["published"]
    assert counts == [published - 1, published]


def test_outcome_acts_and_exports_are_in_the_audit_log(contributions_app, login, runner, tmp_path):
    app = contributions_app
    admin = login(app.test_client(), "admin")
    page = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    token = csrf_token(page)
    admin.post(
        "/staff/outcomes/snapshots",
        data={
            "csrf_token": token,
            "label": "Session",
            "timezone": "Europe/Paris",
            "step": "confirm",
        },
    )
    admin.post(
        "/staff/outcomes/snapshots/1/publish",
        data={"csrf_token": token, "confirm": "yes", **publication_version(app)},
    )
    admin.post(
        "/staff/outcomes/publication/withdraw",
        data={"csrf_token": token, "confirm_removal": "yes", **publication_version(app)},
    )
    assert admin.get("/staff/outcomes/snapshots/1/summary.json").status_code == 200
    csv = admin.get(
        "/staff/outcomes/rows?questionnaire=partners&breakdown=region&value=europe&format=csv"
    )
    assert csv.status_code == 200
    out = tmp_path / "outcomes.json"
    result = runner.invoke(args=["outcomes", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry.action, AuditEntry.actor_email, AuditEntry.target, AuditEntry.ip)
        ).all()
    actions = {e.action: e for e in entries}
    for action in (
        "outcomes.freeze",
        "outcomes.publish",
        "outcomes.unpublish",
        "export.outcomes_rows",
    ):
        assert actions[action].target in ("snapshot:1", "live")
        assert actions[action].actor_email.startswith("admin-")
        assert actions[action].ip  # the client address is kept with the act
    exports = {e.actor_email for e in entries if e.action == "export.outcomes"}
    assert exports == {actions["outcomes.freeze"].actor_email, "command line"}
    written = json.loads(out.read_text())["contributions"]
    assert written["total"] == published_counts(app, Contribution.status)["published"]
    assert written["by_article"] == {
        (k or "general"): n for k, n in published_counts(app, Contribution.article).items()
    }


def test_public_outcomes_and_the_charter_link_to_each_other(contributions_app, login):
    app = contributions_app
    visitor = app.test_client()
    article = visitor.get("/charter/art10").get_data(as_text=True)
    assert "In the first outcomes" not in article  # nothing published yet
    admin = login(app.test_client(), "admin")
    page = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    token = csrf_token(page)
    admin.post(
        "/staff/outcomes/snapshots",
        data={
            "csrf_token": token,
            "label": "Session",
            "timezone": "Europe/Paris",
            "step": "confirm",
        },
    )
    staff_article = admin.get("/charter/art10").get_data(as_text=True)
    assert 'href="/staff/outcomes/#article-art10"' in staff_article
    assert "See this article in the first outcomes" not in staff_article
    admin.post(
        "/staff/outcomes/snapshots/1/publish",
        data={"csrf_token": token, "confirm": "yes", **publication_version(app)},
    )

    public = visitor.get("/outcomes").get_data(as_text=True)
    for n in range(1, 13):
        assert f'href="/charter/art{n:02d}"' in public
    # The link text a screen reader hears after each article's count agrees with it.
    heard = re.findall(r'>(\d+)<span class="visually-hidden"> (\w+) on this article<', public)
    assert heard and all((n == "1") == (noun == "contribution") for n, noun in heard), heard
    assert " 0 supports<" not in public  # "most supported" never lists an unsupported one
    assert NOT_PUBLIC not in public
    article = visitor.get("/charter/art10").get_data(as_text=True)
    assert "In the first outcomes" in article
    assert 'href="/outcomes#article-art10"' in article
    assert "/staff/outcomes" not in article
    per_article = published_counts(app, Contribution.article)
    total = sum(per_article.values())
    assert f"of {total} published contributions" in article
    figure = re.search(
        r'<span class="figure-value">(\d+)</span> <span class="figure-label">Open contributions',
        article,
    )
    assert figure and int(figure.group(1)) == per_article.get("art10", 0)


def test_a_hidden_contribution_leaves_the_published_page_but_not_its_count(
    contributions_app, login
):
    app = contributions_app
    admin = login(app.test_client(), "admin")
    page = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    token = csrf_token(page)
    admin.post(
        "/staff/outcomes/snapshots",
        data={
            "csrf_token": token,
            "label": "Session",
            "timezone": "Europe/Paris",
            "step": "confirm",
        },
    )
    admin.post(
        "/staff/outcomes/snapshots/1/publish",
        data={"csrf_token": token, "confirm": "yes", **publication_version(app)},
    )
    with app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        top = operations.snapshot_summary(snapshot)["contributions"]["most_supported"][0]
    public = app.test_client().get("/outcomes").get_data(as_text=True)
    escaped = top["text"].replace("'", "&#39;")
    assert escaped in public
    with app.app_context(), writing():
        contribution = db.session.get(Contribution, top["contribution_id"])
        contribution_operations.moderate(db.session, contribution, "hide", None, reason="spam")
        db.commit()
    public = app.test_client().get("/outcomes").get_data(as_text=True)
    assert escaped not in public  # its words are gone
    frozen_total = published_counts(app, Contribution.status)["published"] + 1
    assert f"<dd>{frozen_total}</dd>" in public  # the frozen count stays as it was


def test_demo_contributions_are_realistic_and_removable(app, runner):
    result = runner.invoke(
        args=["demo", "--responses", "20", "--contributions", "80", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(
            select(
                Contribution.status,
                Contribution.language,
                Contribution.region,
                Contribution.kind,
                Contribution.is_demo,
            )
        ).all()
        supported = db.session.scalar(
            select(func.count(Contribution.id)).where(Contribution.support_count > 0)
        )
    assert len(rows) == 80 and all(r.is_demo for r in rows)
    assert {r.language for r in rows} == {"en", "fr", "es"}
    assert {r.status for r in rows} >= {"published", "pending", "rejected"}
    assert len({r.region for r in rows}) >= 5 and None not in {r.region for r in rows}
    assert {r.kind for r in rows} == set(KINDS)
    assert supported > 0
    published = sum(r.status == "published" for r in rows)
    assert live_summary(app)["contributions"]["total"] == published
    assert f"{published} published" in result.output

    with app.app_context(), writing():
        quoted = db.session.scalar(
            select(Contribution.id).where(Contribution.status == "published").limit(1)
        )
        operations.star_contribution(db.session, quoted, "command line")
        db.commit()
    removed = runner.invoke(args=["demo", "--remove"])
    assert removed.exit_code == 0, removed.output
    assert "removed 80 demo contributions" in removed.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Contribution.id))) == 0
        assert db.session.scalar(select(func.count(OutcomeQuote.id))) == 0
