"""The campaign in public: only verified pledges are counted or shown, filters work without
JavaScript, every institution page is in the page's language, and the export re-derives every
figure."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from consult.campaign import movement
from consult.campaign.export import CHOSEN_PREFIX, STATUS_PREFIX, TEXT_PREFIX
from consult.campaign.models import OWN_COMMITMENT_KEY
from consult.db import db
from tests.campaign.movement_data import OPTIONS, PLEDGES, add_movement

VERIFIED_NAMES = [p[0] for p in PLEDGES if p[5] is not None]
HIDDEN_NAMES = [p[0] for p in PLEDGES if p[5] is None]


@pytest.fixture
def movement_app(app):
    with app.app_context():
        pledges = add_movement(db.session)
        db.session.commit()
        app.config["MOVEMENT_IDS"] = {name: pledge.id for name, pledge in pledges.items()}
    return app


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_page_counts_and_shows_only_verified_pledges(movement_app, client, language):
    html = _page(client, f"/campaign?lang={language}")
    for name in VERIFIED_NAMES:
        assert name in html
    for name in HIDDEN_NAMES:
        assert name not in html
    assert f'<span class="big-number">{len(VERIFIED_NAMES)}</span>' in html
    assert 'max="10" value="7"' in html  # towards the first milestone
    # Every verified country is a link on the map (and in the table beside it).
    for code in ("ES", "FR", "KR", "MX", "NL", "AT", "RE"):
        assert f"country={code}#signatories" in html
    assert "country=SN#" not in html and "country=CA#" not in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Where the movement stands", "Not reached yet", "Adopt or update a local"]),
        ("fr", ["Où en est le mouvement", "Pas encore atteint", "Adopter ou actualiser"]),
        ("es", ["En qué punto está el movimiento", "Aún no alcanzado", "Adoptar o actualizar"]),
    ],
)
def test_the_page_speaks_the_page_language(movement_app, client, language, words):
    html = _page(client, f"/campaign?lang={language}")
    for word in words:
        assert word in html


def test_milestones_show_the_day_they_were_reached(app, client):
    from tests.campaign.movement_data import add_movement as add

    with app.app_context():
        pledges = add(db.session)
        # Three more verified institutions: the 10th joins on 3 May 2022.
        for day, name in enumerate(("Draft Town", "Ville de Dakar", "Montréal"), start=1):
            pledges[name].status = "verified"
            pledges[name].joined_on = date(2022, 5, day)
        db.session.commit()
    html = _page(client, "/campaign?lang=en")
    assert "Reached on 3 May 2022" in html
    assert html.count("Not reached yet") == 2
    html = _page(client, "/campaign?lang=fr")
    assert "Atteint le 3 mai 2022" in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("region=europe", ["Barcelona", "Grigny", "Utrecht", "Vienna"], ["Gwangju", "Mexico"]),
        ("level=metropolis", ["Barcelona", "Gwangju", "Vienna"], ["Grigny", "Utrecht"]),
        ("region=europe&level=municipality", ["Grigny", "Utrecht"], ["Barcelona", "Vienna"]),
        ("country=KR", ["Gwangju"], ["Barcelona", "Grigny"]),
        ("region=africa", ["Saint-Denis de La Réunion"], ["Barcelona", "Ville de Dakar"]),
    ],
)
def test_filters_work_as_a_plain_get_form(movement_app, client, query, shown, hidden):
    html = _page(client, f"/campaign?lang=en&{query}")
    table = html.split('id="signatories"', 1)[1]
    for name in shown:
        assert name in table
    for name in hidden:
        assert name not in table


@pytest.mark.parametrize("query", ["region=mars", "level=galaxy", "country=ZZ", "country=fr"])
def test_unknown_filter_values_are_a_400_not_a_500(movement_app, client, query):
    assert client.get(f"/campaign?{query}").status_code == 400


def test_an_institution_page_in_the_page_language(movement_app, client):
    grigny = movement_app.config["MOVEMENT_IDS"]["Grigny"]
    html = _page(client, f"/campaign/signatories/{grigny}?lang=es")
    assert "Grigny" in html and "Pionera" in html
    assert OPTIONS["local_charter"][2] in html
    assert OPTIONS["peer_exchange"][2] in html
    # Its own words and its report stay in its own language, and say so.
    assert '<span lang="fr">Ouvrir une maison des droits</span>' in html
    assert '<span lang="fr">Charte votée en conseil municipal</span>' in html
    assert "Ancien rapport" not in html  # only the latest year is shown
    assert "Último informe de avance: 2023" in html and "En curso" in html
    assert "Sin informe" in html  # a commitment the report leaves out says so
    assert "contact@" not in html and "Contact Grigny" not in html


def test_the_call_to_action_opens_the_join_form(app, client, monkeypatch):
    """The join form is the campaign's other part: linked wherever its endpoint exists."""
    html = client.get("/campaign?lang=en").text
    assert '<a class="button primary" href="/campaign/join">Join the campaign</a>' in html
    from consult.campaign import public_views

    monkeypatch.setattr(public_views, "JOIN_ENDPOINT", "nowhere.join")
    assert "Join the campaign" not in client.get("/campaign?lang=en").text


@pytest.mark.parametrize("name", HIDDEN_NAMES)
def test_unverified_institution_pages_do_not_exist(movement_app, client, name):
    pledge_id = movement_app.config["MOVEMENT_IDS"][name]
    assert client.get(f"/campaign/signatories/{pledge_id}").status_code == 404


def test_an_empty_campaign_says_so(app, client):
    html = _page(client, "/campaign?lang=en")
    assert '<span class="big-number">0</span>' in html
    assert "No institution has been verified yet" in html


# -- the export, and every figure re-derived from it ---------------------------------------------


def _export(runner, tmp_path, fmt, *extra):
    out = tmp_path / f"campaign.{fmt}"
    result = runner.invoke(args=["export", "campaign", "--format", fmt, "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def _records_from_csv(path):
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    keys = [c[len(CHOSEN_PREFIX) :] for c in rows[0] if c.startswith(CHOSEN_PREFIX)] if rows else []
    records = []
    for row in rows:
        every = [*keys, OWN_COMMITMENT_KEY]
        records.append(
            movement.Signatory(
                pledge_id=int(row["pledge_id"]),
                institution_name=row["institution_name"],
                level=row["level"],
                country=row["country"],
                region=row["region"],
                population_band=row["population_band"] or None,
                joined_on=date.fromisoformat(row["joined_on"]),
                is_pioneer=row["is_pioneer"] == "1",
                commitments=tuple(k for k in keys if row[CHOSEN_PREFIX + k] == "1"),
                own_commitment=row["own_commitment"],
                progress_year=int(row["progress_year"]) if row["progress_year"] else None,
                progress={
                    k: (row[STATUS_PREFIX + k], row[TEXT_PREFIX + k])
                    for k in every
                    if row[STATUS_PREFIX + k]
                },
            )
        )
    return records, keys


def test_the_export_holds_only_verified_pledges_and_no_contact_data(movement_app, runner, tmp_path):
    out = _export(runner, tmp_path, "csv")
    text = out.read_text(encoding="utf-8-sig")
    for name in VERIFIED_NAMES:
        assert name in text
    for name in HIDDEN_NAMES:
        assert name not in text
    assert "contact" not in text.casefold()
    codebook = out.with_name("campaign.codebook.csv").read_text(encoding="utf-8-sig")
    assert OPTIONS["local_charter"][2] in codebook
    assert "Moyen-Orient et Asie de l'Ouest" in codebook
    personal = _export(runner, tmp_path, "json", "--with-personal-data")
    rows = json.loads(personal.read_text(encoding="utf-8"))["rows"]
    assert {row["contact_email"] for row in rows} >= {"contact@grigny.example.org"}


def test_every_public_figure_is_rederived_from_the_export(movement_app, client, runner, tmp_path):
    """The page's counter, milestones, map and commitments equal those recomputed from the CSV."""
    from consult.campaign.figures import verified_pledges

    records, keys = _records_from_csv(_export(runner, tmp_path, "csv"))
    rederived = movement.figures(records, keys)
    with movement_app.app_context():
        from consult.campaign.public_views import commitment_labels

        with movement_app.test_request_context("/campaign"):
            keys = list(commitment_labels("en"))
        live = movement.figures([movement.signatory(p) for p in verified_pledges(db.session)], keys)
    assert rederived == live
    assert rederived["total"] == 7 and rederived["pioneers"] == 6
    assert rederived["commitments"]["local_charter"] == 5
    assert rederived["by_country"]["RE"] == 1
    # ...and those figures are the ones the page prints.
    html = _page(client, "/campaign?lang=en")
    assert f'<span class="big-number">{rederived["total"]}</span>' in html
    for code, count in rederived["by_country"].items():
        assert f"country={code}#signatories" in html
        assert f": {count} signator" in html
    html = _page(client, "/campaign?lang=en&region=europe")
    europe = movement.figures(movement.select(records, movement.Filters(region="europe")))
    assert f"{europe['total']} signatories match these filters" in html


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_the_other_formats_hold_the_same_rows(movement_app, runner, tmp_path, fmt):
    out = _export(runner, tmp_path, fmt)
    if fmt == "json":
        rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
        assert sorted(r["institution_name"] for r in rows) == sorted(VERIFIED_NAMES)
    else:
        from openpyxl import load_workbook

        workbook = load_workbook(out, read_only=True)
        names = [row[1] for row in workbook["signatories"].iter_rows(min_row=2, values_only=True)]
        workbook.close()
        assert sorted(names) == sorted(VERIFIED_NAMES)
