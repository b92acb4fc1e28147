"""A page save on PostgreSQL without a transaction (consult.questionnaires.guarded).

The read takes no lock; the one write applies only if the row still holds every value the save
read (consult.questionnaires.page_writes); a save that met another write in between writes
nothing and runs again from a fresh read, so that neither save's answers are lost. SQLite keeps
its IMMEDIATE write transactions (nothing to test there).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from consult.db import db
from consult.questionnaires import guarded, operations, page_writes
from consult.questionnaires.registry import definition_of
from tests.conftest import answers_in_store
from tests.questionnaires.test_respond import PROFILE, fill_required
from tests.questionnaires.test_shared_link import Browser

pytestmark = pytest.mark.postgres

#: How another write changes each column the save read (raw SQL, committed on its own
#: connection between the save's read and its write).
CHANGES = {
    "questionnaire_key": "questionnaire_key = questionnaire_key || '-2'",
    "questionnaire_version": "questionnaire_version = questionnaire_version + 100",
    "version_id": "version_id = (SELECT max(id) FROM questionnaire_versions AS v"
    " WHERE v.id <> responses.version_id)",
    "status": "status = CASE WHEN status = 'draft' THEN 'submitted' ELSE 'draft' END",
    "language": "language = CASE WHEN language = 'fr' THEN 'es' ELSE 'fr' END",
    "last_section_key": "last_section_key = 'articles'",
    "answers_document": "answers_document = answers_document || ' '",
    "hidden_answers": "hidden_answers = '{}'",
    "revision": "revision = revision + 1",
    "unit_editors": "unit_editors = 'q.other=someone-else'",
}
#: A column the save does not read (it writes it, as the locked save would after the other).
UNREAD = "country = 'AR', updated_at = updated_at - interval '1 hour'"


def test_every_column_the_save_reads_has_a_change_in_the_table():
    assert set(CHANGES) == set(page_writes.READ_COLUMNS)


def _stored(response_id: int) -> tuple:
    """The response row and its Answer rows, as stored."""
    row = db.engine.connect()
    try:
        return (
            row.execute(text("SELECT * FROM responses WHERE id = :id"), {"id": response_id}).one(),
            row.execute(
                text(
                    "SELECT question_key, part_key, value FROM answers WHERE response_id = :id"
                    " ORDER BY question_key, part_key"
                ),
                {"id": response_id},
            ).all(),
        )
    finally:
        row.close()


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
@pytest.mark.parametrize("change", [*sorted(CHANGES), "unread"])
def test_a_write_without_lock_applies_only_to_the_row_as_it_was_read(
    app, respondent, change, submitted
):
    """The chokepoint, one column changed at a time between the read and the write: a changed
    value makes the write write nothing at all (the response row, and a submitted response's
    Answer rows); a change to a column the save does not read lets it write."""
    respondent.start()
    if submitted:
        fill_required(respondent)
        assert respondent.submit().status_code == 303
    else:
        assert respondent.save("profile", PROFILE).status_code == 303
    with app.test_request_context(method="POST"):
        assert db.statements_connection() is not None
        read = operations.open_response_to_save(db, respondent.token, for_update=False)
        questionnaire = definition_of(read)
        stored = operations.answers_of(db, read, questionnaire)
        with db.engine.begin() as other:
            sql = UNREAD if change == "unread" else CHANGES[change]
            other.execute(text(f"UPDATE responses SET {sql} WHERE id = :id"), {"id": read.id})
        before = _stored(read.id)
        changed = {"institution_name": {"": "Ville de Montréal"}}
        if change != "unread":
            with pytest.raises(page_writes.SaveRaced):
                operations.write_answers(db, questionnaire, read, changed, stored=stored)
            db.rollback()
            assert _stored(read.id) == before
            return
        operations.write_answers(db, questionnaire, read, changed, stored=stored)
        db.commit()
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Ville de Montréal"}


def test_the_connection_gets_its_transactions_back_after_the_guarded_write(app, respondent):
    """After commit (or rollback), what the request does next runs in one transaction again:
    a later write is not committed statement by statement."""
    respondent.start()
    with app.test_request_context(method="POST"):
        connection = db.statements_connection()
        assert page_writes.is_unlocked(connection)
        db.commit()
        assert not page_writes.is_unlocked(db.connection())
        db.connection().execute(text("UPDATE responses SET language = 'es'"))
        db.rollback()
    with app.app_context():
        assert db.session.execute(text("SELECT language FROM responses")).scalar_one() == "en"


class Colleague:
    """Saves another answer through a second browser while the first browser's save is between
    its read and its write (at its guarded write, the first ``times`` times)."""

    def __init__(self, app, token: str, times: int = 1) -> None:
        self.browser = Browser(app, token)
        self.browser.open("profile")
        self.times = times
        self.saved = 0
        self.busy = False
        self.replies: list[int] = []

    def __call__(self, _conn, _cursor, statement, *_rest) -> None:
        if self.busy or self.saved >= self.times or "IS NOT DISTINCT FROM" not in statement:
            return
        self.busy = True
        try:
            # Another worker: its own thread, so its own request and database connection.
            worker = threading.Thread(target=self._save)
            worker.start()
            worker.join(timeout=30)
            assert self.replies[-1] == 303, self.replies
            self.saved += 1
        finally:
            self.busy = False

    def _save(self) -> None:
        department = f"Secretaría {self.saved + 1}"
        reply = self.browser.save("profile", {**PROFILE, "q.respondent_department": department})
        self.replies.append(reply.status_code)
        self.browser.open("profile")


@pytest.mark.parametrize("route", ["page", "autosave"])
def test_a_save_that_met_another_runs_again_and_keeps_both(app, respondent, route):
    """Two colleagues on one link: the second save lands between the first's read and write.
    The first writes nothing, runs again from the fresh row and merges: both answers are kept,
    and the first gets its ordinary reply."""
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    first = Browser(app, token)
    first.open("profile")
    colleague = Colleague(app, token)
    fields = {**PROFILE, "q.institution_name": "Ville de Montréal"}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", colleague)
        try:
            if route == "page":
                reply = first.save("profile", fields)
                assert reply.status_code == 303, reply.get_data(as_text=True)[:500]
            else:
                reply = first.autosave("profile", fields)
                assert reply.status_code == 200 and reply.get_json()["saved"] is True
        finally:
            event.remove(db.engine, "before_cursor_execute", colleague)
    assert colleague.saved == 1
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Ville de Montréal"}
    assert answers["respondent_department"] == {"": "Secretaría 1"}


def test_a_save_that_keeps_meeting_others_takes_the_lock_at_last(app, respondent):
    """Whatever the race, a save ends: its last attempt reads with FOR UPDATE and writes
    unguarded, in one transaction."""
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    first = Browser(app, token)
    first.open("profile")
    colleague = Colleague(app, token, times=guarded.ATTEMPTS)
    locked: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        if "FOR UPDATE" in statement and statement.lstrip().startswith("SELECT"):
            locked.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", colleague)
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            reply = first.save("profile", {**PROFILE, "q.institution_name": "Ville de Montréal"})
        finally:
            event.remove(db.engine, "before_cursor_execute", colleague)
            event.remove(db.engine, "before_cursor_execute", note)
    assert reply.status_code == 303
    assert colleague.saved == guarded.ATTEMPTS - 1  # the last attempt was not guarded
    assert len(locked) == 1
    (answers,) = answers_in_store(app).values()
    assert answers["institution_name"] == {"": "Ville de Montréal"}
    assert answers["respondent_department"] == {"": f"Secretaría {guarded.ATTEMPTS - 1}"}


@pytest.mark.parametrize("route", ["page", "autosave"])
def test_a_save_reads_without_lock_and_writes_through_the_guard(app, respondent, route):
    """The walk: both routes that save a page take the unlocked path on PostgreSQL."""
    token = respondent.start()
    assert respondent.save("profile", PROFILE).status_code == 303
    browser = Browser(app, token)
    browser.open("profile")
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            fields = {**PROFILE, "q.institution_name": "Ville de Montréal"}
            reply = (browser.save if route == "page" else browser.autosave)("profile", fields)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert reply.status_code in (200, 303)
    responses = [s for s in seen if " responses" in s and not s.startswith("INSERT")]
    assert not any("FOR UPDATE" in s for s in responses), responses
    assert any(s.startswith("UPDATE responses") and "IS NOT DISTINCT FROM" in s for s in seen)
