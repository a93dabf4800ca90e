"""Staff pages and exports read their facts in a fixed number of SQL statements, whatever the number of partners."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from bench.institute import generate
from ddq import create_app
from ddq.extensions import db
from ddq.library import current_library
from tests.conftest import PASSWORD, web_config

PAGES = [
    "/staff",
    "/staff?q=partner&sort=country&page=2",
    "/staff/portfolio",
    "/staff/portfolio?sort=band&page=2",
    "/staff/portfolio.csv",
    "/staff/portfolio.xlsx",
    "/staff/burden",
    "/staff/burden.csv",
    "/staff/burden/{partner}",
    "/staff/feedback",
]

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _institute(tmp_path, partners: int):
    database = tmp_path / f"institute-{partners}.sqlite3"
    app = create_app(web_config(database, tmp_path, DDQ_PAGE_SIZE=10, WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        made = generate(db.session, current_library(), partners, password_hash=_HASH)
        db.session.commit()
    return app, made


def _counts(app, made) -> dict[str, int]:
    client = app.test_client()
    response = client.post("/login", data={"email": made["staff_email"], "password": PASSWORD})
    assert response.status_code == 302
    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for page in PAGES:
            url = page.format(partner=made["first_partner"] + 1)
            client.get(url)  # warm: caches of immutable questionnaires are filled once per process
            statements.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()  # streamed bodies run their queries while they are read
            counts[page] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return counts


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    small = _counts(*_institute(tmp_path_factory.mktemp("small"), 5))
    large = _counts(*_institute(tmp_path_factory.mktemp("large"), 40))
    return small, large


@pytest.mark.parametrize("page", PAGES)
def test_statements_do_not_grow_with_partners(counts, page):
    small, large = counts
    assert large[page] <= small[page], f"{page}: {small[page]} statements at 5 partners, {large[page]} at 40"


@pytest.mark.parametrize("page", PAGES)
def test_statements_are_few(counts, page):
    small, _ = counts
    assert small[page] <= 30, f"{page}: {small[page]} statements"


def test_ledger_agrees_with_the_per_assessment_counts(tmp_path):
    """The set-based ledger counts what the per-assessment functions count, request by request."""
    from ddq.store.ledger_facts import ledger_requests
    from ddq.store.models import Answer, Assessment, EvidenceFile
    from ddq.store.passport import repeat_asks

    app, _ = _institute(tmp_path, 12)
    with app.app_context():
        facts = {request.assessment_id: request for request in ledger_requests(db.session)}
        assessments = db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")).all()
        assert set(facts) == {assessment.id for assessment in assessments}
        assert sum(request.repeat_asks for request in facts.values()) > 0, "the institute has no repeat asks"
        for assessment in assessments:
            request = facts[assessment.id]
            reused: list[Answer] = [answer for answer in assessment.answers if answer.reused_from_id]
            fresh_files = db.session.scalar(
                sa.select(sa.func.count(EvidenceFile.id))
                .join(Answer, EvidenceFile.answer_id == Answer.id)
                .where(Answer.assessment_id == assessment.id, Answer.reused_from_id.is_(None))
            )
            assert request.repeat_asks == repeat_asks(db.session, assessment)
            assert request.prefilled == len(reused)
            assert request.reused == sum(1 for answer in reused if answer.confirmed_at)
            assert request.documents_new == fresh_files
            assert request.partner == assessment.subject.name
        one = assessments[0]
        assert [r.assessment_id for r in ledger_requests(db.session, partner_id=one.subject_id)] == [
            a.id for a in assessments if a.subject_id == one.subject_id
        ]


def test_portfolio_rows_agree_with_each_assessments_facts(tmp_path):
    """The portfolio's plain-rows read gives each assessment the facts `assessment_facts` gives it: scoring inputs
    with the evidence level as it stands today (expired documents back nothing), scope, stage and who it is about."""
    from ddq.store.models import Assessment
    from ddq.store.report_facts import assessment_facts
    from ddq.store.staff_facts import portfolio_facts

    app, _ = _institute(tmp_path, 12)
    with app.app_context():
        portfolio = portfolio_facts(db.session)
        assert len(portfolio.assessments) == 12
        lowered = 0
        for facts in portfolio.assessments:
            expected = assessment_facts(db.session, db.session.get(Assessment, facts.id))
            assert facts.answers == expected.answers
            assert (facts.scope, facts.stage, facts.facts, facts.questionnaire_key, facts.partnered) == (
                expected.scope,
                expected.stage,
                expected.facts,
                expected.questionnaire_key,
                expected.partnered,
            )
            assert facts.active_seconds == expected.active_seconds
            assert facts.questionnaire is expected.questionnaire
            stored = db.session.get(Assessment, facts.id).answers
            recorded = {answer.question_id: answer.evidence_level for answer in stored}
            lowered += sum(answer.evidence_level < recorded[qid] for qid, answer in facts.answers.items())
        assert lowered > 0, "no expired document lowers a level: the rule is not exercised"
        page = portfolio_facts(db.session, limit=5, offset=5)
        assert [facts.id for facts in page.assessments] == [facts.id for facts in portfolio.assessments[5:10]]


def _statements_of(app, client, send) -> int:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    return len(statements)


@pytest.mark.parametrize("partners", [5, 40])
def test_a_section_page_and_a_draft_save_take_few_statements(tmp_path, partners):
    """A partner's section page: at most 10 statements whatever the number of answers, documents and comments
    (answers, their files, comments and carried-over sources are loaded together, the stored definition not at all);
    a draft save at most SAVE_STATEMENTS."""
    from ddq.store.models import Answer, Assessment, User
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import scope_of

    app, _ = _institute(tmp_path, partners)
    with app.app_context():
        assessment = db.session.scalar(
            sa.select(Assessment)
            .join(Answer, Answer.assessment_id == Assessment.id)
            .where(Assessment.direction == "partner_self", Answer.reused_from_id.is_not(None))
            .order_by(Assessment.id)
            .limit(1)
        )
        assessment.status = "in_progress"
        respondent = db.session.scalar(sa.select(User.email).where(User.organisation_id == assessment.respondent_id))
        db.session.commit()
        sections = [
            section
            for section in questionnaire_of(assessment.questionnaire_version).sections
            if section.applies_to.matches(scope_of(assessment))
        ]
        assert sum(1 for answer in assessment.answers if answer.evidence_files) >= 3
        assert any(answer.reused_from_id for answer in assessment.answers)
        assessment_id = assessment.id
    client = app.test_client()
    assert client.post("/login", data={"email": respondent, "password": PASSWORD}).status_code == 302
    saved = set()
    for section in sections:
        url = f"/a/{assessment_id}/s/{section.id}"
        client.get(url)  # warm: the questionnaire is rebuilt once per process
        assert _statements_of(app, client, lambda url=url: client.get(url)) <= 10, section.id
        for question in section.questions:
            kind = "text" if question.type in ("short_text", "long_text") else "scored" if question.scored else None
            if kind is None or kind in saved or not question.applies_to.matches(scope_of(assessment)):
                continue
            value = "A draft answer" if kind == "text" else str(question.choices[0].value) if question.choices else "1"
            count = _statements_of(
                app,
                client,
                lambda url=url, question=question, value=value: client.post(
                    url + "/autosave", data={f"q_{question.id}": value, "present": [question.id]}
                ),
            )
            assert count <= SAVE_STATEMENTS, (section.id, question.id, kind, count)
            saved.add(kind)
    assert saved == {"text", "scored"}


#: The most SQL statements any draft save may take (issue 16), whatever it saves.
SAVE_STATEMENTS = 8


def test_a_section_page_reads_as_many_statements_for_every_answer_as_for_a_few(tmp_path):
    """The biggest section of the capacity questionnaire, shown unanswered, then with a few answers, then with every
    answer given and commented: at most 10 statements each time, and no more for every answer than for a few (its
    static HTML is kept per version, its answers read together)."""
    from ddq.store import operations as ops
    from ddq.store.models import User

    app = create_app(web_config(tmp_path / "section.sqlite3", tmp_path, WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        questionnaire = current_library().questionnaire("partner-capacity")
        ops.create_organisation(db.session, "Institute", kind="host")
        partner = ops.create_organisation(db.session, "Partner")
        user = ops.create_user(db.session, "p@example.org", "P", "partner_respondent", partner)
        user.password_hash = _HASH
        partnership = ops.create_partnership(db.session, partner, "P", "project")
        assessment = ops.create_assessment(
            db.session, questionnaire, subject=partner, respondent=partner, partnership=partnership
        )
        ops.change_status(db.session, assessment, "sent")
        db.session.commit()
        section = max(questionnaire.sections, key=lambda section: len(section.questions))
        url = f"/a/{assessment.id}/s/{section.id}"
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    client = app.test_client()
    assert client.post("/login", data={"email": "p@example.org", "password": PASSWORD}).status_code == 302
    questions = [question for question in section.questions if not question.is_document]
    assert len(questions) >= 10, section.id

    def answer(some) -> None:
        posted = {"present": [question.id for question in some], "save": "1"}
        for question in some:
            posted[f"q_{question.id}"] = str(question.choices[0].value) if question.choices else "12"
            posted[f"comment_{question.id}"] = "Checked with the team."
        assert client.post(url, data=posted).status_code in (200, 302)

    client.get(url)  # the version's definition is read, and its questions' HTML made, once per process
    counts = [_statements_of(app, client, lambda: client.get(url))]
    answer(questions[:3])
    counts.append(_statements_of(app, client, lambda: client.get(url)))
    answer(questions)
    counts.append(_statements_of(app, client, lambda: client.get(url)))
    page = client.get(url).get_data(as_text=True)
    assert page.count("Checked with the team.</textarea>") == len(questions)
    assert max(counts) <= 10, counts
    assert counts[2] == counts[1], counts


def _save_paths(app, assessment_id: int) -> dict[str, tuple[str, str, str | None]]:
    """For each kind of save, a section and question of the assessment that takes it, and a value to save."""
    from ddq.store.models import Answer, Assessment
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import scope_of

    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        scope = scope_of(assessment)
        answers = {answer.question_id: answer for answer in assessment.answers}
        found: dict[str, tuple[str, str, str | None]] = {}
        for section in questionnaire_of(assessment.questionnaire_version).sections:
            if not section.applies_to.matches(scope):
                continue
            for question in section.questions:
                answer = answers.get(question.id)
                if not question.applies_to.matches(scope) or question.is_document:
                    continue
                carried = answer is not None and answer.reused_from_id is not None
                if question.type in ("short_text", "long_text") and "text" not in found:
                    found["text"] = (section.id, question.id, "A draft answer")  # made unanswered below
                elif question.scored and not question.gate and question.choices and not carried:
                    found.setdefault("scored", (section.id, question.id, str(question.choices[-1].value)))
                elif carried and answer.confirmed_at is None and question.derive_from is None:
                    other = [str(c.value) for c in question.choices if c.value != answer.value]
                    if other and "carried, re-answered" not in found:
                        found["carried, re-answered"] = (section.id, question.id, other[0])
                    else:
                        found.setdefault("carried, confirmed", (section.id, question.id, None))
        section_id, question_id, _value = found["text"]
        db.session.execute(
            sa.delete(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
        )
        db.session.commit()
        found["first save"] = (section_id, question_id, "The very first words")
        found["stale"] = (section_id, question_id, "Written over a newer answer")
        found["with empty ones"] = (section_id, question_id, "Another draft")
    return found


@pytest.mark.parametrize("status", ["in_progress", "sent"])
def test_every_kind_of_draft_save_takes_at_most_8_statements(tmp_path, status):
    """A draft save as the page sends it (with the active time): a first answer, a changed text, a scored item
    with the person's rating, a carried-over answer confirmed or answered anew, a stale save that comes back as a
    conflict, and one change posted with the page's unanswered questions; on a request just sent (its first save
    moves it to in progress) too. Each is done, and takes at most SAVE_STATEMENTS statements."""
    from ddq.store.models import Answer, AnswerRating, Assessment, User
    from ddq.store.operations import questionnaire_of

    app, _ = _institute(tmp_path, 5)
    with app.app_context():
        assessment = db.session.scalar(
            sa.select(Assessment)
            .join(Answer, Answer.assessment_id == Assessment.id)
            .where(
                Assessment.direction == "partner_self",
                Answer.reused_from_id.is_not(None),
                Answer.confirmed_at.is_(None),
            )
            .order_by(Assessment.id)
            .limit(1)
        )
        assessment.status = "in_progress"
        respondent = db.session.scalar(sa.select(User).where(User.organisation_id == assessment.respondent_id))
        email, respondent_id, assessment_id = respondent.email, respondent.id, assessment.id
        db.session.commit()
    paths = _save_paths(app, assessment_id)
    assert set(paths) == {
        "text", "scored", "carried, confirmed", "carried, re-answered", "first save", "stale", "with empty ones"
    }
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    client.post(f"/a/{assessment_id}/s/{paths['text'][0]}/autosave", data={"present": []})  # warm
    kinds = ("first save", "text", "scored", "carried, confirmed", "carried, re-answered", "stale", "with empty ones")
    for kind in kinds:
        section_id, question_id, value = paths[kind]
        with app.app_context():
            db.session.execute(sa.update(Assessment).where(Assessment.id == assessment_id).values(status=status))
            db.session.commit()
            answer = db.session.scalar(
                sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
            )
            version = answer.version if answer is not None else 0
            if value is None:
                value = str(answer.value)
            questionnaire = questionnaire_of(db.session.get(Assessment, assessment_id).questionnaire_version)
            section = next(section for section in questionnaire.sections if section.id == section_id)
            answered = set(
                db.session.scalars(sa.select(Answer.question_id).where(Answer.assessment_id == assessment_id))
            )
        data: dict[str, object] = {
            "present": [question_id],
            f"q_{question_id}": value,
            f"version_{question_id}": str(version - 1 if kind == "stale" else version),
            "active_seconds": "12",
        }
        if kind == "carried, confirmed":
            data[f"confirm_{question_id}"] = "y"
        if kind == "with empty ones":  # the unanswered questions of the page, posted empty: nothing to write
            data["present"] = [question_id, *(q.id for q in section.questions if q.id not in answered)]
            assert len(data["present"]) > 3
        url = f"/a/{assessment_id}/s/{section_id}/autosave"
        count = _statements_of(app, client, lambda url=url, data=data: client.post(url, data=data))
        assert count <= SAVE_STATEMENTS, (kind, status, count)
        with app.app_context():
            db.session.expire_all()
            answer = db.session.scalar(
                sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
            )
            rating = db.session.scalar(
                sa.select(AnswerRating.value).where(
                    AnswerRating.answer_id == answer.id, AnswerRating.user_id == respondent_id
                )
            )
            assert db.session.get(Assessment, assessment_id).status == "in_progress", kind
        if kind == "stale":
            assert answer.value != value, "a stale save must not overwrite the newer answer"
            continue
        assert str(answer.value) == value, (kind, answer.value)
        assert answer.version == (version if kind == "carried, confirmed" else version + 1), kind
        if kind.startswith("carried"):
            assert answer.confirmed_at is not None, kind
        if kind == "scored":
            assert str(rating) == value


def test_the_feedback_page_reads_counts_not_answers(tmp_path):
    """Partners' feedback is counted in the database: the page loads no answer, and its figures are those the
    partners' answers give one by one, the anonymity rule deciding per question on the partners who answered it."""
    from ddq.core.anonymity import may_show
    from ddq.core.questions import summarise
    from ddq.reporting.feedback import feedback_table
    from ddq.store.models import Answer, Assessment
    from ddq.store.report_facts import feedback_facts, feedback_tally

    app, made = _institute(tmp_path, 40)
    with app.app_context():
        questionnaire = current_library().questionnaire("partner-feedback")
        few, unanswered = questionnaire.questions[0].id, questionnaire.questions[1].id
        rated = db.session.scalars(
            sa.select(Assessment.id).where(Assessment.direction == "partner_rates_host").order_by(Assessment.id)
        ).all()
        assert len(rated) >= 5
        for question_id, kept in ((few, rated[:2]), (unanswered, [])):  # two partners only; nobody
            db.session.execute(
                sa.delete(Answer).where(Answer.question_id == question_id, Answer.assessment_id.not_in(kept))
            )
        db.session.commit()
        facts, tally = feedback_facts(db.session), feedback_tally(db.session)
        expected = []
        for question in questionnaire.questions:
            answers = [answer for answer in facts.answers if answer.question_id == question.id]
            shown = may_show({answer.partner for answer in answers})
            summary = summarise(question, [answer.value for answer in answers]) if shown else ""
            expected.append((question.id, not shown, len(answers) if shown else None, summary))
        table = feedback_table(tally, questionnaire)
        assert [(row["question"].id, row["withheld"], row["count"], row["summary"]) for row in table] == expected
        assert tally.respondents == facts.respondents == len(rated)
        withheld = {row["question"].id for row in table if row["withheld"]}
        assert withheld == {few, unanswered}
        assert sum(1 for row in table if row["count"] and row["count"] >= 3) >= 5

    loaded: list[object] = []

    def load(target, context) -> None:
        loaded.append(target)

    sa.event.listen(Answer, "load", load)
    try:
        client = app.test_client()
        client.post("/login", data={"email": made["staff_email"], "password": PASSWORD})
        page = client.get("/staff/feedback")
    finally:
        sa.event.remove(Answer, "load", load)
    assert page.status_code == 200
    assert "withheld to protect anonymity" in page.get_data(as_text=True)
    assert loaded == [], f"the feedback page loaded {len(loaded)} answers"


def test_portfolio_parity_and_gates_agree_with_each_assessment(tmp_path):
    """The portfolio works out skip logic, flagged gates and parity once per combination of the answers they read;
    each row still gives what the assessment's own answers give."""
    from ddq.core.questions import type_of
    from ddq.core.scoring import AnswerInput, gate_result, given_values, is_shown
    from ddq.reporting.context import parity_with
    from ddq.reporting.overview import portfolio_context
    from ddq.store.staff_facts import portfolio_facts

    app, _ = _institute(tmp_path, 40)
    with app.app_context():
        library = current_library()
        portfolio = portfolio_facts(db.session)
        assert portfolio.disclosure is not None
        # twins of flagged partners, listed first, whose gates pass and whose answers are otherwise the same
        twins = []
        for facts in portfolio.assessments:
            for gate in (q for _, q in facts.questionnaire.applicable(facts.scope) if q.gate):
                answer = facts.answers.get(gate.id)
                if answer is None or gate_result(gate, answer).passed is not False:
                    continue
                passing = next(c.value for c in gate.choices if type_of(gate).gate_passes(gate, c.value))
                answers = {**facts.answers, gate.id: AnswerInput(passing, False, answer.evidence_level)}
                twins.append(dataclasses.replace(facts, id=-facts.id, answers=answers))
        assert twins, "no gate flags: the rule is not exercised"
        portfolio = dataclasses.replace(portfolio, assessments=(*twins, *portfolio.assessments))
        rows = {row["assessment_id"]: row for row in portfolio_context(portfolio, library, "en")["rows"]}
        for facts in portfolio.assessments:
            given = given_values(facts.answers)
            gates = [q for _, q in facts.questionnaire.applicable(facts.scope) if q.gate]
            flagged = [
                gate.text.get("en")
                for gate in gates
                if is_shown(gate, given) and gate_result(gate, facts.answers.get(gate.id)).passed is False
            ]
            row = rows[facts.id]
            assert row["flagged_gates"] == flagged, facts.id
            assert row["parity"] == parity_with(facts, portfolio.disclosure, library).parity, facts.id
