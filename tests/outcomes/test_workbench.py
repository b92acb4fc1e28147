"""The analyst's workbench: filters on any closed answer (combined, and frozen as a snapshot of
their own), cross-tabulation with public suppression, chart and table downloads from the page,
and the participation dashboard linked from the workspace home."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import func, select

from consult.db import db
from consult.outcomes import operations
from consult.outcomes.crosstab import crosstab, public_crosstab
from consult.outcomes.models import OutcomeSnapshot
from consult.questionnaires.models import Response
from tests.conftest import csrf_token, publication_version
from tests.outcomes import independent
from tests.outcomes.conftest import fill_demo


@pytest.fixture
def workbench(app, login):
    fill_demo(app, 150, seed=21)
    with app.app_context(), db.engine.connect() as connection:
        rows = [r for r in independent.wide_table(connection) if r.status == "submitted"]
    return app, login(app.test_client(), "analyst"), rows


def _gave(row, question, option) -> bool:
    given = row.answers.get(question, {})
    return given.get("") == option or given.get(option) == "1"


def _responses(page: str) -> int:
    return sum(
        int(n.replace(",", ""))
        for n in re.findall(r'<a href="#qn-[^"]+">[^<]+</a> \(([\d,]+)\)', page)
    )


def test_filter_by_any_closed_answer_and_combine_filters(workbench):
    app, client, rows = workbench
    cases = [
        (["local-governments:charter_2011_adopted:yes"], {}),
        (["local-governments:charter_2011_adopted:yes", "barriers:insufficient_funding"], {}),
        (["knows_charter:no"], {"region": "europe"}),
        (
            ["barriers:insufficient_funding", "barriers:political_will"],
            {"questionnaire": "local-governments"},
        ),
    ]
    for conditions, extra in cases:
        query = "&".join(
            [*(f"answer={c}" for c in conditions), *(f"{k}={v}" for k, v in extra.items())]
        )
        page = client.get(f"/staff/outcomes/?{query}").get_data(as_text=True)
        expected = [
            r
            for r in rows
            if all(_gave(r, *c.split(":")[-2:]) for c in conditions)
            and all(getattr(r, k) == v for k, v in extra.items())
        ]
        assert _responses(page) == len(expected), (conditions, extra)
        assert "Filtered view:" in page
        for condition in conditions:  # older links' bare keys now name their questionnaire
            question, option = condition.split(":")[-2:]
            assert re.search(f'name="answer" value="[a-z-]+:{question}:{option}"', page)
    # An unknown question or option is ignored, never an error.
    assert client.get("/staff/outcomes/?answer=nope:yes&answer=x").status_code == 200


def test_a_filtered_view_is_frozen_as_a_snapshot_of_its_own(workbench):
    app, client, rows = workbench
    page = client.get("/staff/outcomes/?answer=charter_2011_adopted:yes").get_data(as_text=True)
    link = re.search(r'href="(/staff/outcomes/snapshots\?[^"]+)"', page).group(1)
    form_page = client.get(html.unescape(link)).get_data(as_text=True)
    assert "This snapshot will cover a filtered view" in form_page
    fields = dict(re.findall(r'<input type="hidden" name="(answer)" value="([^"]+)"', form_page))
    assert fields == {"answer": "local-governments:charter_2011_adopted:yes"}
    reply = client.post(
        "/staff/outcomes/snapshots",
        data={
            "csrf_token": csrf_token(form_page),
            "label": "Adopted the Charter",
            "cutoff": "now",
            "timezone": "UTC",
            "step": "confirm",
            **fields,
        },
    )
    assert reply.status_code == 302
    expected = {r.response_id for r in rows if _gave(r, "charter_2011_adopted", "yes")}
    with app.app_context():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        assert set(operations.snapshot_ids(snapshot)) == expected
        summary = operations.snapshot_summary(snapshot)
    assert summary["filters"]["answers"] == ["local-governments:charter_2011_adopted:yes"]
    assert summary["contributions"] is None  # contributions answer no question
    snapshot_page = client.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    assert "No change since the freeze." in snapshot_page
    assert "2011" in snapshot_page


def test_cross_tabulation_counts_and_percentages(workbench):
    app, client, rows = workbench
    page = client.get(
        "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers"
    ).get_data(as_text=True)
    assert "Row percentages" in page and "Column percentages" in page
    both = [r for r in rows if "charter_2011_adopted" in r.answers and "barriers" in r.answers]
    assert f"{len(both)} respondents answered both questions." in page
    csv_text = client.get(
        "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=local-governments:barriers&format=csv"
    ).get_data(as_text=True)
    # A real CSV reader: the one spreadsheet writer quotes every text cell.
    table = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    header = table[0]
    yes_row = next(line for line in table[1:] if line[0] == "Yes")
    funding = next(i for i, h in enumerate(header) if "funding" in h.lower())
    expected = sum(
        1
        for r in both
        if _gave(r, "charter_2011_adopted", "yes") and _gave(r, "barriers", "insufficient_funding")
    )
    assert int(yes_row[funding]) == expected
    refused = client.get("/staff/outcomes/crosstab?rows=barriers&columns=barriers")
    assert refused.status_code == 400


def _frame(pairs):
    return pd.DataFrame(
        [(rid, q, "", v) for rid, q, v in pairs],
        columns=["response_id", "question_key", "part_key", "value"],
    )


def test_public_cross_tabulation_hides_small_cells_and_what_would_reveal_them():
    # 3 x 2: row "b" has a lone small cell that its total would give away.
    people = (
        [("a", "x")] * 12
        + [("a", "y")] * 9
        + [("b", "x")] * 2
        + [("b", "y")] * 20
        + [("c", "x")] * 8
        + [("c", "y")] * 7
    )
    pairs = []
    for number, (left, right) in enumerate(people):
        pairs += [(number, "q1", left), (number, "q2", right)]
    table = crosstab(_frame(pairs), ("q1", ["a", "b", "c"]), ("q2", ["x", "y"]))
    assert table["counts"] == [[12, 9], [2, 20], [8, 7]]
    assert table["row_shares"][1] == [2 / 22, 20 / 22]
    shown = public_crosstab(table, 5)
    counts = shown["counts"]
    assert counts[1][0] is None  # the small cell
    assert counts[1][1] is None  # its row partner, else 22 - 20 gives it away
    # Column "x" now has one hidden cell too: another is hidden there.
    assert sum(1 for line in counts if line[0] is None) >= 2
    for i, line in enumerate(counts):
        assert sum(1 for n in line if n is None) != 1 or shown["row_totals"][i] is None
    for j in range(2):
        column = [line[j] for line in counts]
        assert sum(1 for n in column if n is None) != 1 or shown["column_totals"][j] is None
    assert shown["row_totals"] == [21, 22, 15] and shown["total"] == 58


def test_every_chart_and_table_downloads_from_the_page(workbench):
    app, client, _rows = workbench
    page = client.get("/staff/outcomes/?questionnaire=local-governments").get_data(as_text=True)
    links = sorted(set(re.findall(r'href="(/staff/outcomes/figure\.[a-z]+\?[^"]+)"', page)))
    assert len(links) > 40
    kinds = Counter(link.split("?")[0].rsplit(".", 1)[1] for link in links)
    assert set(kinds) == {"svg", "png", "csv", "xlsx"}
    checked = Counter()
    for link in links:
        fmt = link.split("?")[0].rsplit(".", 1)[1]
        if checked[fmt] >= 12:
            continue
        checked[fmt] += 1
        reply = client.get(html.unescape(link))
        assert reply.status_code == 200, link
        body = reply.get_data()
        if fmt == "svg":
            text = body.decode()
            assert text.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in text
            assert re.search(r'<svg [^>]*height="\d+"', text) and text.endswith("</svg>")
        elif fmt == "png":
            assert body.startswith(b"\x89PNG")
        elif fmt == "csv":
            assert body.decode("utf-8-sig").count("\n") >= 2
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(body)).active
            assert sheet.max_row >= 2
    assert (
        client.get("/staff/outcomes/figure.svg?name=question:nope&of=partners").status_code == 404
    )
    assert client.get("/staff/outcomes/figure.gif?name=articles").status_code == 404


def test_the_dashboard_counts_every_respondent_and_is_linked_from_home(workbench):
    app, client, rows = workbench
    home = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/outcomes/dashboard"' in home
    page = html.unescape(client.get("/staff/outcomes/dashboard").get_data(as_text=True))
    with app.app_context():
        total = db.session.scalar(
            select(func.count(Response.id)).where(Response.status == "submitted")
        )
        invited = db.session.scalar(
            select(func.count(Response.id)).where(
                Response.status == "submitted", Response.invitation_id.is_not(None)
            )
        )
    assert invited < total  # demo data has respondents who came without an invitation
    assert f"<dt>Submitted responses</dt><dd>{total}</dd>" in page
    countries = len({r.country for r in rows if r.country})
    assert f"<dt>Countries</dt><dd>{countries}</dd>" in page
    assert "Responses by country, both questionnaires" in page and "Responses over time" in page


def test_publishing_can_be_delegated_to_a_named_analyst_and_is_logged(app, login):
    fill_demo(app, 20)
    admin = login(app.test_client(), "admin")
    analyst = login(app.test_client(), "analyst")
    other = login(app.test_client(), "analyst")
    page = analyst.get("/staff/outcomes/snapshots").get_data(as_text=True)
    token = csrf_token(page)
    form = {"csrf_token": token, "label": "Session", "timezone": "UTC", "step": "confirm"}
    assert analyst.post("/staff/outcomes/snapshots", data=form).status_code == 302
    publish = {"csrf_token": token, "confirm": "yes", **publication_version(app)}
    assert analyst.post("/staff/outcomes/snapshots/1/publish", data=publish).status_code == 403
    assert "Publish at /outcomes" not in analyst.get("/staff/outcomes/snapshots/1").get_data(
        as_text=True
    )
    with app.app_context():
        from consult.staff.models import AuditEntry, User

        named = db.session.scalar(select(User).where(User.email.like(f"analyst-{id(analyst)}%")))
        named_id, named_email = named.id, named.email
    admin_page = admin.get("/staff/outcomes/snapshots").get_data(as_text=True)
    assert "Who may publish" in admin_page and named_email in admin_page
    grant = {"csrf_token": csrf_token(admin_page), "user_id": named_id, "grant": "yes"}
    # Only an administrator delegates.
    own_token = {**grant, "csrf_token": token}
    assert analyst.post("/staff/outcomes/publishers", data=own_token).status_code == 403
    assert admin.post("/staff/outcomes/publishers", data=grant).status_code == 302
    page = analyst.get("/staff/outcomes/snapshots/1").get_data(as_text=True)
    assert "Publish at /outcomes" in page
    assert analyst.post("/staff/outcomes/snapshots/1/publish", data=publish).status_code == 302
    assert "First outcomes of the consultation" in app.test_client().get("/outcomes").get_data(
        as_text=True
    )
    # Another analyst still may not withdraw it.
    other_token = csrf_token(other.get("/staff/outcomes/snapshots").get_data(as_text=True))
    withdraw = other.post("/staff/outcomes/publication/withdraw", data={"csrf_token": other_token})
    assert withdraw.status_code == 403
    assert (
        analyst.post(
            "/staff/outcomes/publication/withdraw",
            data={"csrf_token": token, "confirm_removal": "yes", **publication_version(app)},
        ).status_code
        == 302
    )
    revoke = {**grant, "grant": "no"}
    assert admin.post("/staff/outcomes/publishers", data=revoke).status_code == 302
    assert analyst.post("/staff/outcomes/snapshots/1/publish", data=publish).status_code == 403
    with app.app_context():
        actions = [
            (entry.action, entry.actor_email)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if entry.action.startswith("outcomes.")
        ]
    assert ("outcomes.publisher_granted", admin_email(app, admin)) in actions
    assert ("outcomes.publish", named_email) in actions
    assert ("outcomes.unpublish", named_email) in actions
    assert ("outcomes.publisher_revoked", admin_email(app, admin)) in actions


def admin_email(app, client) -> str:
    return f"admin-{id(client)}@cisdp.test"


@pytest.mark.parametrize(
    ("counts", "pinned_free"),
    [
        # Row "b" of 3 is hidden with its cells; the grand total less the other rows gives it.
        ([[12, 9], [1, 2], [8, 7]], True),
        # Two small cells in one row and one column: each line has two hidden, yet a lone
        # small cell of a column whose other hidden cell is pinned by its row.
        ([[12, 2, 9], [3, 20, 8], [8, 7, 6]], True),
        ([[30, 12], [15, 20]], True),
    ],
)
def test_no_small_cell_or_total_of_a_public_crosstab_can_be_solved_for(counts, pinned_free):
    """Every hidden cell and total is solved for from the rows, the columns and the grand
    total, together (consult.outcomes.disclosure); none below the threshold may be pinned."""
    shown, truth = _published_table(counts)
    pinned = {c for c in _solved(shown, truth) if 0 < truth[c] < 5}
    assert (not pinned) is pinned_free, (shown, pinned)
    assert all(n is None or not 0 < n < 5 for line in shown["counts"] for n in line), shown[
        "counts"
    ]


def _published_table(counts, published=None) -> tuple[dict, dict]:
    """A crosstab of ``counts`` (rows q1: a, b...; columns q2: x, y...) as it could be
    published, and the truth of its every cell and total, keyed as _solved keys them."""
    rows = [sum(line) for line in counts]
    columns = [sum(c) for c in zip(*counts, strict=True)]
    table = {
        "rows": {"question": "q1", "options": [chr(97 + i) for i in range(len(rows))]},
        "columns": {"question": "q2", "options": [chr(120 + j) for j in range(len(columns))]},
        "counts": counts,
        "row_totals": rows,
        "column_totals": columns,
        "total": sum(rows),
    }
    truth = {(i, j): n for i, line in enumerate(counts) for j, n in enumerate(line)}
    truth.update({("r", i): n for i, n in enumerate(rows)})
    truth.update({("c", j): n for j, n in enumerate(columns)})
    return public_crosstab(table, 5, published), truth


def _solved(shown: dict, truth: dict) -> set:
    """The hidden cells and totals a reader can work out from the rows, the columns and the
    grand total, together (consult.outcomes.disclosure)."""
    from consult.outcomes import disclosure

    everyone = sum(n for (kind, _i), n in truth.items() if kind == "r")
    unknown, facts = {}, []
    for i, line in enumerate(shown["counts"]):
        for j, n in enumerate(line):
            if n is None:
                unknown[(i, j)] = (1, everyone)
    for i, line in enumerate(shown["counts"]):
        cells = {(i, j): 1 for j, n in enumerate(line) if n is None}
        rest = sum(n or 0 for n in line)
        if shown["row_totals"][i] is None:
            unknown[("r", i)] = (1, everyone)
            facts.append(disclosure.equal({**cells, ("r", i): -1}, -rest))
        else:
            facts.append(disclosure.equal(cells, shown["row_totals"][i] - rest))
    for j in range(len(shown["column_totals"])):
        column = [line[j] for line in shown["counts"]]
        cells = {(i, j): 1 for i, n in enumerate(column) if n is None}
        rest = sum(n or 0 for n in column)
        if shown["column_totals"][j] is None:
            unknown[("c", j)] = (1, everyone)
            facts.append(disclosure.equal({**cells, ("c", j): -1}, -rest))
        else:
            facts.append(disclosure.equal(cells, shown["column_totals"][j] - rest))
    hidden_rows = {("r", i): 1 for i, n in enumerate(shown["row_totals"]) if n is None}
    facts.append(disclosure.equal(hidden_rows, everyone - sum(n or 0 for n in shown["row_totals"])))
    return set(disclosure.determined(unknown, facts))


HIDDEN_A = {"q1": {"options": [{"key": "a", "suppressed": True}]}}


@pytest.mark.parametrize(
    ("counts", "published", "hidden"),
    [
        # nothing hidden on the public page: nothing hidden here
        ([[12, 9], [20, 15]], {"q1": {"options": []}}, set()),
        # answer "a" hidden on the public page (beside a small one there): its total here is
        # hidden and cannot be worked out from the grand total and "b"'s, nor from its cells
        ([[12, 9], [20, 15]], HIDDEN_A, {("r", 0)}),
        ([[12, 9, 7], [20, 15, 6], [8, 8, 9]], HIDDEN_A, {("r", 0)}),
    ],
)
def test_a_public_crosstab_hides_what_the_public_page_hides(counts, published, hidden):
    shown, truth = _published_table(counts, published)
    for kind, i in hidden:
        totals = shown["row_totals"] if kind == "r" else shown["column_totals"]
        assert totals[i] is None
    assert not hidden & _solved(shown, truth), shown
    if not hidden:
        assert shown["row_totals"] == [sum(line) for line in counts]


@pytest.mark.parametrize("withheld", ["q1", "q2"])
def test_a_public_crosstab_of_a_question_the_public_page_withholds_prints_nothing(withheld):
    # e.g. a follow-up asked only after an answer whose count is hidden: the table's total,
    # those who answered both, is that count
    shown, _truth = _published_table([[12, 9], [20, 15]], {withheld: {"suppressed": True}})
    assert shown["withheld"] is True
    figures = [shown["total"], *shown["row_totals"], *shown["column_totals"]]
    figures += [n for line in shown["counts"] + shown["row_shares"] for n in line]
    assert all(n is None for n in figures)


@pytest.mark.parametrize("fmt", [None, "csv", "xlsx"])
def test_every_public_crosstab_route_reads_the_public_page(workbench, monkeypatch, fmt):
    """The page and both downloads take the public page's hidden answers into account."""
    from consult.outcomes import workbench_tools

    app, client, _rows = workbench
    seen = []

    def published(public):
        seen.append(public["suppressed_below"])
        return {"local-governments:charter_2011_use": {"suppressed": True}}

    monkeypatch.setattr(workbench_tools, "published_questions", published)
    url = "/staff/outcomes/crosstab?rows=charter_2011_adopted&columns=charter_2011_use&public=1"
    reply = client.get(url + (f"&format={fmt}" if fmt else ""))
    assert reply.status_code == 200 and seen == [5]
    if fmt is None:
        page = reply.get_data(as_text=True)
        assert "the public outcomes withhold the figures of one of these questions" in page
        assert "Row percentages" not in page
    elif fmt == "csv":
        text = reply.get_data(as_text=True)
        assert "the public outcomes withhold" in text
        assert not re.search(r",\d", text), text
