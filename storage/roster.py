"""Roster import: a CSV or .xlsx of name, department, roles (and optionally a staff number), as
Chinese Excel writes it. All or nothing: a bad row stops the import with its line number and
nothing of the file is applied.

Names and departments are compared in their normalised form (storage.names), so a zero-width
space or full-width padding never makes a joined person "new". An import that would deactivate
more than a fifth of the active people, any office member or the importer is risky: it is
applied only when the caller says the risk was confirmed."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

import sqlite_utils

from storage import audit, csv_files, departments, names, people
from storage.csv_files import FileRejected

# More than this share of the active people deactivated at once is a wrong file, not a reshuffle.
RISKY_SHARE = 1 / 5

HEADER_WORDS = {
    "name": {"name", "姓名", "名字"},
    "department": {"department", "科室", "部门", "所在科室", "所在部门", "部門"},
    "roles": {"roles", "role", "角色", "身份", "职务类别"},
    "code": {"code", "工号", "编号", "工號", "編號", "employee id", "id"},
    "institution": {"institution", "单位", "單位", "所在单位", "所在單位", "机构", "機構"},
}
# A roster of one institution once wrote its departments under 单位: a file with 单位 and no
# other department column still reads that way.
DEPARTMENT_AS_UNIT = {**HEADER_WORDS, "department": HEADER_WORDS["department"] | HEADER_WORDS["institution"]}
DEPARTMENT_AS_UNIT.pop("institution")
# A roster without a 角色 column often has 职务 or 岗位 instead: read as the roles when its words are
# roles (科室负责人, 班子成员); a job title there (院长, 护士) is named with what to write instead.
DUTY_WORDS = {"职务", "岗位", "職務", "崗位", "post", "position"}
ROLE_SEPARATORS = re.compile(r"[,，;；、/|\s]+")
# A line under (or between) the people that is a note, not a person: 制表人：…, 审核：…, 注：…
NOTE = re.compile(r"[:：]")
MAX_NAME = 50


RosterError = FileRejected


@dataclass(frozen=True)
class RosterRow:
    line: int
    key: str
    name: str
    department: str
    roles: str  # encoded, as stored
    institution: str = ""  # 单位: '' when the file has no such column (one institution)


@dataclass(frozen=True)
class Edit:
    """One thing that changes for one person: field is name, department, roles or active."""

    person: str
    field: str
    before: str
    after: str


@dataclass
class RosterChanges:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    edits: list[Edit] = field(default_factory=list)
    active_before: int = 0
    deactivated_office: list[str] = field(default_factory=list)
    deactivates_importer: bool = False
    added_departments: list[str] = field(default_factory=list)  # each of `added`'s, in order
    new_departments: dict[str, int] = field(default_factory=dict)  # created by the import: people
    look_alikes: list[tuple[str, str]] = field(default_factory=list)  # (new, one it looks like)
    # a department the file still writes by the name the office renamed or merged away
    # (storage/departments.py): as the file writes it -> the department it is now
    former_names: dict[str, str] = field(default_factory=dict)
    # a newcomer whose name is (nearly) that of someone the import would deactivate: a typo
    # fixed, or a staff number that changed, would otherwise lock a joined person out
    similar_people: list[tuple[RosterRow, dict]] = field(default_factory=list)  # (row, person)

    @property
    def questions(self) -> list[Question]:
        """What only the office can answer, in a fixed order: the same file against the same
        roster asks the same questions, so an answer is kept by its place in this list."""
        found = [Question("department", new, old) for new, old in self.look_alikes]
        found += [
            Question(
                "person",
                row.key,
                person["name"],
                row.name,
                row.department,
                person["department"],
                person["id"],
            )
            for row, person in self.similar_people
        ]
        return found

    @property
    def empty(self) -> bool:
        return not (self.added or self.updated or self.deactivated)

    @property
    def risks(self) -> list[str]:
        """Why this import needs a second confirmation: share, office, importer."""
        found = []
        if self.active_before and len(self.deactivated) > self.active_before * RISKY_SHARE:
            found.append("share")
        if self.deactivated_office:
            found.append("office")
        if self.deactivates_importer:
            found.append("importer")
        return found


@dataclass(frozen=True)
class Question:
    """Is `new` the same as `old`? A department (new as the file writes it, old the one it
    looks like) or a person (new the row's key, old the name of the person it may be)."""

    kind: str  # department, person
    new: str
    old: str
    name: str = ""  # a person: the row's name, its department, the person's department and id
    department: str = ""
    old_department: str = ""
    person_id: int = 0


@dataclass
class Answers:
    """The office's answers: departments the file spells two ways (as written -> the one it is)
    and newcomers who are someone already on the roster (row key -> person id)."""

    departments: dict[str, str] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)


def answered(questions: list[Question], same: dict[int, bool]) -> Answers:
    """The answers to `questions` by their place in the list: True is 'the same'."""
    answers = Answers()
    for index, question in enumerate(questions):
        if not same.get(index):
            continue
        if question.kind == "department":
            answers.departments[question.new] = question.old
        else:
            answers.people[question.new] = question.person_id
    return answers


class RiskyImport(Exception):
    """The import would lock people out and was not confirmed as such; nothing was written."""

    def __init__(self, changes: RosterChanges) -> None:
        super().__init__(", ".join(changes.risks))
        self.changes = changes


def _roles(cell: str, line: int) -> str:
    roles = set()
    for word in filter(None, ROLE_SEPARATORS.split(cell.strip())):
        role = people.role_for_word(word)
        if role is None:
            raise RosterError("role", line=line, detail=word)
        roles.add(role)
    return people.encode_roles(roles)


def _not_a_person(cells: dict[str, str]) -> bool:
    """A row with none of a person's cells (序号 numbered ahead down an empty table, a note
    merged from the first column), or a note in the name column with the rest empty
    (制表人：王芳　审核：李娜 under the people)."""
    filled = {column for column, value in cells.items() if names.normalise(value)}
    return (
        not filled & {"name", "department", "roles"}
        or filled == {"name"}
        and bool(NOTE.search(cells["name"]))
    )


def _row(cells: dict[str, str], line: int, duty: bool = False) -> RosterRow:
    name, department = names.normalise(cells["name"]), names.normalise(cells["department"])
    if not name:
        raise RosterError("no_name", line=line)
    if len(name) > MAX_NAME:
        raise RosterError("long_name", line=line, detail=name[:20])
    if not department:
        raise RosterError("no_department", line=line, detail=name)
    if len(department) > MAX_NAME:
        raise RosterError("long_department", line=line, detail=department[:20])
    if duty:
        try:
            _roles(cells["roles"], line)
        except RosterError as error:
            raise RosterError("duty", line=line, detail=error.detail) from None
    code = names.normalise(cells.get("code", ""))
    institution = names.normalise(cells.get("institution", ""))
    if len(institution) > MAX_NAME:
        raise RosterError("long_name", line=line, detail=institution[:20])
    return RosterRow(line, code or name, name, department, _roles(cells["roles"], line), institution)


def _with_duty(words: dict[str, set[str]]) -> dict[str, set[str]]:
    return {**words, "roles": words["roles"] | DUTY_WORDS}


def _cells(raw: bytes):
    """(line, cells, whether the roles come from a 职务 / 岗位 column) of every row. A header
    that lacks a column is read again as older rosters write it (单位 for 科室, 职务 for 角色);
    nothing was yielded before a header is refused, so reading again repeats nothing."""
    required = ("name", "department", "roles")
    first: FileRejected | None = None
    readings = [(HEADER_WORDS, False), (DEPARTMENT_AS_UNIT, False)]
    readings += [(_with_duty(words), True) for words, _ in readings]
    for words, duty in readings:
        try:
            for line, cells in csv_files.rows(raw, words, required):
                yield line, cells, duty
            return
        except FileRejected as error:
            if error.reason != "header":
                raise
            first = first or error
    assert first is not None  # every reading was tried and refused
    raise first


def parse(raw: bytes) -> list[RosterRow]:
    parsed: list[RosterRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells, duty in _cells(raw):
        if _not_a_person(cells):
            continue
        row = _row(cells, line, duty)
        key = (row.institution, row.key)  # a staff number is unique within its institution
        if key in seen:
            raise RosterError("duplicate", line=row.line, detail=f"{row.key}:{seen[key]}")
        seen[key] = row.line
        parsed.append(row)
    if not parsed:
        raise RosterError("empty")
    return parsed


def of_one_institution(rows: list[RosterRow], own: str | None) -> list[RosterRow]:
    """The rows, when they are all of one institution: `own` (this database's, in a supervised
    deployment) or, with `own` None, any single one. A roster of several institutions is the
    command line's (storage.institutions.import_roster), never one office's in chat."""
    others = sorted({r.institution for r in rows if r.institution and r.institution != own})
    if own is not None and others or own is None and len(others) > 1:
        raise RosterError("other_institution", detail="、".join(others)[:200])
    return rows


def without_body_roles(rows: list[RosterRow]) -> list[RosterRow]:
    """The rows, when none gives the body's roles (督导组, 委领导): an institution's office
    importing its own roster cannot make anyone the body's, who sees every institution."""
    for row in rows:
        if set(row.roles.split()) & set(people.BODY_ROLES):
            raise RosterError("body_role", line=row.line, detail=row.name)
    return rows


def _plan(
    db: sqlite_utils.Database, rows: list[RosterRow], actor_id: int | None, answers: Answers | None = None
) -> tuple[RosterChanges, list[tuple]]:
    """What applying the rows would change, why, and the writes that do it. Keys, names and
    departments already stored are compared in their normalised form too: a roster imported
    before normalisation existed still matches its people. `answers`: what the office said
    about the questions (RosterChanges.questions) of the same rows."""
    answers = answers or Answers()
    existing = {
        names.normalise(r["roster_key"]): r
        for r in db.query(
            "select p.*, d.name as department from people p join departments d on d.id = p.department_id"
        )
    }
    changes = RosterChanges()
    rows = _by_current_names(db, rows, changes)
    if answers.departments:
        rows = [replace(r, department=_answered_department(r.department, answers)) for r in rows]
    writes: list[tuple] = []  # ("insert", row) or ("update", row, person id)
    changes.active_before = sum(1 for r in existing.values() if r["active"])
    newcomers = []
    for row in rows:
        current = existing.pop(row.key, None)
        if current is None:
            newcomers.append(row)
        else:
            _update(changes, writes, current, row)
    named = Counter(row.name for row in rows)
    for row in newcomers:
        current = _known_as(existing, row, named, answers)
        if current is not None:
            _update(changes, writes, current, row)
            continue
        changes.added.append(row.name)
        changes.added_departments.append(row.department)
        writes.append(("insert", row))
    for current in existing.values():
        if current["active"]:
            changes.deactivated.append(current["name"])
            if people.OFFICE in current["roles"].split():
                changes.deactivated_office.append(current["name"])
            if actor_id is not None and current["id"] == actor_id:
                changes.deactivates_importer = True
            writes.append(("deactivate", current["id"]))
    _new_departments(db, rows, changes)
    _similar_people([w[1] for w in writes if w[0] == "insert"], existing, changes)
    return changes, writes


def _update(changes: RosterChanges, writes: list[tuple], current: dict, row: RosterRow) -> None:
    edits = _edits(current, row)
    if edits:
        changes.updated.append(row.name)
        changes.edits.extend(edits)
        writes.append(("update", row, current["id"]))
    else:
        changes.unchanged += 1


def _known_as(existing: dict[str, dict], row: RosterRow, named: Counter, answers: Answers) -> dict | None:
    """The person on the roster a row with a new key is: one the office said it is, or, when
    the file now has staff numbers, the one keyed by this name before (a name the file holds
    once: two 张伟 stay two newcomers). Taken out of `existing`."""
    wanted = answers.people.get(row.key)
    if wanted is not None:
        key = next((k for k, r in existing.items() if r["id"] == wanted), None)
        return existing.pop(key) if key is not None else None
    if row.key != row.name and named[row.name] == 1:
        return existing.pop(row.name, None)
    return None


def _answered_department(department: str, answers: Answers) -> str:
    """The department a file's spelling is, as the office answered (门诊部（含急诊） is 门诊部),
    followed through a chain of answers."""
    seen = {department}
    while department in answers.departments:
        department = names.normalise(answers.departments[department])
        if department in seen:
            break
        seen.add(department)
    return department


def _similar_people(added: list[RosterRow], leaving: dict[str, dict], changes: RosterChanges) -> None:
    """Pairs of a newcomer and someone the import would deactivate who may be one person: in
    the same department the same name or one a character apart (王小明 corrected to 王晓明, a
    staff number retyped: 001 became 1); then the same name in another department. Each person
    in one pair at most. Found through an index of each name's one-character variants, so that
    a wrong file of thousands against a roster of thousands stays quick."""
    candidates = [r for r in leaving.values() if r["active"]]
    near: dict[tuple[str, str], list[dict]] = {}
    same_name: dict[str, list[dict]] = {}
    for person in candidates:
        name = names.normalise(person["name"])
        same_name.setdefault(name, []).append(person)
        department = names.normalise(person["department"])
        for variant in _variants(name):
            near.setdefault((department, variant), []).append(person)
    taken: set[int] = set()
    paired: dict[int, tuple[RosterRow, dict]] = {}  # by the row's place in `added`
    for index, row in enumerate(added):
        found = (
            p
            for variant in _variants(row.name)
            for p in near.get((row.department, variant), ())
            if p["id"] not in taken and _may_be(row, p)
        )
        _pair(paired, taken, index, row, next(found, None))
    for index, row in enumerate(added):
        if index not in paired:
            _pair(
                paired,
                taken,
                index,
                row,
                next((p for p in same_name.get(row.name, ()) if p["id"] not in taken), None),
            )
    changes.similar_people.extend(paired[index] for index in sorted(paired))


def _pair(paired: dict, taken: set[int], index: int, row: RosterRow, person: dict | None) -> None:
    if person is not None:
        paired[index] = (row, person)
        taken.add(person["id"])


def _variants(name: str) -> list[str]:
    """The name itself, with each character masked (a changed one), and without each (one
    added or left out): two names one character apart share one of these."""
    masked = [name[:i] + "\x00" + name[i + 1 :] for i in range(len(name))]
    shorter = ["\x01" + name[:i] + name[i + 1 :] for i in range(len(name))]
    return [name, "\x01" + name, *masked, *shorter]


def _may_be(row: RosterRow, person: dict) -> bool:
    name = names.normalise(person["name"])
    return name == row.name or _one_apart(name, row.name)


def _one_apart(one: str, other: str) -> bool:
    """One character changed, added or left out (names of two characters or more)."""
    if min(len(one), len(other)) < 2 or abs(len(one) - len(other)) > 1:
        return False
    if len(one) == len(other):
        return sum(a != b for a, b in zip(one, other, strict=True)) == 1
    short, long = sorted((one, other), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _by_current_names(
    db: sqlite_utils.Database, rows: list[RosterRow], changes: RosterChanges
) -> list[RosterRow]:
    """The file's departments under the names they have now: an office that fixed 公卫科 into
    公共卫生科 keeps its old workbook, and importing it must not split the department again."""
    former = departments.former_names(db)
    found = []
    for row in rows:
        now = former.get(row.department)
        if now is not None:
            changes.former_names[row.department] = now
            row = replace(row, department=names.normalise(now))
        found.append(row)
    return found


def _new_departments(db: sqlite_utils.Database, rows: list[RosterRow], changes: RosterChanges) -> None:
    """The departments the file would create, and which of them look like another one (公卫科
    and 公共卫生科, 门诊 and 门诊部): a department spelled two ways would split its people in
    two, and only the office knows whether they are one."""
    stored = [names.normalise(d) for d in people.departments(db)]
    for row in rows:
        if row.department not in stored:
            changes.new_departments[row.department] = changes.new_departments.get(row.department, 0) + 1
    known = stored + list(changes.new_departments)
    for new in changes.new_departments:
        alike = next((other for other in known if other != new and departments.looks_alike(new, other)), None)
        if alike is not None and (alike, new) not in changes.look_alikes:
            changes.look_alikes.append((new, alike))


def _edits(current: dict, row: RosterRow) -> list[Edit]:
    edits = []
    old_key = names.normalise(current["roster_key"])
    if old_key != row.key:  # shown as a staff number, or — where the key is the name
        before = "—" if old_key == names.normalise(current["name"]) else old_key
        edits.append(Edit(row.name, "code", before, "—" if row.key == row.name else row.key))
    if current["name"] != row.name:
        edits.append(Edit(row.name, "name", current["name"], row.name))
    if names.normalise(current["department"]) != row.department:
        edits.append(Edit(row.name, "department", current["department"], row.department))
    if current["roles"] != row.roles:
        edits.append(Edit(row.name, "roles", current["roles"], row.roles))
    if not current["active"]:
        edits.append(Edit(row.name, "active", "0", "1"))
    return edits


def preview(
    db: sqlite_utils.Database,
    rows: list[RosterRow],
    actor_id: int | None = None,
    answers: Answers | None = None,
) -> RosterChanges:
    return _plan(db, rows, actor_id, answers)[0]


def apply(
    db: sqlite_utils.Database,
    rows: list[RosterRow],
    actor_id: int | None,
    *,
    risks_confirmed: bool = False,
    answers: Answers | None = None,
) -> RosterChanges:
    """Bring the roster in line with the file in one transaction; people missing from it are
    deactivated, never deleted, so their history stays. A risky import (see RosterChanges.risks)
    raises RiskyImport unless its risks were confirmed; the check and the writes happen in the
    same transaction, so what was confirmed is what is applied."""
    with db.atomic():
        changes, writes = _plan(db, rows, actor_id, answers)
        if changes.risks and not risks_confirmed:
            raise RiskyImport(changes)
        stored = {names.normalise(d): d for d in people.departments(db)}
        for write in writes:
            _write(db, write, stored)
        for spelling in answers.departments if answers else ():
            # the office said they are one: the next file that spells it so is not asked again
            assert answers is not None
            departments.remember_spelling(db, spelling, _answered_department(spelling, answers))
        if not changes.empty:
            audit.record(
                db,
                "roster.import",
                "roster",
                actor_id,
                added=len(changes.added),
                updated=len(changes.updated),
                deactivated=len(changes.deactivated),
            )
    return changes


def _write(db: sqlite_utils.Database, write: tuple, stored: dict[str, str]) -> None:
    """`stored`: the departments already there, by normalised name, so that a file writing
    "门诊 部" does not create a second 门诊部."""
    kind = write[0]
    if kind == "deactivate":
        db.table("people").update(write[1], {"active": 0})
        return
    row: RosterRow = write[1]
    values = {
        "roster_key": row.key,
        "name": row.name,
        "department_id": people.department_id(db, stored.get(row.department, row.department)),
        "roles": row.roles,
        "active": 1,
    }
    if kind == "insert":
        db.table("people").insert(values)
    else:
        db.table("people").update(write[2], values)
