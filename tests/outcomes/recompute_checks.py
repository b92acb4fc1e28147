"""More of the independent recomputation: the public region map (page and SVG download), the
figures of free-text questions (answers, languages, themes, answers with no theme, frequent
words), and the staff summary page against the analyst's CSV export. Each check reads what a
person reads and compares it with plain counts (tests/outcomes/independent.py), never the
app's summary code; each returns the problems found."""

from __future__ import annotations

import re
from collections import Counter

import lxml.etree
from babel import Locale

from tests.outcomes import independent
from tests.outcomes.page_figures import HIDDEN, SMALL, parse, read_cell, read_number

TEXT_TYPES = ("short_text", "long_text")


def _tiles(svg) -> dict[str, str]:
    """Each region tile of a map: its data-key and the figure printed under its name (its lines
    joined by a space: a withheld figure may wrap)."""
    tiles = {}
    for group in svg.xpath('.//*[local-name()="g"][@data-key]'):
        texts = group.xpath('./*[local-name()="text"]')
        tiles[group.get("data-key")] = " ".join(" ".join(texts[-1].itertext()).split())
    return tiles


def check_region_map(client, rows, questionnaire_keys, threshold: int) -> list[str]:
    """The map of the public page and its SVG download: a region's tile is the sum of its
    responses to every questionnaire when each questionnaire's region table shows its count,
    "not shown" when one of them hides it, and never a small figure."""
    problems: list[str] = []
    doc = parse(client.get("/outcomes").get_data(as_text=True))
    maps = doc.xpath('//figure[contains(@class, "map-figure")]//svg')
    assert maps, "no region map on the public page"
    download = client.get("/outcomes/figure.svg?name=regions")
    assert download.status_code == 200
    downloaded = lxml.etree.fromstring(download.data)
    per_questionnaire = {
        key: Counter(r.region for r in rows if r.questionnaire == key) for key in questionnaire_keys
    }
    tables = {}
    for key in questionnaire_keys:
        table = doc.xpath(
            f'//section[@data-questionnaire="{key}"]//table[caption="Responses by UCLG region"]'
        )
        tables[key] = (
            {
                tr.get("data-key"): read_cell(tr.xpath("./td")[0]).count
                for tr in table[0].xpath("./tbody/tr[@data-key]")
            }
            if table
            else None
        )
    page_tiles, file_tiles = _tiles(maps[0]), _tiles(downloaded)
    assert len(page_tiles) >= 7, page_tiles
    if page_tiles != file_tiles:
        problems.append(f"map: the download {file_tiles} differs from the page {page_tiles}")
    for region, figure in page_tiles.items():
        true = sum(counts.get(region, 0) for counts in per_questionnaire.values())
        hidden_somewhere = any(
            counts.get(region, 0)
            and (tables[key] is None or not isinstance(tables[key].get(region), int))
            for key, counts in per_questionnaire.items()
        )
        if figure.startswith("not shown") or figure.startswith("fewer than"):
            if not hidden_somewhere:
                problems.append(f"map {region}: hidden, yet every table shows it ({true})")
            continue
        value = read_number(figure)
        if value != true:
            problems.append(f"map {region}: {figure}, true {true}")
        if hidden_somewhere:
            problems.append(f"map {region}: {figure} shown beside a hidden questionnaire cell")
        if 0 < true < threshold:
            problems.append(f"map {region}: a small figure {true}")
    return problems


def _language_names() -> dict[str, str]:
    return {name: code for code, name in Locale("en").languages.items()}


def check_text_questions(
    doc, questionnaires, rows, codebook, threshold: int
) -> tuple[list[str], int]:
    """Every free-text question of the public page: its base line, the languages of its
    answers, its themes and the answers with no theme, and its frequent words. Returns the
    problems and the number of figures compared."""
    problems: list[str] = []
    compared = 0
    stops = independent.stop_words()
    names = _language_names()
    for key, questionnaire in questionnaires.items():
        mine = [r for r in rows if r.questionnaire == key]
        if len(mine) < threshold:
            continue
        for question in questionnaire.questions:
            if question.type not in TEXT_TYPES:
                continue
            where = f"{key}.{question.key}"
            want = independent.expected_question(questionnaire, question.key, mine, codebook)
            article = doc.xpath(f'//article[@id="q-{key}-{question.key}"]')[0]
            if want["answered"] < threshold:
                if article.xpath(".//table|.//ol"):
                    problems.append(f"{where}: {want['answered']} answers, yet figures shown")
                continue
            base = " ".join(article.xpath('./p[@class="base"]')[0].text_content().split())
            numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", base)]
            if 0 < want["asked"] - want["answered"] < threshold:
                # A few skipped it: the answered count is withheld (it would count them).
                if numbers[:1] != [want["asked"]] or "How many answered is not shown" not in base:
                    problems.append(f"{where}: base line {base!r} beside a few who skipped")
            elif want["answered"] not in numbers[:2] or want["asked"] not in numbers[:2]:
                problems.append(f"{where}: base line {base!r}, true {want}")
            if question.key in ("institution_name", "organisation_name"):
                continue
            texts = [
                (r, r.answers[question.key][""])
                for r in mine
                if question.key in r.answers and r.answers[question.key][""].strip()
            ]
            languages = Counter(independent.text_language(v, r.language, stops) for r, v in texts)
            line = article.xpath('./p[@class="meta"][starts-with(normalize-space(.), "Languages")]')
            if line:
                shown = line[0].text_content().split(":", 1)[1]
                for name, figure in re.findall(
                    r"([^\d,]+?)\s+(fewer than \d+|not shown[^,]*|[\d,]+)(?:,|$)", shown
                ):
                    code = names.get(name.strip(), name.strip())
                    compared += 1
                    problems += _count(
                        f"{where} language {code}", figure, languages.get(code, 0), threshold
                    )
            themes = article.xpath('.//table[caption="Themes found (codebook)"]')
            if themes:
                for tr in themes[0].xpath("./tbody/tr[@data-key]"):
                    theme = tr.get("data-key")
                    compared += 1
                    problems += _count(
                        f"{where} theme {theme}",
                        tr.xpath("./td")[0].text_content(),
                        want["themes"].get(theme, 0),
                        threshold,
                    )
                foot = themes[0].xpath("./tfoot/tr/td")[0].text_content()
                problems += _count(f"{where} no theme", foot, want["uncoded"], threshold)
            terms = independent.expected_terms(questionnaire, question.key, mine)
            for block in article.xpath('.//div[@class="terms"]/div'):
                for item in block.xpath(".//li"):
                    term = item.xpath("./span[@lang]")[0]
                    count = read_number(item.xpath('./span[@class="share"]')[0].text_content())
                    true = terms.get(term.get("lang"), Counter()).get(term.text_content())
                    compared += 1
                    if count != true:
                        problems.append(f"{where} word {term.text_content()}: {count}, true {true}")
                    if count < threshold:
                        problems.append(f"{where} word {term.text_content()}: a small count")
    return problems, compared


def _count(where: str, text: str, true: int, threshold: int) -> list[str]:
    """One printed count against the true one, under the public page's rules."""
    shown = read_number(text)
    if isinstance(shown, int):
        if shown != true:
            return [f"{where}: {shown}, true {true}"]
        if 0 < true < threshold:
            return [f"{where}: a small count {true} is shown"]
        return []
    if shown == SMALL and not 0 < true < threshold:
        return [f"{where}: 'fewer than' over {true}"]
    if shown == HIDDEN and not true:
        return [f"{where}: hides a zero"]
    return []


PARTICIPATION = (
    ("Responses by UCLG region", "region"),
    ("Responses by type of respondent", "respondent_type"),
    ("Responses by language", "language"),
)
CLOSED = ("single_choice", "yes_no", "multiple_choice", "matrix")


def check_staff_page(doc, frames, questionnaires, export_count) -> tuple[list[str], int]:
    """The staff summary page (small cells shown) against the analyst's CSV export of each
    questionnaire: responses, participation tables, every closed question's cells, the number
    of "other" answers and of text answers. Returns the problems and the figures compared."""
    problems: list[str] = []
    checked = 0
    for key, questionnaire in questionnaires.items():
        frame = frames[key]
        section = doc.xpath(f'//section[@data-questionnaire="{key}"]')
        if not len(frame):
            continue
        assert section, key
        submitted = section[0].xpath('.//dl[@class="headline"]/div[dt="Submitted responses"]/dd')
        if read_number(submitted[0].text_content()) != len(frame):
            problems.append(f"staff {key}: {submitted[0].text_content()} of {len(frame)} rows")
        for caption, column in PARTICIPATION:
            table = section[0].xpath(f'.//table[caption="{caption}"]')[0]
            for tr in table.xpath("./tbody/tr[@data-key]"):
                value, shown = tr.get("data-key"), read_cell(tr.xpath("./td")[0]).count
                checked += 1
                if shown != int((frame[column] == value).sum()):
                    problems.append(f"staff {key} {caption} {value}: {shown}")
        for question in questionnaire.questions:
            found = doc.xpath(f'//article[@id="q-{key}-{question.key}"]')
            if not found:
                continue
            article = found[0]
            if question.type in TEXT_TYPES and question.key in frame:
                answers = int((frame[question.key].str.strip() != "").sum())
                base = article.xpath('./p[@class="base"]')
                numbers = re.findall(r"\d[\d,]*", base[0].text_content()) if base else []
                checked += 1
                if answers and str(answers) not in [n.replace(",", "") for n in numbers[:2]]:
                    problems.append(f"staff {key}.{question.key}: base {numbers}, {answers} texts")
            if question.type not in CLOSED:
                continue
            tables = article.xpath(".//table")
            if not tables:
                continue
            cells = []
            if question.type == "matrix":
                points = [th.get("data-key") for th in tables[0].xpath("./thead/tr/th[@data-key]")]
                for tr in tables[0].xpath("./tbody/tr[@data-key]"):
                    for point, td in zip(points, tr.xpath("./td"), strict=False):
                        cells.append((tr.get("data-key"), point, read_cell(td).count))
            else:
                for tr in tables[0].xpath("./tbody/tr[@data-key]"):
                    cells.append(("", tr.get("data-key"), read_cell(tr.xpath("./td")[0]).count))
            for part, value, shown in cells:
                checked += 1
                derived = export_count(frame, questionnaire, question, part, value)
                if shown != derived:
                    problems.append(f"staff {key}.{question.key} {part} {value}: {shown}/{derived}")
            other = article.xpath('.//details/summary[starts-with(normalize-space(.), "“Other”")]')
            if question.type == "multiple_choice" and question.other:
                texts = int((frame[f"{question.key}.other"] != "").sum())
                printed = (
                    read_number(re.findall(r"\((\d+)\)", other[0].text_content())[0])
                    if other
                    else 0
                )
                checked += 1
                if printed != texts:
                    problems.append(f"staff {key}.{question.key}: {printed} other answers, {texts}")
            if question.type == "multiple_choice":
                # From the export: per row, the ticked option columns that are not exclusive.
                columns = [
                    f"{question.key}.{o.key}"
                    for o in question.options
                    if not o.exclusive and f"{question.key}.{o.key}" in frame
                ]
                ticked = (frame[columns] == "1").sum(axis=1).tolist() if columns else []
                chosen = [n for n in ticked if n]
                want = {
                    "mean_choices_base": len(chosen),
                    "mean_choices": sum(chosen) / len(chosen) if chosen else None,
                }
                where = f"staff {key}.{question.key}"
                problems += check_mean_choices(article, want, where, None)
                checked += 1
    return problems, checked


MEAN_CHOICES = re.compile(
    r"On average ([\d.]+) options chosen per respondent, over the ([\d,]+) respondents? who"
    r" chose at least one listed option\."
)


def check_mean_choices(article, want: dict, where: str, threshold: int | None) -> list[str]:
    """A multiple choice's average number of options chosen against the independent one: its
    figure and its base, the substantive options over those who chose one ("None of these"
    and "Other" aside); on a public page (``threshold``) never over a base below it."""
    line = article.xpath('.//p[contains(@class, "mean-choices")]')
    if not line:
        if threshold is None and want["mean_choices"] is not None:
            return [f"{where}: no average of options chosen beside {want['mean_choices']}"]
        return []
    found = MEAN_CHOICES.search(" ".join(line[0].text_content().split()))
    if not found:
        return [f"{where}: the average of options chosen reads {line[0].text_content()!r}"]
    mean, base = float(found[1]), read_number(found[2])
    problems = []
    if base != want["mean_choices_base"]:
        problems.append(f"{where}: average over {base}, true base {want['mean_choices_base']}")
    if want["mean_choices"] is None or abs(mean - want["mean_choices"]) > 0.051:
        problems.append(f"{where}: average {mean}, true {want['mean_choices']}")
    if threshold is not None and base < threshold:
        problems.append(f"{where}: an average of options chosen over {base} respondents")
    return problems
