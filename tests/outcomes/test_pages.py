"""The outcome pages: roles, empty questionnaires, freezing, publishing, suppression, quotes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from consult.db import db, writing
from consult.outcomes import data, operations, response_ids
from consult.outcomes.models import OutcomeSnapshot, SnapshotImmutableError
from consult.outcomes.summary import find_question
from consult.outcomes.suppression import public_summary
from consult.questionnaires.models import Response
from consult.questionnaires.registry import current_questionnaires
from tests.conftest import csrf_token, publication_version, versions_in
from tests.outcomes.conftest import fill_demo


def freeze(client, label="Working session", **extra):
    page = client.get("/staff/outcomes/snapshots").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "label": label,
        "timezone": "Europe/Paris",
        "step": "confirm",
        **({"cutoff": "earlier"} if extra.get("as_of") else {}),
        **extra,
    }
    return client.post("/staff/outcomes/snapshots", data=form)


def publish(client, snapshot_id, **extra):
    page = client.get(f"/staff/outcomes/snapshots/{snapshot_id}").get_data(as_text=True)
    token = csrf_token(page) if "csrf_token" in page else ""
    return client.post(
        f"/staff/outcomes/snapshots/{snapshot_id}/publish",
        data={"csrf_token": token, "confirm": "yes", **versions_in(page), **extra},
    )


def submitted(app):
    with app.app_context():
        return db.session.scalar(
            select(func.count(Response.id)).where(Response.status == "submitted")
        )


# -- roles -----


def test_outcomes_need_an_analyst_or_an_admin(app, client, make_app, login):
    assert client.get("/staff/outcomes/").status_code == 302  # to the login page
    moderator = login(app.test_client(), "moderator")
    assert moderator.get("/staff/outcomes/").status_code == 403
    assert moderator.get("/staff/outcomes/snapshots").status_code == 403
    analyst = login(app.test_client(), "analyst")
    assert analyst.get("/staff/outcomes/").status_code == 200
    admin = login(app.test_client(), "admin")
    assert admin.get("/staff/outcomes/").status_code == 200


def test_only_an_admin_may_publish_and_it_is_recorded(demo_app, login):
    analyst = login(demo_app.test_client(), "analyst")
    assert freeze(analyst).status_code == 302
    snapshot_page = analyst.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    assert "Publish at /outcomes" not in snapshot_page
    token = csrf_token(snapshot_page)
    refused = analyst.post(
        "/staff/outcomes/snapshots/1/publish", data={"csrf_token": token, "confirm": "yes"}
    )
    assert refused.status_code == 403
    assert "not been published" in demo_app.test_client().get("/outcomes").get_data(as_text=True)

    admin = login(demo_app.test_client(), "admin")
    unconfirmed = admin.post(
        "/staff/outcomes/snapshots/1/publish",
        data={"csrf_token": token, **publication_version(demo_app)},
    )
    assert unconfirmed.status_code in (302, 400)
    assert "not been published" in demo_app.test_client().get("/outcomes").get_data(as_text=True)
    assert publish(admin, 1).status_code == 302
    public = demo_app.test_client().get("/outcomes").get_data(as_text=True)
    assert "First outcomes of the consultation" in public
    log = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    assert "Publication log" in log and "admin-" in log

    withdraw_token = csrf_token(log)
    analyst_token = csrf_token(analyst.get("/staff/outcomes/snapshots").get_data(as_text=True))
    assert (
        analyst.post(
            "/staff/outcomes/publication/withdraw", data={"csrf_token": analyst_token}
        ).status_code
        == 403
    )
    # Withdrawing needs its tick: without it, a page asks, and the outcomes stay public.
    drawn = {
        "csrf_token": withdraw_token,
        **versions_in(log, "/staff/outcomes/publication/withdraw"),
    }
    asked = admin.post("/staff/outcomes/publication/withdraw", data=drawn)
    assert asked.status_code == 200 and "Take it off the public site?" in asked.get_data(
        as_text=True
    )
    assert "First outcomes" in demo_app.test_client().get("/outcomes").get_data(as_text=True)
    ticked = {**drawn, "confirm_removal": "yes"}
    assert admin.post("/staff/outcomes/publication/withdraw", data=ticked).status_code == 302
    assert "not been published" in demo_app.test_client().get("/outcomes").get_data(as_text=True)


# -- empty questionnaires -----


def test_nothing_crashes_without_responses(app, client, login, runner, tmp_path):
    login(client, "admin")
    page = client.get("/staff/outcomes/").get_data(as_text=True)
    assert page.count("No responses yet.") >= 2
    filtered = client.get("/staff/outcomes/?region=africa&from=2022-01-01&to=2022-01-02")
    assert filtered.status_code == 200
    # A snapshot of no response needs its confirmation (test_snapshot_guards).
    assert freeze(client, "Empty").status_code == 400
    assert freeze(client, "Empty", empty="yes").status_code == 302
    assert "No responses yet." in client.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    deck = client.get("/staff/outcomes/1/deck").get_data(as_text=True)
    assert deck.count('class="slide') >= 6 and "No responses yet." in deck
    assert publish(client, 1, narrower="yes").status_code == 302
    assert "No responses yet." in app.test_client().get("/outcomes").get_data(as_text=True)
    assert client.get("/staff/outcomes/quotes").status_code == 200
    rows = client.get(
        "/staff/outcomes/rows?questionnaire=partners&question=knows_charter&value=yes"
    )
    assert "No responses match." in rows.get_data(as_text=True)
    out = tmp_path / "empty.json"
    result = runner.invoke(args=["outcomes", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert [q["responses"] for q in written["questionnaires"]] == [0, 0]


# -- the live summary and the rows behind a figure -----


def test_each_figure_links_to_the_rows_behind_it(demo_app, login):
    client = login(demo_app.test_client(), "analyst")
    page = client.get("/staff/outcomes/?questionnaire=local-governments&region=europe")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html
    link = re.search(
        r'href="(/staff/outcomes/rows\?[^"]*question=barriers[^"]*part=political_will[^"]*)"', html
    )
    assert link, "no link from the barriers figure"
    rows = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    total = int(re.search(r"<dt>Responses</dt><dd><strong>(\d+)</strong>", rows).group(1))
    with demo_app.app_context(), db.engine.connect() as connection:
        sources = data.SummarySources(
            current_questionnaires(), Path(demo_app.config["QUESTIONNAIRES_PATH"])
        )
        from consult.outcomes.summary import SummaryFilter

        summary, _ids = data.compute_summary(
            connection, sources, SummaryFilter(questionnaire="local-governments", region="europe")
        )
    barriers = find_question(summary, "local-governments", "barriers")
    count = next(o["count"] for o in barriers["options"] if o["key"] == "political_will")
    assert total == count
    csv = client.get(link.group(1).replace("&amp;", "&") + "&format=csv")
    assert csv.mimetype == "text/csv"
    assert len(csv.get_data(as_text=True).strip().splitlines()) == count + 1


def test_the_cache_is_shared_and_follows_the_data(demo_app, make_app):
    sources_app = demo_app
    with sources_app.app_context():
        sources = data.SummarySources(
            current_questionnaires(), Path(sources_app.config["QUESTIONNAIRES_PATH"])
        )
        first = data.cached_summary(db.engine, sources)
        again = data.cached_summary(db.engine, sources)
    assert not first.from_cache and again.from_cache
    assert again.summary == json.loads(data.dumps(first.summary))
    # Another app (another worker) on the same database finds the stored summary.
    other = make_app(instance=sources_app.instance_path, init=False)
    with other.app_context():
        assert data.cached_summary(db.engine, sources).from_cache
    fill_demo(sources_app, 3, seed=99)
    with sources_app.app_context():
        fresh = data.cached_summary(db.engine, sources)
    assert not fresh.from_cache and fresh.summary["responses"] == first.summary["responses"] + 3


# -- freezing -----


def test_a_snapshot_never_changes_as_responses_keep_arriving(demo_app, login):
    client = login(demo_app.test_client(), "analyst")
    before = submitted(demo_app)
    reply = freeze(client, "Before the session")
    assert reply.status_code == 302
    with demo_app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        frozen_json = snapshot.summary_json
        ids = operations.snapshot_ids(snapshot)
        live_ids = db.session.scalars(
            select(Response.id).where(Response.status == "submitted")
        ).all()
        assert snapshot.response_count == before and sorted(ids) == sorted(live_ids)

    fill_demo(demo_app, 37, seed=5)
    with demo_app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        assert snapshot.summary_json == frozen_json
        assert operations.snapshot_ids(snapshot) == ids
        assert json.loads(frozen_json)["responses"] == before
    page = client.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    assert "+37 responses since the freeze" in page

    assert freeze(client, "After").status_code == 302
    compared = client.get("/staff/outcomes/snapshots/1?compare=2").get_data(as_text=True)
    assert "+37 responses since the freeze" in compared

    with demo_app.app_context(), writing():
        frozen = db.session.get(OutcomeSnapshot, 1)
        frozen.label = "changed"
        with pytest.raises(SnapshotImmutableError):
            db.session.flush()
        db.rollback()
        with pytest.raises(SnapshotImmutableError):
            db.session.delete(db.session.get(OutcomeSnapshot, 1))
            db.session.flush()
        db.rollback()


def test_a_freeze_can_cover_an_earlier_data_time(demo_app, login):
    client = login(demo_app.test_client(), "analyst")
    reply = freeze(client, "Mid January", as_of="2022-01-15T18:00")
    assert reply.status_code == 302
    with demo_app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        expected = db.session.scalars(
            select(Response.id).where(Response.status == "submitted")
        ).all()
        cutoff = snapshot.data_as_of
        covered = [
            r.id
            for r in db.session.scalars(select(Response).where(Response.id.in_(expected)))
            if r.submitted_at <= cutoff
        ]
        assert sorted(operations.snapshot_ids(snapshot)) == sorted(covered)
        assert 0 < snapshot.response_count < len(expected)
        assert cutoff.isoformat().startswith("2022-01-15T17:00")  # 18:00 in Paris
    page = client.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    assert "15 January 2022, 18:00 CET" in page
    future = freeze(client, "Future", as_of="2099-01-01T00:00")
    assert future.status_code == 400
    assert "Nothing was frozen" in future.get_data(as_text=True)


def test_response_ids_are_stored_compactly(demo_app):
    ids = list(range(1, 5001)) + [5003, 5007] + list(range(6000, 9000))
    blob = response_ids.encode_ids(ids)
    assert response_ids.decode_ids(blob) == ids
    assert len(blob) < 40
    assert response_ids.ids_as_ranges([3, 1, 2, 9, 7, 8, 5]) == "1-3,5,7-9"


# -- the public page -----


def _walk(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, value


def test_small_cells_are_suppressed_on_the_public_page(app, login):
    fill_demo(app, 30, seed=3)
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    with app.app_context():
        frozen = operations.snapshot_summary(db.session.get(OutcomeSnapshot, 1))
    shown = public_summary(frozen, 5)
    small = [
        (path, value)
        for path, value in _walk(shown)
        if re.search(r"\.(count|answered|ranked|first|drafts|started|scored)$", path)
        and isinstance(value, int)
        and 0 < value < 5
    ]
    assert small == []
    assert not any(p.endswith(".quotes") and v for p, v in _walk(shown))
    # A figure the staff see with a small count is hidden on the public page.
    region = find_question(frozen, "local-governments", "institution_type")
    small_option = next(o for o in region["options"] if 0 < o["count"] < 5)
    page = app.test_client().get("/outcomes").get_data(as_text=True)
    assert 'class="num">fewer than 5</td>' in page
    public_type = find_question(shown, "local-governments", "institution_type")
    hidden = next(o for o in public_type["options"] if o["key"] == small_option["key"])
    assert hidden["count"] is None and hidden["suppressed"]
    staff_page = admin.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    assert 'class="num">fewer than 5</td>' not in staff_page


def test_secondary_suppression_protects_a_lone_small_cell():
    from consult.outcomes.suppression import suppress_cells

    cells = [
        {"key": k, "count": n, "share": n / 30} for k, n in zip("abc", (20, 7, 3), strict=True)
    ]
    suppress_cells(cells, 5, exclusive=True)
    assert [c["count"] for c in cells] == [20, None, None]
    choices = [{"key": k, "count": n, "share": 0.1} for k, n in zip("ab", (20, 3), strict=True)]
    suppress_cells(choices, 5, exclusive=False)
    assert [c["count"] for c in choices] == [20, None]


# -- the quotes bank and the deck -----


def test_starred_answers_become_the_deck_quotes(demo_app, login):
    client = login(demo_app.test_client(), "analyst")
    page = client.get(
        "/staff/outcomes/quotes?questionnaire=local-governments&question=final_priority"
    )
    html = page.get_data(as_text=True)
    response_ids = re.findall(r'name="response_id" value="(\d+)"', html)[:4]
    token = csrf_token(html)
    for response_id in response_ids:
        reply = client.post(
            "/staff/outcomes/quotes",
            data={"csrf_token": token, "response_id": response_id, "question": "final_priority"},
        )
        assert reply.status_code == 302
    names = client.post(
        "/staff/outcomes/quotes",
        data={"csrf_token": token, "response_id": response_ids[0], "question": "institution_name"},
    )
    assert names.status_code == 302
    with demo_app.app_context():
        from consult.outcomes.models import OutcomeQuote

        quotes = db.session.scalars(select(OutcomeQuote)).all()
        assert len(quotes) == 4 and {q.question_key for q in quotes} == {"final_priority"}
        chosen_id, chosen_text = quotes[3].id, quotes[3].text
    client.post(
        f"/staff/outcomes/quotes/{chosen_id}/deck", data={"csrf_token": token, "position": "1"}
    )
    assert freeze(client).status_code == 302
    deck = client.get("/staff/outcomes/1/deck").get_data(as_text=True)
    quoted = re.findall(r"<blockquote[^>]*>“(.*?)”</blockquote>", deck, re.S)
    assert len(quoted) == 3
    import html as html_module

    assert html_module.unescape(quoted[0]).startswith(chosen_text[:40])


def test_the_deck_shows_the_data_time_in_the_chosen_zone_and_language(demo_app, login):
    client = login(demo_app.test_client(), "analyst")
    assert freeze(client, "Séance", as_of="2022-02-22T18:00").status_code == 302
    english = client.get("/staff/outcomes/1/deck?lang=en").get_data(as_text=True)
    assert "Data as of 22 February 2022, 18:00 CET" in english
    french = client.get("/staff/outcomes/1/deck?lang=fr").get_data(as_text=True)
    assert "22 février 2022, 18:00 CET" in french and 'lang="fr"' in french
    spanish = client.get("/staff/outcomes/1/deck?lang=es").get_data(as_text=True)
    assert "Datos al 22 de febrero de 2022, 18:00 CET" in spanish
    assert "Principales conclusiones" in spanish and "Prochaines étapes" in french
    for html in (english, french, spanish):
        assert "<script>" not in html and " style=" not in html
        assert html.count('role="img"') >= 2


# -- the command line -----


def test_outcomes_json_has_the_documented_shape(demo_app, tmp_path):
    out = tmp_path / "outcomes.json"
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["outcomes", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    with demo_app.app_context():
        live = submitted(demo_app)
    assert sum(q["responses"] for q in written["questionnaires"]) == live
    by_key = {q["key"]: q for q in written["questionnaires"]}
    assert set(by_key) == {"local-governments", "partners"}
    for questionnaire in written["questionnaires"]:
        for question in questionnaire["questions"]:
            assert {"key", "type", "answered"} <= set(question)
            if question["type"] in ("single_choice", "multiple_choice", "yes_no", "region"):
                assert all(isinstance(n, int) for n in question["counts"].values())
            if question["type"] == "matrix":
                for row in question["rows"].values():
                    assert set(row) >= {"answered", "counts"}
                    assert sum(row["counts"].values()) == row["answered"]
    relevance = next(
        q for q in by_key["local-governments"]["questions"] if q["key"] == "article_relevance"
    )
    assert set(relevance["rows"]) == {f"art{n:02d}" for n in range(1, 13)}

    with demo_app.app_context(), writing():
        sources = data.SummarySources(
            current_questionnaires(), Path(demo_app.config["QUESTIONNAIRES_PATH"])
        )
        operations.freeze(db.session, sources, label="CLI", timezone="UTC", actor="cli@test")
        db.commit()
    fill_demo(demo_app, 5, seed=17)
    frozen_out = tmp_path / "frozen.json"
    result = runner.invoke(
        args=["outcomes", "--format", "json", "--snapshot", "1", "--out", str(frozen_out)]
    )
    assert result.exit_code == 0, result.output
    frozen = json.loads(frozen_out.read_text())
    assert sum(q["responses"] for q in frozen["questionnaires"]) == live
    # the figure printed is what the file holds: the snapshot's, not today's responses
    assert f"the summary of {live} submitted responses (snapshot 1, frozen)" in result.output
    assert frozen["snapshot"]["label"] == "CLI"
    page = tmp_path / "outcomes.html"
    result = runner.invoke(
        args=["outcomes", "--format", "html", "--out", str(page), "--lang", "es"]
    )
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert html.startswith("<!doctype html>") and 'lang="es"' in html and "<svg" in html
    # A file opened from disk has no site: without the platform's address, no article link
    assert 'href="/charter' not in html
    result = runner.invoke(
        args=[
            "outcomes",
            "--format",
            "html",
            "--out",
            str(page),
            "--base-url",
            "https://consult.example.org/cisdp/",
        ]
    )
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert 'href="https://consult.example.org/cisdp/charter/' in html
    assert 'href="/charter' not in html
    refused = runner.invoke(
        args=["outcomes", "--format", "html", "--out", str(page), "--base-url", "javascript:x"]
    )
    assert refused.exit_code != 0 and "--base-url" in refused.output
    assert runner.invoke(args=["outcomes", "--snapshot", "99", "--out", str(page)]).exit_code != 0


def test_demo_data_respects_conditions_and_can_be_removed(app, runner):
    result = runner.invoke(args=["demo", "--responses", "60", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "made 60 submitted demo responses" in result.output
    from consult.questionnaires.answers import missing_required, prune_hidden
    from consult.questionnaires.operations import stored_answers

    with app.app_context():
        questionnaires = current_questionnaires()
        responses = db.session.scalars(select(Response)).all()
        assert len([r for r in responses if r.status == "submitted"]) == 60
        assert any(r.status == "draft" for r in responses)
        assert {r.language for r in responses} == {"en", "fr", "es"}
        assert {r.questionnaire_key for r in responses} == set(questionnaires)
        assert all(r.is_demo for r in responses)
        for response in responses:
            questionnaire = questionnaires[response.questionnaire_key]
            answers = stored_answers(db.session, response)
            assert prune_hidden(questionnaire, answers) == answers, response.id
            if response.status == "submitted":
                assert not missing_required(questionnaire, questionnaire.questions, answers), (
                    response.id
                )
    more = runner.invoke(args=["demo", "--responses", "700", "--seed", "5"])
    assert more.exit_code == 0, more.output
    with app.app_context():
        regions = set(db.session.scalars(select(Response.region)).all())
    assert regions >= {
        "africa",
        "asia_pacific",
        "eurasia",
        "europe",
        "latin_america",
        "mewa",
        "north_america",
    }
    removed = runner.invoke(args=["demo", "--remove"])
    assert removed.exit_code == 0 and "removed" in removed.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0


def test_real_responses_survive_demo_removal(app, respondent, runner):
    from tests.questionnaires.test_respond import fill_required

    respondent.start()
    fill_required(respondent)
    respondent.submit()
    runner.invoke(args=["demo", "--responses", "10"])
    runner.invoke(args=["demo", "--remove"])
    with app.app_context():
        left = db.session.execute(select(Response.id, Response.is_demo)).all()
    assert len(left) == 1 and not left[0].is_demo


def test_snapshots_refuse_a_tampered_id_list(demo_app):
    with demo_app.app_context(), writing():
        sources = data.SummarySources(
            current_questionnaires(), Path(demo_app.config["QUESTIONNAIRES_PATH"])
        )
        snapshot = operations.freeze(db.session, sources, label="x", timezone="UTC", actor="t@x")
        db.commit()
        # Tampering below the ORM (which refuses any change) is caught by the checksum.
        db.session.execute(
            update(OutcomeSnapshot.__table__).values(
                response_ids=response_ids.encode_ids([1, 2, 3])
            )
        )
        db.commit()
        db.session.expire_all()
        with pytest.raises(operations.OutcomesError):
            operations.snapshot_ids(db.session.get(OutcomeSnapshot, snapshot.id))


@pytest.mark.parametrize(
    ("questionnaire", "question", "listed"),
    [
        ("local-governments", "final_priority", True),  # long text
        # a short text whose answers name the charter, hence the institution: identifying
        ("local-governments", "local_charter_name", False),
        ("local-governments", "institution_name", False),  # a name: identifying
        ("partners", "organisation_name", False),  # a name: identifying
        ("local-governments", "country", False),  # a choice, not words
        ("local-governments", "article_relevance", False),  # a matrix
        ("local-governments", "hr_elements", False),  # multiple choice
        ("local-governments", "hr_staff_number", False),  # a number
        ("local-governments", "no_such_question", False),
        ("partners", "final_priority", False),  # another questionnaire's question
    ],
)
def test_the_quotes_bank_lists_and_stars_only_what_it_promises(
    demo_app, login, questionnaire, question, listed
):
    """The page promises free-text answers only, never names: the URL cannot ask for more."""
    client = login(demo_app.test_client(), "analyst")
    page = client.get(f"/staff/outcomes/quotes?questionnaire={questionnaire}&question={question}")
    assert page.status_code == (200 if listed else 404)
    with demo_app.app_context():
        response_id = db.session.scalar(
            select(Response.id).where(
                Response.status == "submitted", Response.questionnaire_key == questionnaire
            )
        )
    token = csrf_token(client.get("/staff/outcomes/quotes").get_data(as_text=True))
    client.post(
        "/staff/outcomes/quotes",
        data={"csrf_token": token, "response_id": str(response_id), "question": question},
    )
    with demo_app.app_context():
        from consult.outcomes.models import OutcomeQuote

        starred = db.session.scalars(select(OutcomeQuote.question_key)).all()
    if not listed:
        assert starred == []
