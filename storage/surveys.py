"""Questionnaires (问卷调查): short, anonymous, to roles and departments, with results under the
same k as every other count.

A questionnaire has up to 20 questions of four kinds: one choice, several choices, a 1-5 scale
and free text. Answers are written like ballots (storage/anonymous_pool.py): one row per
answer with a random key and no respondent, in shuffled batches of at least k respondents,
beside the respondents list that holds the day only; what is left at the close is written
without its respondents. Each respondent's batch also carries one row for question -1, so that
the number of respondents is counted from the answers alone.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from storage import anonymous_pool, audit, people
from storage.clock import clock, iso, parse_iso
from storage.departments import current_names  # a name renamed since the form offered it
from storage.people import Person

SINGLE, MULTIPLE, SCALE, TEXT = "single", "multiple", "scale", "text"
KINDS = (SINGLE, MULTIPLE, SCALE, TEXT)
KIND_WORDS = {
    SINGLE: ("单选", "單選", "single"),
    MULTIPLE: ("多选", "多選", "multiple"),
    SCALE: ("评分", "評分", "打分", "scale"),
    TEXT: ("文字", "填空", "问答", "問答", "text"),
}
SCALE_POINTS = ("1", "2", "3", "4", "5")
MAX_QUESTIONS = 20
MAX_OPTIONS = 10
MAX_QUESTION_CHARS = 200
MAX_OPTION_CHARS = 30
MAX_ANSWER_CHARS = 1000
COUNTED = -1  # the question number of the row every respondent leaves once
NOBODY = "nobody"  # the roles of a questionnaire for the public only: no one on the roster holds it
PUBLIC_PREFIX = "survey_"  # the public link's payload: t.me/<bot>?start=survey_<hex>


class SurveyError(Exception):
    """Refused; `reason` is a catalog key suffix, `values` fill its sentence."""

    def __init__(self, reason: str, **values) -> None:
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass(frozen=True)
class Question:
    position: int
    kind: str
    text: str
    options: tuple[str, ...] = ()

    @property
    def choices(self) -> tuple[str, ...]:
        return SCALE_POINTS if self.kind == SCALE else self.options


@dataclass(frozen=True)
class Survey:
    id: int
    title: str
    roles: frozenset[str]
    departments: frozenset[str]
    opens_at: datetime
    closes_at: datetime
    concluded: bool
    questions: tuple[Question, ...]
    public_code: str | None = None  # set when anyone with the link may answer (the public)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at and not self.concluded

    def may_answer(self, person: Person) -> bool:
        return (
            person.active
            and (not self.roles or person.has_any(self.roles))
            and (not self.departments or person.department in self.departments)
        )


_KIND_OF = {word: kind for kind, words in KIND_WORDS.items() for word in words}
LINE = re.compile(r"^\s*(?:\d+\s*[.、．)）]\s*)?([^:：\s]+)\s*[:：]\s*(.+?)\s*$")


def parse_questions(lines: list[str]) -> list[Question]:
    """One question a line: `单选：问题｜选项/选项`, `多选：…｜…`, `评分：问题`, `文字：问题`
    (a leading number is allowed). Raises SurveyError naming the line that is wrong."""
    found: list[Question] = []
    for number, line in enumerate((raw for raw in lines if raw.strip()), start=1):
        match = LINE.match(line)
        kind = _KIND_OF.get(match[1].lower()) if match else None
        if match is None or kind is None:
            raise SurveyError("bad_line", line=number)
        text, _, rest = match[2].replace("｜", "|").partition("|")
        text = text.strip()
        options = tuple(o.strip() for o in re.split(r"[/／]", rest) if o.strip()) if rest else ()
        if not text or len(text) > MAX_QUESTION_CHARS:
            raise SurveyError("bad_question", line=number, limit=MAX_QUESTION_CHARS)
        if kind in (SINGLE, MULTIPLE) and not 2 <= len(options) <= MAX_OPTIONS:
            raise SurveyError("bad_options", line=number, limit=MAX_OPTIONS)
        if kind in (SINGLE, MULTIPLE) and (
            len(set(options)) != len(options) or any(len(o) > MAX_OPTION_CHARS for o in options)
        ):
            raise SurveyError("bad_options", line=number, limit=MAX_OPTIONS)
        found.append(Question(len(found), kind, text, options if kind in (SINGLE, MULTIPLE) else ()))
    if not found:
        raise SurveyError("no_questions")
    if len(found) > MAX_QUESTIONS:
        raise SurveyError("too_many", limit=MAX_QUESTIONS)
    return found


def create(
    db: sqlite_utils.Database,
    title: str,
    questions: list[Question],
    closes_at: datetime,
    *,
    roles: frozenset[str] = frozenset(),
    departments: frozenset[str] = frozenset(),
    created_by: int | None = None,
    public: bool = False,
) -> int:
    now = clock.now()
    if not title.strip() or not questions or len(questions) > MAX_QUESTIONS:
        raise SurveyError("no_questions")
    if closes_at <= now:
        raise SurveyError("past_close")
    with db.atomic():
        survey_id = db.execute(
            "insert into surveys (title, roles, departments, opens_at, closes_at, created_by, public_code) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [
                title.strip(),
                " ".join(sorted(roles)),
                json.dumps(sorted(current_names(db, departments)), ensure_ascii=False),
                iso(now),
                iso(closes_at),
                created_by,
                PUBLIC_PREFIX + secrets.token_hex(6) if public else None,
            ],
        ).lastrowid
        db.conn.executemany(
            "insert into survey_questions (survey_id, position, kind, text, options) values (?, ?, ?, ?, ?)",
            [
                (survey_id, q.position, q.kind, q.text, json.dumps(list(q.options), ensure_ascii=False))
                for q in questions
            ],
        )
        audit.record(db, "survey.create", f"survey:{survey_id}", created_by, title=title)
    assert survey_id is not None
    return survey_id


def _survey(db: sqlite_utils.Database, row: dict) -> Survey:
    questions = tuple(
        Question(r["position"], r["kind"], r["text"], tuple(json.loads(r["options"])))
        for r in db.query("select * from survey_questions where survey_id = ? order by position", [row["id"]])
    )
    return Survey(
        row["id"],
        row["title"],
        frozenset(row["roles"].split()),
        frozenset(json.loads(row["departments"])),
        parse_iso(row["opens_at"]),
        parse_iso(row["closes_at"]),
        bool(row["concluded"]),
        questions,
        row["public_code"],
    )


def get(db: sqlite_utils.Database, survey_id: int) -> Survey | None:
    rows = list(db.query("select * from surveys where id = ?", [survey_id]))
    return _survey(db, rows[0]) if rows else None


def newest_first(db: sqlite_utils.Database) -> list[Survey]:
    """Every questionnaire, the newest first (/surveys pages through them)."""
    return [_survey(db, r) for r in db.query("select * from surveys order by id desc")]


def open_surveys(db: sqlite_utils.Database) -> list[Survey]:
    return [_survey(db, r) for r in db.query("select * from surveys where concluded = 0 order by id")]


def eligible(db: sqlite_utils.Database, survey: Survey) -> list[Person]:
    return [p for p in people.everyone(db) if survey.may_answer(p)]


def on_respondents_list(db: sqlite_utils.Database, survey_id: int, person_id: int) -> bool:
    """Answered and written with a batch: all that a reminder written to the outbox may follow
    (as evaluations.on_voters_list: the pool's respondents are reminded too)."""
    return (
        db.execute(
            "select 1 from survey_respondents where survey_id = ? and person_id = ?", [survey_id, person_id]
        ).fetchone()
        is not None
    )


def has_answered(db: sqlite_utils.Database, survey_id: int, person_id: int) -> bool:
    return (
        anonymous_pool.pool_for(db).has_answered(survey_id, person_id)
        or db.execute(
            "select 1 from survey_respondents where survey_id = ? and person_id = ?", [survey_id, person_id]
        ).fetchone()
        is not None
    )


def submit(
    db: sqlite_utils.Database,
    survey_id: int,
    person: Person,
    answers: dict[int, list[str] | str | None],
    today: date,
) -> None:
    """One respondent's whole questionnaire: for each question the chosen option indexes (as
    text), or the typed text, or None (skipped). It waits in the mixing pool for its batch."""
    survey = get(db, survey_id)
    if survey is None or not survey.is_open(clock.now()):
        raise SurveyError("closed")
    if not survey.may_answer(person):
        raise SurveyError("not_invited")
    if has_answered(db, survey_id, person.id):
        raise SurveyError("already")
    anonymous_pool.pool_for(db).add_answers(survey_id, person.id, _rows(survey, answers), today.isoformat())


PUBLIC_CODE = re.compile(PUBLIC_PREFIX + "[0-9a-f]{12}")  # as create() makes them


def looks_like_public_code(text: str) -> bool:
    return PUBLIC_CODE.fullmatch(text) is not None


def by_public_code(db: sqlite_utils.Database, code: str) -> Survey | None:
    rows = list(db.query("select * from surveys where public_code = ?", [code]))
    return _survey(db, rows[0]) if rows else None


def submit_public(
    db: sqlite_utils.Database,
    survey_id: int,
    voter: str,
    answers: dict[int, list[str] | str | None],
    today: date,
) -> None:
    """A guest's answers, through the public link: `voter` is a keyed hash that lives only in
    the bot's memory (handlers keep who answered that way); nothing of the guest is written."""
    survey = get(db, survey_id)
    if survey is None or survey.public_code is None or not survey.is_open(clock.now()):
        raise SurveyError("closed")
    if anonymous_pool.pool_for(db).has_answered(survey_id, voter):
        raise SurveyError("already")
    anonymous_pool.pool_for(db).add_answers(survey_id, voter, _rows(survey, answers), today.isoformat())


def _rows(survey: Survey, answers: dict[int, list[str] | str | None]) -> list[tuple]:
    rows: list[tuple] = [(COUNTED, "1")]
    for question in survey.questions:
        given = answers.get(question.position)
        if given is None:
            continue
        if question.kind == TEXT:
            text = str(given).strip()
            if text:
                rows.append((question.position, text[:MAX_ANSWER_CHARS]))
            continue
        chosen = [given] if isinstance(given, str) else list(given)
        if any(not c.isdigit() or int(c) >= len(question.choices) for c in chosen):
            raise SurveyError("incomplete")
        rows += [(question.position, c) for c in sorted(set(chosen))]
    return rows


def respondent_count(db: sqlite_utils.Database, survey_id: int) -> int:
    """Respondents whose answers are written (with their batch, or at the close)."""
    return db.execute(
        "select count(*) from survey_answers where survey_id = ? and question = ?", [survey_id, COUNTED]
    ).fetchone()[0]


def conclude(db: sqlite_utils.Database, survey_id: int) -> bool:
    """Close it; answers still waiting are written first, without their respondents."""
    anonymous_pool.pool_for(db).write_survey(survey_id, with_voters=False)
    with db.atomic():
        return (
            db.execute(
                "update surveys set concluded = 1 where id = ? and concluded = 0", [survey_id]
            ).rowcount
            == 1
        )


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    counts: tuple[int, ...]  # per choice (choices and scale)
    answered: int  # respondents who answered it (several choices: all respondents)
    texts: tuple[str, ...]  # free text, in random-key order (never arrival order)

    @property
    def average(self) -> float | None:
        if self.question.kind != SCALE or not self.answered:
            return None
        return sum((i + 1) * n for i, n in enumerate(self.counts)) / self.answered


def results(db: sqlite_utils.Database, survey: Survey, k: int) -> tuple[int, list[QuestionResult] | None]:
    """(respondents, per-question results); the results are None under k respondents, when
    even a count could point at someone."""
    respondents = respondent_count(db, survey.id)
    if respondents < k:
        return respondents, None
    counts: dict[tuple[int, str], int] = {
        (r["question"], r["value"]): r["n"]
        for r in db.query(
            "select question, value, count(*) as n from survey_answers where survey_id = ? "
            "and question >= 0 and question in (select position from survey_questions "
            "where survey_id = ? and kind != 'text') "
            "group by question, value",
            [survey.id, survey.id],
        )
    }
    found = []
    for question in survey.questions:
        if question.kind == TEXT:
            texts = tuple(
                r[0]
                for r in db.execute(
                    "select value from survey_answers where survey_id = ? and question = ? order by id",
                    [survey.id, question.position],
                )
            )
            found.append(QuestionResult(question, (), len(texts), texts))
            continue
        per = tuple(counts.get((question.position, str(i)), 0) for i in range(len(question.choices)))
        # several choices leave a row per option: their shares are of all respondents
        answered = respondents if question.kind == MULTIPLE else sum(per)
        found.append(QuestionResult(question, per, answered, ()))
    return respondents, found


# ---- the Excel template ---------------------------------------------------------------------

TEMPLATE_FIELDS = ("标题", "截止时间", "对象")
TEMPLATE_HEADER = ("题型", "题目", "选项（用 / 隔开）")
MAX_TEMPLATE_BYTES = 1_000_000


def template_workbook() -> bytes:
    """The template the office fills in: three fields, then one question a row."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "问卷"
    for name, example in zip(TEMPLATE_FIELDS, ("门诊环境调查", "7天", "门诊部"), strict=True):
        sheet.append([name, example])
    sheet.append([])
    sheet.append(list(TEMPLATE_HEADER))
    sheet.append(["单选", "您对候诊环境满意吗？", "满意/一般/不满意"])
    sheet.append(["多选", "您觉得哪些方面要改进？", "座椅/指示牌/卫生间"])
    sheet.append(["评分", "整体满意度", None])
    sheet.append(["文字", "还有什么建议？", None])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_as_text(raw: bytes) -> str:
    """A filled-in template as the chat's text form (`/survey 标题 | 截止 | 对象` and a line a
    question), so that both go through one parser and one preview. SurveyError("bad_file")
    when it is not such a workbook."""
    import io
    import zipfile

    from openpyxl import load_workbook

    if len(raw) > MAX_TEMPLATE_BYTES:
        raise SurveyError("bad_file")
    try:
        sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True).worksheets[0]
        rows = [
            ["" if v is None else str(v).strip() for v in row[:3]]
            for row in sheet.iter_rows(max_row=MAX_QUESTIONS + 10, values_only=True)
        ]
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, IndexError):
        raise SurveyError("bad_file") from None
    fields = {row[0]: row[1] for row in rows if len(row) > 1 and row[0] in TEMPLATE_FIELDS}
    if not fields.get("标题"):
        raise SurveyError("bad_file")
    header = next((i for i, row in enumerate(rows) if row and row[0] == TEMPLATE_HEADER[0]), None)
    if header is None:
        raise SurveyError("bad_file")
    lines = []
    for row in rows[header + 1 :]:
        row = (row + ["", "", ""])[:3]
        if not any(row):
            continue
        options = "/".join(o.strip() for o in re.split(r"[/／\n、]", row[2]) if o.strip())
        lines.append(f"{row[0]}：{row[1]}" + (f"｜{options}" if options else ""))
    first = f"/survey {fields['标题']} | {fields.get('截止时间', '')} | {fields.get('对象', '')}"
    return "\n".join([first, *lines])
