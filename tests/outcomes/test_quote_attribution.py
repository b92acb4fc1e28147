"""A quote's attribution never names a group smaller than the small-cell threshold, and an
answer of a questionnaire whose count is withheld is never quoted (consult.outcomes.attribution):
a table of cases on the rule, and a walk over every output that prints a quote (deck HTML,
presenter view and notes, PPTX, PDF, public page, Charter pages) on 8 demo responses, for a new
snapshot and for one frozen before the rule."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter

import lxml.html
import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import event, select, update

from consult.db import db, writing
from consult.outcomes import attribution
from consult.outcomes.attribution import GroupSizes, attribute
from consult.outcomes.models import OutcomeQuote, OutcomeSnapshot
from consult.outcomes.quotes import quotable_questions
from consult.questionnaires.models import Answer, Response
from consult.questionnaires.registry import current_questionnaires
from tests.conftest import csrf_token
from tests.outcomes.conftest import fill_demo
from tests.outcomes.test_pages import freeze, publish

LA, PROVINCE = "latin_america", "region_province"

#: (region, type, sizes: base, region, type, region and type, is an answer) -> what is named.
CASES = [
    # a region × type group of 1 or 4: the type goes, the region stays when it holds 5
    ((LA, PROVINCE), (30, 12, 9, 1), True, (LA, None, None)),
    ((LA, PROVINCE), (30, 12, 9, 4), True, (LA, None, None)),
    # a group of exactly 5 may be named
    ((LA, PROVINCE), (30, 12, 9, 5), True, (LA, PROVINCE, None)),
    # the region too small: the type alone when it holds 5
    ((LA, PROVINCE), (30, 4, 9, 4), True, (None, PROVINCE, None)),
    ((LA, PROVINCE), (30, 1, 5, 1), True, (None, PROVINCE, None)),
    # nothing but the audience ("A local government")
    ((LA, PROVINCE), (30, 4, 4, 1), True, (None, None, None)),
    ((LA, None), (30, 1, 0, 0), True, (None, None, None)),
    ((None, PROVINCE), (30, 0, 4, 0), True, (None, None, None)),
    # a questionnaire whose whole count is withheld: not quoted at all
    ((LA, PROVINCE), (4, 2, 1, 1), True, (None, None, "small_base")),
    ((LA, PROVINCE), (1, 1, 1, 1), True, (None, None, "small_base")),
    ((None, None), (4, 0, 0, 0), True, (None, None, "small_base")),
    ((LA, PROVINCE), (5, 5, 5, 5), True, (LA, PROVINCE, None)),
    # a published contribution is public already: its line is coarsened, it is never withheld
    ((LA, "academia"), (3, 1, 1, 1), False, (None, None, None)),
    ((LA, "academia"), (30, 5, 5, 4), False, (LA, None, None)),
]


@pytest.mark.parametrize(("given", "sizes", "is_answer", "expected"), CASES)
def test_an_attribution_names_only_groups_of_the_threshold_or_more(
    given, sizes, is_answer, expected
):
    shown = attribute(*given, GroupSizes(*sizes), 5, is_answer=is_answer)
    assert (shown.region, shown.respondent_type, shown.withheld) == expected
    assert shown.coarsened == ((shown.region, shown.respondent_type) != given)


# -- every output, on 8 responses -------------------------------------------------------------


def _star_every_response(app, client) -> dict[int, str]:
    """Give one quotable answer of each submitted response a marker text and star it; return
    response id -> marker."""
    markers = {}
    with app.app_context(), writing():
        questionnaires = current_questionnaires()
        for response in db.session.scalars(select(Response).where(Response.status == "submitted")):
            keys = [q.key for q in quotable_questions(questionnaires[response.questionnaire_key])]
            answer = db.session.scalar(
                select(Answer).where(
                    Answer.response_id == response.id,
                    Answer.question_key.in_(keys),
                    Answer.part_key == "",
                )
            )
            if answer is None:
                answer = Answer(response_id=response.id, question_key=keys[0], part_key="")
                db.session.add(answer)
            answer.value = f"Marker{response.id} says the Charter matters."
            markers[response.id] = (answer.value, answer.question_key)
        db.commit()
    page = client.get("/staff/outcomes/quotes").get_data(as_text=True)
    for response_id, (_text, question) in markers.items():
        reply = client.post(
            "/staff/outcomes/quotes",
            data={"csrf_token": csrf_token(page), "response_id": response_id, "question": question},
        )
        assert reply.status_code == 302
    return {rid: f"Marker{rid}" for rid in markers}


def _groups(app) -> tuple[Counter, dict[int, tuple[str, str | None, str | None]]]:
    """Counted independently of the rule: respondents per (questionnaire, region, type)."""
    with app.app_context():
        rows = db.session.execute(
            select(
                Response.id, Response.questionnaire_key, Response.region, Response.respondent_type
            ).where(Response.status == "submitted")
        ).all()
    return Counter((q, r, t) for _i, q, r, t in rows), {i: (q, r, t) for i, q, r, t in rows}


def _size(groups: Counter, questionnaire: str, region=None, kind=None) -> int:
    return sum(
        n
        for (q, r, t), n in groups.items()
        if q == questionnaire and (region is None or r == region) and (kind is None or t == kind)
    )


def _visible(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    return " ".join(tree.text_content().split())


def _check_outputs(app, client, markers, groups, owners, files=True):
    """Every output: no withheld questionnaire's quote, no small group named (``files``: the
    PPTX and the PDF too, which are read from the same deck page)."""
    with app.app_context():
        from consult.outcomes.filter_reading import region_names

        with app.test_request_context("/?lang=en"):
            regions = region_names()
    with app.app_context():
        type_labels = {
            option.key: dict(option.label)
            for definition in current_questionnaires().values()
            for option in definition.question(definition.profile_fields["respondent_type"]).options
        }
    withheld = {rid for rid, (q, _r, _t) in owners.items() if _size(groups, q) < 5}
    assert withheld, "the dataset needs a questionnaire below the threshold"
    shown_any = False
    for language in ("en", "fr", "es"):
        deck = client.get(f"/staff/outcomes/1/deck?lang={language}").get_data(as_text=True)
        presenter = client.get(f"/staff/outcomes/1/deck/presenter?lang={language}")
        texts = [_visible(deck), _visible(presenter.get_data(as_text=True))]
        for text in texts:
            for rid in withheld:
                assert markers[rid] not in text, (language, rid)
        shown_any = shown_any or any(markers[rid] in texts[0] for rid in owners)
        if language == "en":
            tree = lxml.html.fromstring(deck)
            lines = [p.text_content() for p in tree.xpath("//p[@class='quote-source']")]
            assert lines
            label_of = {label: key for key, label in regions.items()}
            for line in lines:
                named = [part for part in line.split(" · ") if part in label_of]
                for region_label in named:
                    assert _size(groups, "local-governments", label_of[region_label]) >= 5
                assert line.split(" · ")[0] in {"A local government", *label_of}, line
    assert shown_any, "the quotes of a questionnaire of 5 or more are shown"
    if not files:
        return
    pptx = Presentation(io.BytesIO(client.get("/staff/outcomes/1/deck.pptx?lang=fr").get_data()))
    pptx_text = " ".join(
        shape.text_frame.text
        for slide in pptx.slides
        for shape in [*slide.shapes, *slide.notes_slide.shapes]
        if shape.has_text_frame
    )
    pdf = PdfReader(io.BytesIO(client.get("/staff/outcomes/1/deck.pdf?lang=en&notes=1").data))
    pdf_text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    pptx_text = " ".join(pptx_text.split())
    assert "A local government" in pdf_text and "Une collectivité locale" in pptx_text
    for text, language in ((pptx_text, "fr"), (pdf_text, "en")):
        text = " ".join(text.split())
        for rid in withheld:
            assert markers[rid] not in text
        # Never a type of fewer than 5 as a quote's source, as the old line printed it.
        for q, _region, kind in groups:
            if kind and _size(groups, q, kind=kind) < 5:
                assert f" · {type_labels[kind][language]}" not in text, kind


def test_no_output_quotes_a_small_group(app, login):
    fill_demo(app, 8)
    client = login(app.test_client(), "analyst")
    markers = _star_every_response(app, client)
    groups, owners = _groups(app)
    # The quotes bank says why a quote will not be shown, and how the deck attributes the rest.
    bank = _visible(client.get("/staff/outcomes/quotes").get_data(as_text=True))
    assert "Not quoted in the deck or any public output" in bank
    assert "The deck attributes it to “A local government”" in bank
    assert freeze(client, "Eight").status_code == 302
    snapshot_page = _visible(client.get("/staff/outcomes/snapshots/1").get_data(as_text=True))
    assert "Not quoted in the deck: in this snapshot" in snapshot_page
    _check_outputs(app, client, markers, groups, owners)

    # A snapshot frozen before the rule (no sizes kept with its quotes) is protected too.
    with app.app_context(), writing():
        snapshot = db.session.get(OutcomeSnapshot, 1)
        summary = json.loads(snapshot.summary_json)
        for quote in summary["quotes"]:
            for field in ("group_sizes", "attribution", "questionnaire_key"):
                quote.pop(field, None)
        stored = json.dumps(summary)
        # As stored by an older release (the table, not the model, which refuses any change).
        db.session.execute(
            update(OutcomeSnapshot.__table__)
            .where(OutcomeSnapshot.__table__.c.id == 1)
            .values(summary_json=stored, summary_sha256=hashlib.sha256(stored.encode()).hexdigest())
        )
        db.commit()
    _check_outputs(app, client, markers, groups, owners, files=False)

    # Public page and Charter pages: no answer quoted.
    admin = login(app.test_client(), "admin")
    assert publish(admin, 1).status_code == 302
    public = [app.test_client().get(f"/outcomes?lang={lang}") for lang in ("en", "fr", "es")]
    charter = app.test_client().get("/charter").get_data(as_text=True)
    pages = [reply.get_data(as_text=True) for reply in public] + [charter]
    for reference in sorted(set(re.findall(r'href="/charter/([\w.-]+)"', charter))):
        pages.append(app.test_client().get(f"/charter/{reference}").get_data(as_text=True))
    assert len(pages) > 5
    for html in pages:
        text = _visible(html)
        for marker in markers.values():
            assert marker not in text


def test_the_quotes_bank_counts_its_groups_without_reading_every_response(app, login):
    """The bank's base is every submitted response: the database counts its groups (one
    grouped query), the sizes equal those counted from the ids, and the page never reads the
    responses' regions and types one row each (at 100,000 responses: 1 s of CPU a view)."""
    fill_demo(app, 30)
    client = login(app.test_client(), "analyst")
    _star_every_response(app, client)
    groups, owners = _groups(app)
    with app.app_context():
        quotes = [attribution.record_of(q) for q in db.session.scalars(select(OutcomeQuote))]
        counted = attribution.group_sizes(db.session, quotes, None, None)
        from_ids = attribution.group_sizes(db.session, quotes, list(owners), None)
        engine = db.engine
    assert counted == from_ids
    for quote, (key, sizes) in zip(quotes, counted, strict=True):
        questionnaire, region, kind = owners[quote["response_id"]]
        assert key == questionnaire
        assert sizes == GroupSizes(
            _size(groups, questionnaire),
            _size(groups, questionnaire, region),
            _size(groups, questionnaire, kind=kind),
            _size(groups, questionnaire, region, kind),
        )
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get("/staff/outcomes/quotes").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    regions_read = [s for s in sent if "responses.region" in s and s.startswith("SELECT")]
    assert regions_read, "the page attributes its quotes"
    for statement in regions_read:
        # Only counts, or the quoted responses themselves (the candidates of the page).
        assert "GROUP BY" in statement or "LIMIT" in statement, statement
