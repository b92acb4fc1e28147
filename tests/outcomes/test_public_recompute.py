"""The public outcomes page, the Charter article pages and their downloads against the database.

A dataset with small cells is frozen and published; every figure the public pages print is then
read out of the HTML and compared with a count made independently: plain SQL over the tables
(tests/outcomes/independent.py), never the app's summary code. Every small count must be hidden,
no hidden cell may be recoverable by subtraction, and every public download must hold exactly
what the page shows, and the analyst's CSV export of the responses must give the same figures.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from consult.db import db, writing
from consult.geography import region_map
from consult.outcomes import demo, demo_contributions
from consult.questionnaires.registry import current_questionnaires
from tests.outcomes import independent, recompute_checks
from tests.outcomes.conftest import fill_demo
from tests.outcomes.page_figures import (
    DASH,
    HIDDEN,
    SMALL,
    WITHHELD,
    Cell,
    check_distribution,
    column_keys,
    keyed_rows,
    parse,
    read_cell,
    read_number,
    read_share,
)
from tests.outcomes.test_pages import freeze, publish

THRESHOLD = 5
#: Groups under this size never print a table saying all, or all but a few, gave one answer.
GROUP_LIMIT = 2 * THRESHOLD
ARTICLES = [f"art{n:02d}" for n in range(1, 13)]
CHOICE = ("single_choice", "yes_no", "multiple_choice")


@pytest.fixture(params=[(40, 11), (9, 4)], ids=["forty-responses", "nine-responses"])
def published(request, app, login):
    """Demo responses (40: plenty of small cells; 9: a questionnaire below the threshold) and
    30 contributions, frozen and published."""
    responses, seed = request.param
    fill_demo(app, responses, seed=seed)
    with app.app_context(), writing():
        plan = demo.DemoPlan(responses=0, contributions=30, seed=5)
        for _made in demo_contributions.generate_contributions(
            db.session, region_map(app.config["QUESTIONNAIRES_PATH"]), plan
        ):
            pass
        db.commit()
    admin = login(app.test_client(), "admin")
    assert freeze(admin).status_code == 302
    assert publish(admin, 1).status_code == 302
    with app.app_context(), db.engine.connect() as connection:
        rows = [r for r in independent.wide_table(connection) if r.status == "submitted"]
        contributions = pd.read_sql(
            text(
                "SELECT id, article, part, kind, region, language, support_count "
                "FROM contributions WHERE status = 'published'"
            ),
            connection,
        )
    if responses < 20:  # the small dataset must really have a questionnaire below the threshold
        assert min(Counter(r.questionnaire for r in rows).values()) < THRESHOLD
    return app, rows, contributions


def _table(doc, xpath: str):
    found = doc.xpath(xpath)
    assert found, xpath
    return found[0]


def _distribution(table) -> dict[str, Cell]:
    """A breakdown or choice table: row key -> count and share (second and third cells)."""
    result = {}
    for key, cells in keyed_rows(table).items():
        cell = read_cell(cells[0])
        result[key] = Cell(cell.count, read_share(cells[1]))
    return result


def _truth_from(counter: dict) -> dict[str, int]:
    return {("" if k is None else str(k)): int(n) for k, n in counter.items()}


def _dominated(counts: dict[str, int], group: int) -> bool:
    """The group disclosure rule, restated: a group under the limit whose respondents outside
    its largest answer are fewer than the threshold."""
    return group < GROUP_LIMIT and group - max(counts.values(), default=0) < THRESHOLD


def check_questionnaire(doc, questionnaire, rows, problems: list[str]) -> None:
    """Participation and every closed question of one questionnaire."""
    key = questionnaire.key
    mine = [r for r in rows if r.questionnaire == key]
    part = independent.participation(key, rows)
    section = doc.xpath(f'//section[@data-questionnaire="{key}"]')
    if len(mine) < THRESHOLD:
        assert not section, f"{key}: fewer than the threshold, yet participation is shown"
        return
    section = section[0]
    for caption, name in (
        ("Responses by UCLG region", "by_region"),
        ("Responses by type of respondent", "by_respondent_type"),
        ("Responses by language", "by_language"),
        ("Responses by population", "population_band"),
    ):
        if name == "population_band" and "population_band" not in questionnaire.profile_fields:
            continue
        table = _table(section, f'.//table[caption="{caption}"]')
        problems += check_distribution(
            f"{key} {caption}",
            _distribution(table),
            _truth_from(part[name]),
            THRESHOLD,
            base=len(mine),
            exclusive=True,
        )
    # Countries: every country shown has at least the threshold, the rest are pooled.
    countries = _distribution(_table(section, './/table[caption="Responses by country"]'))
    pooled = countries.pop("_other", None)
    true_countries = _truth_from(part["by_country"])
    problems += check_distribution(
        f"{key} countries",
        countries,
        {k: n for k, n in true_countries.items() if n >= THRESHOLD},
        THRESHOLD,
        base=len(mine),
        exclusive=False,
    )
    hidden = [
        k
        for k, c in {**countries, "_other": pooled}.items()
        if c and c.count in (SMALL, HIDDEN, WITHHELD)
    ]
    if len(hidden) == 1:
        problems.append(f"{key}: {hidden[0]} is the only hidden country line (recoverable)")
    small = sum(n for n in true_countries.values() if n < THRESHOLD)
    if small and not (pooled and (pooled.count == small or pooled.count == SMALL)):
        problems.append(f"{key}: {small} responses from small countries, pooled as {pooled}")
    # The running total: true where shown, in steps of at least the threshold.
    day_table = _table(section, './/table[caption="Responses per day"]')
    per_day = Counter(r.submitted.isoformat() for r in mine)
    shown_totals = [0]
    rows = day_table.xpath("./tbody/tr")
    if rows and read_number(rows[0].xpath("./td")[-1].text_content()) == 0:
        problems.append(f"{key}: the running total starts with an empty row")
    for row in rows:
        day = row.xpath(".//time/@datetime")[0]
        running = sum(n for d, n in per_day.items() if d <= day)
        value = read_number(row.xpath("./td")[-1].text_content())
        if value != shown_totals[-1]:
            if value != running:
                problems.append(f"{key} {day}: cumulative {value}, true {running}")
            shown_totals.append(value)
    steps = [b - a for a, b in zip(shown_totals, shown_totals[1:], strict=False)]
    if any(step < THRESHOLD for step in steps):
        problems.append(f"{key}: a step of the running total is below the threshold {steps}")
    if shown_totals[-1] != len(mine):
        problems.append(f"{key}: running total ends at {shown_totals[-1]} of {len(mine)}")
    for question in questionnaire.questions:
        if question.type in CHOICE + ("matrix", "ranking"):
            check_question(doc, questionnaire, question, mine, problems)
        elif question.type == "number":
            check_histogram(doc, questionnaire, question, mine, problems)


def check_histogram(doc, questionnaire, question, mine, problems: list[str]) -> None:
    """A number question: its answers count, and intervals that add up to it."""
    where = f"{questionnaire.key}.{question.key}"
    want = independent.expected_question(questionnaire, question.key, mine)
    article = doc.xpath(f'//article[@id="q-{questionnaire.key}-{question.key}"]')[0]
    tables = article.xpath(".//table")
    if want["answered"] < THRESHOLD:
        if tables:
            problems.append(f"{where}: {want['answered']} answers, yet intervals are shown")
        return
    cells = [read_cell(tr.xpath("./td")[-1]).count for tr in tables[0].xpath("./tbody/tr")]
    hidden = [c for c in cells if c in (SMALL, HIDDEN, WITHHELD)]
    # A lone hidden interval is the answered count less the others: recoverable only when
    # that count is printed (a few who skipped can hide it, then the skippers are its partner).
    answered_hidden = "How many answered is not shown" in article.text_content()
    if len(hidden) == 1 and not answered_hidden:
        problems.append(f"{where}: one interval hidden alone (recoverable)")
    shown = [c for c in cells if isinstance(c, int)]
    if any(0 < c < THRESHOLD for c in shown):
        problems.append(f"{where}: a small interval is shown {cells}")
    if not hidden and sum(shown) != want["answered"]:
        problems.append(f"{where}: intervals add up to {sum(shown)} of {want['answered']}")
    median = article.xpath('.//dl/div[dt="Median"]/dd')[0].text_content()
    if want.get("median") is not None and want["median_sides"] < THRESHOLD:
        if median.strip() != "–":
            problems.append(f"{where}: median {median} rests on {want['median_sides']} a side")
    elif want.get("median") is not None and abs(read_number(median) - want["median"]) > 0.051:
        problems.append(f"{where}: median {median}, true {want['median']}")
    labels = [
        " ".join(tr.xpath("./th")[0].text_content().split()) for tr in tables[0].xpath("./tbody/tr")
    ]
    if len(cells) > 1:  # open ends: no interval starts or ends at an answer near either end
        if not re.match(r"(under|before) ", labels[0]):
            problems.append(f"{where}: the first interval is not open ({labels[0]})")
        if not re.search(r" or (more|later)$", labels[-1]):
            problems.append(f"{where}: the last interval is not open ({labels[-1]})")
    # No interval resting on fewer than the threshold names the lowest or highest answer (a
    # lone hidden interval of "2018 – 2024" would say that someone answered 2018).
    for label, cell in zip(labels, cells, strict=True):
        printed = {read_number(n) for n in re.findall(r"\d[\d,.]*", label)}
        for extreme in (want.get("min"), want.get("max")):
            if extreme in printed and not (isinstance(cell, int) and cell >= THRESHOLD):
                problems.append(f"{where}: {label} names an answer of a small group")


def _base_line(article) -> tuple[int | str | None, ...]:
    line = " ".join(article.xpath('./p[@class="base"]')[0].text_content().split())
    return tuple(read_number(n) for n in re.findall(r"[\d,]+(?=\s+(?:of|respondents|who))", line))


def check_question(doc, questionnaire, question, mine, problems: list[str]) -> None:
    """One closed question: its base line, and every cell of its table."""
    where = f"{questionnaire.key}.{question.key}"
    want = independent.expected_question(questionnaire, question.key, mine)
    found = doc.xpath(f'//article[@id="q-{questionnaire.key}-{question.key}"]')
    assert found, where
    article = found[0]
    answered = want["answered"]
    if answered < THRESHOLD:
        if article.xpath(".//table"):
            problems.append(f"{where}: answered by {answered}, yet a table is shown")
        return
    if not answered:
        return
    numbers = _base_line(article)
    # The few who skipped it are a cell: with 1 to 4 of them, the answered count is withheld.
    skipped = want["asked"] - answered
    few = 0 < skipped < THRESHOLD
    if few:
        line = article.xpath('./p[@class="base"]')[0].text_content()
        if numbers[:1] != (want["asked"],) or "How many answered is not shown" not in line:
            problems.append(f"{where}: {skipped} skipped, yet the base line says {line!r}")
    elif numbers[:2] not in ((answered, want["asked"]), (want["asked"], answered)):
        problems.append(f"{where}: base line {numbers}, true {answered} of {want['asked']}")
    table = article.xpath(".//table")[0]
    if question.type in CHOICE:
        shown, truth = _distribution(table), _truth_from(want["counts"])
        if few and question.type != "multiple_choice":
            shown["_skipped"], truth["_skipped"] = Cell(SMALL), skipped
        problems += check_distribution(
            where,
            shown,
            truth,
            THRESHOLD,
            base=answered,
            exclusive=question.type != "multiple_choice",
        )
        if question.type == "multiple_choice":
            problems += recompute_checks.check_mean_choices(article, want, where, THRESHOLD)
    elif question.type == "matrix":
        points = column_keys(table)
        scores = {p.key: p.score for p in question.scale}
        for row_key, cells in keyed_rows(table).items():
            truth = want["rows"][row_key]
            shown = {p: read_cell(c) for p, c in zip(points, cells, strict=False)}
            answered_cell = read_cell(cells[len(points)]).count
            if truth["answered"] < THRESHOLD:
                if any(isinstance(c.count, int) and c.count for c in shown.values()):
                    problems.append(f"{where}.{row_key}: a row of {truth['answered']} is shown")
                continue
            row_skipped = want["asked"] - truth["answered"]
            counts = _truth_from(truth["counts"])
            if 0 < row_skipped < THRESHOLD:
                if answered_cell != HIDDEN:
                    problems.append(f"{where}.{row_key}: {row_skipped} skipped the row, yet")
                shown["_skipped"], counts["_skipped"] = Cell(SMALL), row_skipped
            elif answered_cell != truth["answered"]:
                problems.append(f"{where}.{row_key}: answered {answered_cell}, true {truth}")
            problems += check_distribution(
                f"{where}.{row_key}",
                {p: c for p, c in shown.items()},
                counts,
                THRESHOLD,
                base=truth["answered"],
                exclusive=True,
            )
            if len(cells) > len(points) + 1:
                mean = read_number(cells[len(points) + 1].text_content())
                scored = sum(n for v, n in truth["counts"].items() if scores.get(v) is not None)
                if scored < THRESHOLD and mean != DASH:
                    problems.append(f"{where}.{row_key}: a mean of {scored} is shown")
                elif (
                    truth["mean"] is not None
                    and mean != DASH
                    and abs(mean - round(truth["mean"], 2)) > 0.006
                ):
                    problems.append(f"{where}.{row_key}: mean {mean}, true {truth['mean']}")
    elif question.type == "ranking":
        for option_key, cells in keyed_rows(table).items():
            truth = want["options"][option_key]
            first = read_cell(cells[1]).count
            ranked = read_cell(cells[2]).count
            for label, shown, true_value in (
                ("first", first, truth["first"]),
                ("ranked", ranked, truth["ranked"]),
            ):
                problems += check_distribution(
                    f"{where}.{option_key}.{label}",
                    {label: Cell(shown)},
                    {label: true_value},
                    THRESHOLD,
                    base=None,
                    exclusive=False,
                )
            borda = read_number(cells[0].text_content())
            if truth["ranked"] >= THRESHOLD and borda not in (DASH, truth["borda"]):
                problems.append(f"{where}.{option_key}: Borda {borda}, true {truth['borda']}")


def _heat_cell(cell) -> tuple[str, str]:
    """A heat map table cell: its figure, and the base printed under it."""
    bases = cell.xpath('./span[@class="cell-base"]')
    base = " ".join(bases[0].text_content().split()) if bases else ""
    figure = " ".join((cell.text or "").split())
    return figure, base


def _as_page(written: str, page: str) -> str:
    """A downloaded figure written as its page prints it: numbers are numbers in the file."""
    try:
        value = float(written)
    except ValueError:
        return written
    if page.endswith("%"):
        return f"{round(value * 100)}%"
    if "." in page:
        return f"{value:.2f}"
    return f"{value:.0f}"


def _small_number_in(text_value: str) -> bool:
    return any(0 < int(n) < THRESHOLD for n in re.findall(r"\d+", text_value))


def check_heat_download(table, lines, href, problems: list[str]) -> None:
    """The heat map's download: each figure followed by its base, as the page prints it."""
    header = lines[0]
    bases = [i for i, name in enumerate(header) if name.endswith(": base (n)")]
    if len(bases) != (len(header) - 1) // 2:
        problems.append(f"{href}: a figure without its base column: {header}")
    written = {line[0]: line for line in lines[1:]}
    for tr in table.xpath("./tbody/tr"):
        label = " ".join(tr.xpath("./th")[0].text_content().split())
        line = written.get(label)
        if line is None:
            continue
        for position, cell in zip(bases, tr.xpath("./td"), strict=False):
            _figure, base = _heat_cell(cell)
            value = line[position]
            if re.fullmatch(r"\d+", value):
                if _small_number_in(value) or not base.startswith(f"n = {value}"):
                    problems.append(f"{href}: {label} base {value}, page {base!r}")
            elif value and re.findall(r"\d+", value)[:1] != re.findall(r"\d+", base)[:1]:
                problems.append(f"{href}: {label} base {value!r}, page {base!r}")


def check_heat_map(doc, questionnaires, rows, contributions, problems: list[str]) -> None:
    """The 12 articles: matrix means, shares of an article choice, contributions per article,
    each with the base it rests on, never a base below the threshold."""
    table = _table(doc, '//table[caption="The 12 articles across the consultation"]')
    columns = column_keys(table)
    per_article = Counter(contributions["article"].dropna())
    for article in ARTICLES:
        cells = table.xpath(f'./tbody/tr[@id="article-{article}"]/td')
        for column, cell in zip(columns, cells, strict=True):
            questionnaire_key, _colon, question_key = column.partition(":")
            shown, base = _heat_cell(cell)
            where = f"heat {article} {column}"
            if not base:
                problems.append(f"{where}: {shown} without its base")
            if _small_number_in(base):
                problems.append(f"{where}: base {base!r} shows a small count")
            if question_key == "contributions":
                if read_number(shown) != per_article.get(article, 0):
                    problems.append(f"{where}: {shown}")
                if base != f"n = {len(contributions)}":
                    problems.append(f"{where}: base {base}, true {len(contributions)}")
                continue
            questionnaire = questionnaires[questionnaire_key]
            mine = [r for r in rows if r.questionnaire == questionnaire_key]
            want = independent.expected_question(questionnaire, question_key, mine)
            skipped = want["asked"] - (
                want["rows"][article]["answered"] if "rows" in want else want["answered"]
            )
            if 0 < skipped < THRESHOLD and want["answered"] >= THRESHOLD:
                # A few skipped: the base is withheld, and the cell says so; a share is withheld
                # with it, a matrix row's mean is printed when the public table prints it.
                # (under a printed mean only its n is hidden: "n not shown")
                said = "not shown" if shown == "–" else "n not shown"
                if base != said or ("rows" not in want and shown != "–"):
                    problems.append(f"{where}: {shown} {base!r} beside {skipped} who skipped")
                elif shown != "–":
                    mean = want["rows"][article]["mean"]
                    if abs(float(shown) - round(mean, 2)) > 0.006:
                        problems.append(f"{where}: {shown}, true {mean}")
                continue
            if "rows" in want:
                truth = want["rows"][article]
                scores = {p.key: p.score for p in questionnaire.question(question_key).scale}
                scored = sum(n for v, n in truth["counts"].items() if scores.get(v) is not None)
                if scored < THRESHOLD:
                    if shown != "–":
                        problems.append(f"{where}: {shown} rests on {scored}")
                    continue
                if shown == "–":
                    # Withheld: with the row's total it would pin a hidden (small) cell, or
                    # the row's small group all, or all but a few, rated it alike.
                    small = any(0 < n < THRESHOLD for n in truth["counts"].values())
                    if not small and not _dominated(truth["counts"], truth["answered"]):
                        problems.append(f"{where}: withheld, no cell hidden")
                    continue
                if abs(float(shown) - round(truth["mean"], 2)) > 0.006:
                    problems.append(f"{where}: {shown}, true {truth['mean']}")
                unscored = truth["answered"] - scored
                if base == f"n = {scored}":
                    # the ratings' base is printed only when "don't know" is not small
                    if 0 < unscored < THRESHOLD:
                        problems.append(f"{where}: base {base} reveals {unscored} don't know")
                elif base != f"n = {truth['answered']}*":
                    problems.append(f"{where}: base {base}, true {scored} ({unscored} unscored)")
            else:
                count = want["counts"].get(article, 0)
                answered = want["answered"]
                if THRESHOLD <= answered < GROUP_LIMIT:
                    # Group disclosure: in a group under 2 x T, each option as chose / did not
                    # leaves fewer than T on one side: the question's table is withheld whole,
                    # its shares and their base with it.
                    if shown != "–" or not base.startswith("not shown"):
                        problems.append(f"{where}: {shown} {base!r} in a group of {answered}")
                    continue
                if want["answered"] < THRESHOLD or 0 < count < THRESHOLD:
                    if shown != "–":
                        problems.append(f"{where}: {shown} rests on {count}")
                elif shown != f"{round(100 * count / want['answered'])}%":
                    problems.append(f"{where}: {shown}, true {count}")
                if want["answered"] >= THRESHOLD and not base.startswith(f"n = {want['answered']}"):
                    problems.append(f"{where}: base {base}, true {want['answered']}")


def check_contributions(doc, contributions, problems: list[str]) -> None:
    """Published contributions: total, supports, per article, kind, region, language."""
    headline = doc.xpath('//div[@data-key="contributions"]/dd')[0].text_content()
    if read_number(headline) != len(contributions):
        problems.append(f"contributions headline {headline}, true {len(contributions)}")
    section = _table(doc, '//section[@class="contribution-outcomes"]')
    values = [d.text_content() for d in section.xpath('./dl[@class="headline"]/div/dd')]
    if [read_number(v) for v in values] != [
        len(contributions),
        int(contributions["support_count"].sum()),
    ]:
        problems.append(f"contributions total and supports {values}")
    for caption, column in (
        ("Contributions by kind", "kind"),
        ("Contributions by region", "region"),
        ("Contributions by language", "language"),
    ):
        table = _table(section, f'.//table[caption="{caption}"]')
        problems += check_distribution(
            caption,
            _distribution(table),
            _truth_from(Counter(contributions[column].fillna(""))),
            THRESHOLD,
            base=len(contributions),
            exclusive=True,
            public_texts=True,
        )
    by_article = keyed_rows(
        _table(section, './/table[caption="Open contributions by article and part"]')
    )
    true_articles = _truth_from(Counter(contributions["article"].fillna("")))
    for key, cells in by_article.items():
        if read_number(cells[-1].text_content().split()[0]) != true_articles.get(key, 0):
            problems.append(
                f"contributions on {key or 'the Charter'}: {cells[-1].text_content()}"
                f" true {true_articles.get(key, 0)}"
            )


def check_public_page(published):
    """Every figure of the public page against the database."""
    app, rows, contributions = published
    page = app.test_client().get("/outcomes", headers={"Accept-Language": "en"})
    doc = parse(page.get_data(as_text=True))
    problems: list[str] = []
    with app.app_context():
        questionnaires = dict(current_questionnaires())
    for key, questionnaire in questionnaires.items():
        mine = [r for r in rows if r.questionnaire == key]
        headline = doc.xpath(f'//div[@data-key="{key}"]/dd')[0].text
        shown = read_number(headline)
        if shown != len(mine) and not (shown == SMALL and len(mine) < THRESHOLD):
            problems.append(f"{key}: headline {headline}, true {len(mine)}")
        check_questionnaire(doc, questionnaire, rows, problems)
    check_heat_map(doc, questionnaires, rows, contributions, problems)
    check_contributions(doc, contributions, problems)
    assert problems == [], "\n".join(problems)


def _relevance(rows, questionnaire_key: str, article: str) -> Counter:
    """How the respondents of one questionnaire rated one article (SQL rows, plain counting)."""
    return Counter(
        r.answers["article_relevance"][article]
        for r in rows
        if r.questionnaire == questionnaire_key
        and article in r.answers.get("article_relevance", {})
    )


def check_charter_article(doc, public_doc, questionnaires, rows, article, problems) -> None:
    """An article page: its ratings table and its figures in the first outcomes."""
    table = doc.xpath('//table[contains(@class, "ratings-table")]')
    true = {key: _relevance(rows, key, article) for key in questionnaires}
    true["all"] = sum(true.values(), Counter())
    if not table:
        if any(sum(c.values()) >= THRESHOLD for c in true.values()):
            problems.append(f"{article}: no ratings table although a group is large enough")
        return
    points = column_keys(table[0])
    shown_rows = keyed_rows(table[0])
    shown_cells = {}
    for key, cells in shown_rows.items():
        respondents = sum(true[key].values())
        if len(cells) == 1:  # the whole row hidden
            continue
        shown_cells[key] = {p: read_cell(c) for p, c in zip(points, cells, strict=False)}
        if respondents < THRESHOLD:
            problems.append(f"{article} {key}: {respondents} respondents shown")
        if read_number(cells[-1].text_content()) != respondents:
            problems.append(f"{article} {key}: respondents {cells[-1].text_content()}")
        problems += check_distribution(
            f"{article} ratings {key}",
            shown_cells[key],
            _truth_from(true[key]),
            THRESHOLD,
            base=None,
            exclusive=True,
        )
    # The all row is a sum: a cell of it shown beside a hidden one of a questionnaire would
    # give that one away.
    for point, cell in shown_cells.get("all", {}).items():
        if not isinstance(cell.count, int):
            continue
        for key in questionnaires:
            if true[key][point] and not isinstance(
                shown_cells.get(key, {}).get(point, Cell(None)).count, int
            ):
                problems.append(f"{article} all {point} shown, {key} hidden: recoverable")
    # The figures: a mean's base must not give away a hidden "don't know" of the same row on
    # the public page or in this page's table.
    for item in doc.xpath('//ul[@class="article-figures"]/li'):
        questionnaire_key, _colon, question_key = item.get("data-key").partition(":")
        value = item.xpath('./span[@class="figure-value"]')[0].text_content().strip()
        base = item.xpath('./span[@class="meta"]')[0].text_content()
        if question_key == "contributions" or questionnaire_key not in questionnaires:
            continue
        question = questionnaires[questionnaire_key].question(question_key)
        mine = [r for r in rows if r.questionnaire == questionnaire_key]
        want = independent.expected_question(questionnaires[questionnaire_key], question_key, mine)
        if question.type != "matrix":
            continue
        truth = want["rows"][article]
        scores = {p.key: p.score for p in question.scale}
        scored = sum(n for v, n in truth["counts"].items() if scores.get(v) is not None)
        if value != "not shown" and abs(float(value) - round(truth["mean"], 2)) > 0.006:
            problems.append(f"{article} {question_key} mean {value}, true {truth['mean']}")
        if value != "not shown" and scored < THRESHOLD:
            problems.append(f"{article} {question_key}: a mean of {scored} is shown")
        printed = re.match(r"\((\d[\d,]*) respondents who gave", base)
        if printed and int(printed.group(1).replace(",", "")) != scored:
            problems.append(f"{article} {question_key}: base {base}, true {scored}")
        public_row = public_doc.xpath(
            f'//article[@id="q-{questionnaire_key}-{question_key}"]//tr[@data-key="{article}"]/td'
        )
        matrix = public_doc.xpath(f'//article[@id="q-{questionnaire_key}-{question_key}"]//table')
        matrix_points = column_keys(matrix[0]) if matrix else []
        hidden_unscored = [
            p
            for p, c in zip(matrix_points, public_row, strict=False)
            if scores.get(p) is None and read_cell(c).count in (SMALL, HIDDEN, WITHHELD)
        ]
        if printed and hidden_unscored:
            problems.append(f"{article} {question_key}: base {base} reveals {hidden_unscored}")


def check_charter_pages(published):
    """Every Charter article page and its downloads against the database."""
    app, rows, _contributions = published
    client = app.test_client()
    public_doc = parse(client.get("/outcomes").get_data(as_text=True))
    with app.app_context():
        questionnaires = dict(current_questionnaires())
    problems: list[str] = []
    for article in ARTICLES:
        doc = parse(client.get(f"/charter/{article}").get_data(as_text=True))
        check_charter_article(doc, public_doc, questionnaires, rows, article, problems)
        # Its downloads hold what the page shows, cell for cell.
        for table_name, xpath in (
            ("ratings", '//table[contains(@class, "ratings-table")]'),
            ("figures", '//ul[@class="article-figures"]'),
        ):
            response = client.get(f"/charter/{article}/{table_name}.csv")
            if not doc.xpath(xpath):
                continue
            assert response.status_code == 200, (article, table_name)
            lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
            if table_name == "ratings":
                page_rows = doc.xpath(xpath)[0].xpath("./tbody/tr")
                for line, tr in zip(lines[1:], page_rows, strict=True):
                    page_cells = [" ".join(c.text_content().split()) for c in tr.xpath("./td")]
                    written = [c for c in line[1:] if c]
                    if [w.replace(",", "") for w in written] != [
                        p.replace(",", "") for p in page_cells
                    ]:
                        problems.append(f"{article} ratings download {line} != page {page_cells}")
            else:
                values = [
                    li.xpath('./span[@class="figure-value"]')[0].text_content().strip()
                    for li in doc.xpath(xpath)[0].xpath("./li")
                ]
                # The download writes a figure as a number (its page text when withheld): it
                # must print as the page prints it (a mean to two decimals, a share as %).
                written = [line[1] for line in lines[1:]]
                shown = [_as_page(w, p) for w, p in zip(written, values, strict=False)]
                if len(written) != len(values) or shown != values:
                    problems.append(f"{article} figures download {lines} != page {values}")
    assert problems == [], "\n".join(problems)


def _export(runner, tmp_path, questionnaire: str) -> pd.DataFrame:
    """The analyst's CSV export of one questionnaire's responses, read as text."""
    out = tmp_path / f"{questionnaire}.csv"
    result = runner.invoke(
        args=["export", "responses", "--format", "csv", "--out", str(out)]
        + ["--questionnaire", questionnaire]
    )
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _export_count(frame: pd.DataFrame, questionnaire, question, part: str, value: str) -> int:
    """Count the export's rows holding ``value`` for a question (and part): the analyst's way."""
    column = question.key
    for fixed in ("respondent_type", "region", "country"):
        if questionnaire.profile_fields.get(fixed) == question.key:
            column = fixed
    if question.type == "multiple_choice":
        values = frame[f"{column}.{value}"]
        return int((values != "").sum()) if value == "other" else int((values == "1").sum())
    if question.type == "matrix":
        return int((frame[f"{column}.{part}"] == value).sum())
    return int((frame[column] == value).sum())


def check_export(published, frames):
    """Each count the public page prints is the number of matching rows of the CSV export."""
    app, rows, _contributions = published
    doc = parse(app.test_client().get("/outcomes").get_data(as_text=True))
    problems: list[str] = []
    with app.app_context():
        questionnaires = dict(current_questionnaires())
    checked = 0
    for key, questionnaire in questionnaires.items():
        frame = frames[key]
        headline = doc.xpath(f'//div[@data-key="{key}"]/dd')[0].text
        if read_number(headline) not in (len(frame), SMALL):
            problems.append(f"{key}: headline {headline}, export {len(frame)} rows")
        section = doc.xpath(f'//section[@data-questionnaire="{key}"]')
        for caption, column in (
            ("Responses by UCLG region", "region"),
            ("Responses by type of respondent", "respondent_type"),
            ("Responses by language", "language"),
        ):
            for table in section[0].xpath(f'.//table[caption="{caption}"]') if section else []:
                for value, cell in _distribution(table).items():
                    if isinstance(cell.count, int):
                        checked += 1
                        if cell.count != int((frame[column] == value).sum()):
                            problems.append(f"{key} {caption} {value}: {cell.count}")
        for question in questionnaire.questions:
            if question.type not in CHOICE + ("matrix",):
                continue
            tables = doc.xpath(f'//article[@id="q-{key}-{question.key}"]//table')
            if not tables:
                continue
            if question.type == "matrix":
                points = column_keys(tables[0])
                cells = [
                    (row, point, read_cell(cell).count)
                    for row, tds in keyed_rows(tables[0]).items()
                    for point, cell in zip(points, tds, strict=False)
                ]
            else:
                cells = [("", k, c.count) for k, c in _distribution(tables[0]).items()]
            for part, value, shown in cells:
                if isinstance(shown, int):
                    checked += 1
                    derived = _export_count(frame, questionnaire, question, part, value)
                    if shown != derived:
                        problems.append(f"{key}.{question.key} {part} {value}: {shown}/{derived}")
    # Nine responses: each group is under GROUP_LIMIT, so no table prints a count of an answer
    # (group disclosure); only the participation's counts could be compared, all small.
    assert checked > 20 or len(rows) < GROUP_LIMIT
    assert problems == [], "\n".join(problems)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.request.url
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


#: Columns of a figure table that hold counts of people (or of answers): never small in public.
COUNT_HEADERS = {"Respondents", "Responses", "Answers", "Answered", "Ranked first", "Ranked at all"}


def check_public_downloads(published, login):
    """Every table download of the public page: the page's figures, no suppressed value."""
    app, _rows, _contributions = published
    client = app.test_client()
    analyst = login(app.test_client(), "analyst")
    doc = parse(client.get("/outcomes").get_data(as_text=True))
    links = doc.xpath('//a[contains(@href, "/outcomes/figure.csv")]')
    assert len(links) > 10
    problems: list[str] = []
    for link in links:
        href = link.get("href")
        public_lines = _csv(client.get(href))
        staff_href = href.replace("/outcomes/", "/staff/outcomes/") + "&snapshot=1"
        staff_lines = _csv(analyst.get(staff_href))
        header = public_lines[0]
        scale_columns = set()
        holder = link.getparent().getparent()
        table = holder.xpath(".//table")
        if table and "matrix-table" in (table[0].get("class") or ""):
            scale_columns = {
                " ".join(th.text_content().split())
                for th in table[0].xpath("./thead/tr/th[@data-key]")
            }
        staff_by_label = {
            line[0]: dict(zip(staff_lines[0], line, strict=False)) for line in staff_lines[1:]
        }
        for line in public_lines[1:]:
            if header[0] == "Interval" and line[0] not in staff_by_label:
                # an interval left open or merged on the public page (number_bins): no staff
                # line of that name; the page's intervals add up to the true count (above)
                continue
            staff = staff_by_label.get(line[0], {})
            for name, value in zip(header, line, strict=True):
                true = staff.get(name, "")
                counts = name in COUNT_HEADERS or name in scale_columns
                small = re.fullmatch(r"\d+", true) and 0 < int(true) < THRESHOLD
                if counts and small and value == true:
                    problems.append(f"{href}: {line[0]} {name} = {value} is a small count")
                if name == "Cumulative":  # in steps on the public page: compared below
                    continue
                # a mean beside hidden cells is published as printed: two decimals
                rounded = re.fullmatch(r"\d+\.\d{1,2}", value) and re.fullmatch(r"\d+\.\d+", true)
                if rounded and abs(float(value) - float(true)) <= 0.005 + 1e-9:
                    continue
                if re.fullmatch(r"\d+(\.\d+)?", value) and value != true:
                    problems.append(f"{href}: {line[0]} {name} = {value}, staff {true}")
        # The page's own table: every count it prints is in the download, in the same words.
        if table and "Day" in header:
            page_days = [
                (tr.xpath(".//time/@datetime")[0], read_number(tr.xpath("./td")[-1].text_content()))
                for tr in table[0].xpath("./tbody/tr")
            ]
            written_days = [(line[0], int(line[1])) for line in public_lines[1:]]
            if page_days != written_days or header != ["Day", "Cumulative"]:
                problems.append(f"{href}: the running total differs from the page")
        elif table:
            page = [
                [
                    _heat_cell(c)[0]
                    if c.xpath("./span[@class='cell-base']")
                    else " ".join(c.text_content().split())
                    for c in tr.xpath("./th|./td")
                ]
                for tr in table[0].xpath("./tbody/tr")
            ]
            if "name=articles" in href:
                check_heat_download(table[0], public_lines, href, problems)
            written_by_label = {line[0]: line for line in public_lines[1:]}
            total_last = "contributions:articles" in href  # parts first, the total last
            for page_row in page:
                label = page_row[0]
                if re.fullmatch(r"[\d,]+", label):  # a histogram's interval: 2,018 is 2018
                    label = label.replace(",", "")
                line = written_by_label.get(label)
                if line is None:
                    problems.append(f"{href}: {page_row[0]} is not in the download")
                    continue
                shown_text = (
                    re.split(r" contributions? on ", page_row[-1])[0] if total_last else page_row[1]
                )
                if shown_text in ("(lowest answer)", "(highest answer)"):  # open intervals
                    if line[1] != shown_text:
                        problems.append(f"{href}: page {page_row[:2]} != download {line[:2]}")
                    continue
                first_count = read_cell(_fragment(shown_text)).count
                written = line[1]
                if isinstance(first_count, int) and written.replace(",", "") != str(first_count):
                    problems.append(f"{href}: page {page_row[:2]} != download {line[:2]}")
                if first_count in (SMALL, HIDDEN, WITHHELD) and re.fullmatch(r"\d+", written):
                    problems.append(f"{href}: page hides {page_row[0]}, download has {written}")
    # A questionnaire below the threshold shows no figure: none downloads either.
    for key, count in Counter(r.questionnaire for r in _rows).items():
        if count < THRESHOLD:
            for name in ("participation:region", "participation:timeline", "question:barriers"):
                response = client.get(f"/outcomes/figure.csv?name={name}&of={key}")
                assert response.status_code == 404, (key, name)
    assert problems == [], "\n".join(problems)


def _fragment(text_value: str):
    return parse(f"<div>{text_value}</div>")


def check_map_texts_and_staff_page(published, login, frames):
    """The region map (page and SVG), the free-text figures of the public page, and the staff
    summary page against the CSV export."""
    app, rows, _contributions = published
    client = app.test_client()
    with app.app_context():
        questionnaires = dict(current_questionnaires())
    codebook = independent.codebook(Path(app.config["QUESTIONNAIRES_PATH"]) / "themes.yaml")
    problems = recompute_checks.check_region_map(client, rows, list(questionnaires), THRESHOLD)
    doc = parse(client.get("/outcomes").get_data(as_text=True))
    texts, compared = recompute_checks.check_text_questions(
        doc, questionnaires, rows, codebook, THRESHOLD
    )
    problems += texts
    if len(rows) >= 20:  # the larger dataset has themes and words to compare
        assert compared > 10, compared
    analyst = login(app.test_client(), "analyst")
    page = analyst.get("/staff/outcomes/")
    assert page.status_code == 200
    staff = parse(page.get_data(as_text=True))
    found, checked = recompute_checks.check_staff_page(staff, frames, questionnaires, _export_count)
    assert checked > 50
    assert problems + found == [], "\n".join(problems + found)


def _bases_in(texts) -> set[int]:
    """Every base ("n = 185", "n = 1,234*") in some texts."""
    return {
        int(found.replace(",", ""))
        for value in texts
        for found in re.findall(r"n = ([\d,]+)", " ".join(value.split()))
    }


def check_deck(published, login) -> None:
    """The deck is shown on stage and handed out (PPTX, PDF): its heat map states no base the
    public page withholds. Before, its tooltips gave each mean's own base (e.g. "n = 177"
    beside a published 185 answers), and with the published counts that pinned hidden cells."""
    app = published[0]
    page = app.test_client().get("/outcomes", headers={"Accept-Language": "en"})
    table = _table(
        parse(page.get_data(as_text=True)),
        '//table[caption="The 12 articles across the consultation"]',
    )
    public = _bases_in(table.xpath(".//text()"))
    staff = login(app.test_client(), "admin")
    deck = parse(staff.get("/staff/outcomes/1/deck?lang=en").get_data(as_text=True))
    titles = deck.xpath('//div[contains(@class, "heat")]//*[local-name()="title"]//text()')
    assert titles, "the deck has no heat map"
    shown = _bases_in(titles)
    assert not {n for n in shown if 0 < n < THRESHOLD}, shown
    assert shown <= public, f"bases in the deck only: {sorted(shown - public)}"


def test_public_pages_downloads_and_export_match_the_database(published, login, runner, tmp_path):
    """One dataset, frozen and published once, checked five ways (the set-up is the cost)."""
    check_public_page(published)
    check_charter_pages(published)
    with published[0].app_context():
        frames = {key: _export(runner, tmp_path, key) for key in current_questionnaires()}
    check_export(published, frames)
    check_public_downloads(published, login)
    check_map_texts_and_staff_page(published, login, frames)
    check_deck(published, login)
