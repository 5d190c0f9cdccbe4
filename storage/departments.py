"""Correcting departments: rename one, merge one into another, remove an empty one.

A department is created on first mention (a roster row, a typed name), so a typo, a look-alike
(公卫科 beside 公共卫生科) or a stray space becomes a department of its own and stays in every
picker. The office fixes it here. Everything that names a department follows:

- by id: people (and so their digests, which follow their department), opinions (the
  department an opinion is about; an anonymous one's label moves with the rest, in the same
  statement as the named ones, and nothing of who wrote it is read or written), problems,
  self-check reports, rating-sheet subjects, look-back electorates;
- by name: the audiences of meetings and phases, the raters of rating sheets, the respondents
  of questionnaires;
- the old name is kept as a former name (department_former_names), so that a roster file, a
  typed name, a draft or an old button that still says 公卫科 finds 公共卫生科 instead of
  creating the typo again;
- opinions still waiting in the mixing pool (memory only) are written, with their batch as
  ever, about the department theirs became (anonymous_pool reads `current_id` as it writes:
  a merge on the command line, in another process, is followed too).

A merge cannot simply be undone (the merged department's members are no longer told apart), so
the office sees `usage` first. A department with nothing in it can be removed (an opinion about
it still waiting in the pool is then written about no department: refusing the removal instead
would tell the office that one was just submitted)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import sqlite_utils

from storage import audit, names, people

MAX_NAME = 40  # characters: a department's name is a button's text and a ledger column


class DepartmentError(Exception):
    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.reason, self.name = reason, name


@dataclass
class Usage:
    """What names a department: what a rename relabels and a merge moves, counted."""

    people: int = 0  # active
    former_people: int = 0  # deactivated by a roster import, kept with their history
    digests: int = 0  # people of the department who receive digests
    opinions: int = 0
    problems: int = 0
    self_checks: int = 0
    subjects: int = 0  # rating-sheet subjects that are this department
    lookbacks: int = 0  # look-backs that ask this department
    meetings: int = 0  # meetings and phases whose audience names it
    sheets: int = 0  # rating sheets whose raters name it
    surveys: int = 0  # questionnaires whose respondents name it

    @property
    def empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def nonzero(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _count(db: sqlite_utils.Database, query: str, params: list) -> int:
    return db.execute(query, params).fetchone()[0]


def _name(db: sqlite_utils.Database, department_id: int) -> str:
    row = db.execute("select name from departments where id = ?", [department_id]).fetchone()
    if row is None:
        raise DepartmentError("gone")
    return row[0]


# ---- the departments named in lists (by name, as the office typed or picked them) ----------

_LISTS = (  # table, column, how the list is written ("|" joined or JSON), the Usage field
    ("events", "departments", "bar", "meetings"),
    ("evaluation_sheets", "departments", "json", "sheets"),
    ("surveys", "departments", "json", "surveys"),
)


def _read_list(text: str, form: str) -> list[str]:
    if form == "bar":
        return [word for word in text.split("|") if word]
    return list(json.loads(text or "[]"))


def _write_list(words: list[str], form: str) -> str:
    if form == "bar":
        return "|".join(words)
    return json.dumps(sorted(words), ensure_ascii=False)


def _listing(db: sqlite_utils.Database, table: str, column: str, form: str, name: str) -> list[tuple]:
    """(rowid, words) of the rows whose list names `name` (compared normalised)."""
    wanted = names.normalise(name)
    found = []
    for rowid, text in db.execute(f"select rowid, {column} from {table}"):  # a few rows: read all
        words = _read_list(text, form)
        if any(names.normalise(word) == wanted for word in words):
            found.append((rowid, words))
    return found


def _replace_in_lists(db: sqlite_utils.Database, old: str, new: str) -> None:
    wanted = names.normalise(old)
    for table, column, form, _ in _LISTS:
        for rowid, words in _listing(db, table, column, form, old):
            replaced = []
            for word in words:
                word = new if names.normalise(word) == wanted else word
                if word not in replaced:
                    replaced.append(word)
            db.execute(
                f"update {table} set {column} = ? where rowid = ?", [_write_list(replaced, form), rowid]
            )


def looks_alike(one: str, other: str) -> bool:
    """One name is the other with characters left out (公卫科 in 公共卫生科, 门诊 in 门诊部),
    starting alike: how offices shorten a department's name (compared normalised)."""
    short, long = sorted((names.normalise(one), names.normalise(other)), key=len)
    if len(short) < 2 or short[0] != long[0]:
        return False
    rest = iter(long)
    return all(char in rest for char in short)


# ---- what names a department -----------------------------------------------------------------


def usage(db: sqlite_utils.Database, department_id: int) -> Usage:
    name = _name(db, department_id)
    by_id = [department_id]
    found = Usage(
        people=_count(db, "select count(*) from people where department_id = ? and active = 1", by_id),
        former_people=_count(db, "select count(*) from people where department_id = ? and active = 0", by_id),
        digests=_count(
            db,
            "select count(*) from people p join digest_settings s on s.person_id = p.id "
            "where p.department_id = ? and p.active = 1",
            by_id,
        ),
        # released ones only, as every count of opinions (README: counts only after release): a
        # count that grew before the batch would date an opinion. A merge moves the others too.
        opinions=_count(db, "select count(*) from opinions where department_id = ? and released = 1", by_id),
        problems=_count(db, "select count(*) from problems where department_id = ?", by_id),
        self_checks=_count(db, "select count(*) from self_checks where department_id = ?", by_id),
        subjects=_count(db, "select count(*) from evaluation_subjects where department_id = ?", by_id),
        lookbacks=_count(
            db,
            "select count(*) from lookback_electorate where kind = 'department' and value = ?",
            [str(department_id)],
        ),
    )
    for table, column, form, field in _LISTS:
        setattr(found, field, len(_listing(db, table, column, form, name)))
    return found


def people_counts(db: sqlite_utils.Database) -> dict[int, int]:
    """Active people per department id (a department nobody is in is not there)."""
    query = "select department_id, count(*) from people where active = 1 group by department_id"
    return {department_id: count for department_id, count in db.execute(query)}


def current_id(db: sqlite_utils.Database, department_id: int | None) -> int | None:
    """The department this id is now: itself, or the one it was merged into; None when it was
    removed (or never was)."""
    if department_id is None:
        return None
    if db.execute("select 1 from departments where id = ?", [department_id]).fetchone():
        return department_id
    row = db.execute(
        "select department_id from department_former_names where former_id = ?", [department_id]
    ).fetchone()
    return row[0] if row else None


def former_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Normalised former name -> the department's name now."""
    query = (
        "select f.name, d.name from department_former_names f join departments d on d.id = f.department_id"
    )
    return {former: now for former, now in db.execute(query)}


def current_names(db: sqlite_utils.Database, words) -> list[str]:
    """Department names as they are now: a name renamed or merged away since a form offered it
    (a meeting's audience, a sheet's raters, a questionnaire's respondents) is the one it became."""
    now = former_names(db)
    found: list[str] = []
    for word in words:
        word = now.get(names.normalise(word), word)
        if word not in found:
            found.append(word)
    return found


def _remember(db: sqlite_utils.Database, old: str, department_id: int, former_id: int | None) -> None:
    db.execute(
        "insert or replace into department_former_names (name, department_id, former_id) values (?, ?, ?)",
        [names.normalise(old), department_id, former_id],
    )


def remember_spelling(db: sqlite_utils.Database, spelling: str, department: str) -> None:
    """A roster's other spelling of a department, which the office said is that department
    (门诊部（含急诊） is 门诊部): a later file that spells it so imports there without asking."""
    found = people.department_named(db, department)
    if found is not None and names.normalise(spelling) != names.normalise(found):
        _remember(db, spelling, people.department_id(db, found), None)


def _no_longer_former(db: sqlite_utils.Database, name: str) -> None:
    """A name in use now is nobody's former name (公卫科 renamed away, then back)."""
    db.execute("delete from department_former_names where name = ?", [names.normalise(name)])


# ---- the three corrections ------------------------------------------------------------------


def check_new_name(db: sqlite_utils.Database, department_id: int, typed: str) -> str:
    """The name as it will be stored; DepartmentError: blank, too_long, same, or taken (by
    another department, whose name the error carries: that is a merge, not a rename)."""
    new = names.normalise(typed)
    if not new:
        raise DepartmentError("blank")
    if len(new) > MAX_NAME:
        raise DepartmentError("too_long")
    if new == _name(db, department_id):
        raise DepartmentError("same", new)
    for (other,) in db.execute("select name from departments where id != ?", [department_id]):
        if names.normalise(other) == new:
            raise DepartmentError("taken", other)
    return new


def rename(db: sqlite_utils.Database, department_id: int, typed: str, actor_id: int | None) -> Usage:
    with db.atomic():
        new = check_new_name(db, department_id, typed)
        old = _name(db, department_id)
        found = usage(db, department_id)
        db.execute("update departments set name = ? where id = ?", [new, department_id])
        _replace_in_lists(db, old, new)
        if names.normalise(old) != new:
            _remember(db, old, department_id, None)
        _no_longer_former(db, new)
        audit.record(db, "department.rename", f"department:{department_id}", actor_id, old=old, new=new)
    return found


def merge(db: sqlite_utils.Database, source_id: int, into_id: int, actor_id: int | None) -> Usage:
    """Everything of `source` becomes `into`'s, and `source` is gone (its name kept as a
    former name of `into`)."""
    if source_id == into_id:
        raise DepartmentError("same")
    with db.atomic():
        source, into = _name(db, source_id), _name(db, into_id)
        found = usage(db, source_id)
        moved = [into_id, source_id]
        for table in ("people", "opinions", "problems", "self_checks", "evaluation_subjects"):
            db.execute(f"update {table} set department_id = ? where department_id = ?", moved)
        db.execute(
            "insert or ignore into lookback_electorate (lookback_id, kind, value) "
            "select lookback_id, kind, ? from lookback_electorate where kind = 'department' and value = ?",
            [str(into_id), str(source_id)],
        )
        db.execute(
            "delete from lookback_electorate where kind = 'department' and value = ?", [str(source_id)]
        )
        _replace_in_lists(db, source, into)
        db.execute("update department_former_names set department_id = ? where department_id = ?", moved)
        _remember(db, source, into_id, source_id)
        _no_longer_former(db, into)
        db.execute("delete from departments where id = ?", [source_id])
        audit.record(
            db,
            "department.merge",
            f"department:{into_id}",
            actor_id,
            source=source,
            into=into,
            **found.nonzero(),
        )
    return found


def remove(db: sqlite_utils.Database, department_id: int, actor_id: int | None) -> None:
    """Only a department nothing names (DepartmentError in_use otherwise)."""
    with db.atomic():
        name = _name(db, department_id)
        if not usage(db, department_id).empty:
            raise DepartmentError("in_use", name)
        # an opinion about it not released yet (not counted above, and refusing would date it) is
        # about no department, as one still waiting in the pool will be
        db.execute(
            "update opinions set department_id = null where department_id = ? and released = 0",
            [department_id],
        )
        # its former names and its own name lead nowhere now, and its id is not given again
        db.execute(
            "update department_former_names set department_id = null where department_id = ?", [department_id]
        )
        db.execute(
            "insert or replace into department_former_names (name, department_id, former_id) "
            "values (?, null, ?)",
            [names.normalise(name), department_id],
        )
        db.execute("delete from departments where id = ?", [department_id])
        audit.record(db, "department.remove", f"department:{department_id}", actor_id, name=name)
