"""Roster import: a CSV of name, department, roles (and optionally a staff number), as Chinese
Excel writes it (GBK) or as UTF-8 with or without BOM. All or nothing: a bad row stops the
import with its line number and nothing of the file is applied."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import sqlite_utils

from storage import audit, people

HEADER_WORDS = {
    "name": {"name", "姓名", "名字"},
    "department": {"department", "科室", "部门", "所在科室", "所在部门", "單位", "部門", "单位"},
    "roles": {"roles", "role", "角色", "身份", "职务类别"},
    "code": {"code", "工号", "编号", "工號", "編號", "employee id", "id"},
}
ROLE_SEPARATORS = re.compile(r"[,，;；、/|\s]+")
MAX_NAME = 50


class RosterError(Exception):
    """The file cannot be imported; `line` is the file's line number (the header is line 1)."""

    def __init__(self, reason: str, line: int | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.detail = detail


@dataclass(frozen=True)
class RosterRow:
    line: int
    key: str
    name: str
    department: str
    roles: str  # encoded, as stored


@dataclass
class RosterChanges:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.updated or self.deactivated)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030, a superset of GBK, as Chinese Excel saves."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterError("encoding") from None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = title.strip().lower()
        for column, words in HEADER_WORDS.items():
            if title in words and column not in columns:
                columns[column] = index
    missing = [c for c in ("name", "department", "roles") if c not in columns]
    if missing:
        raise RosterError("header", line=1, detail=", ".join(missing))
    return columns


def _roles(cell: str, line: int) -> str:
    roles = set()
    for word in filter(None, ROLE_SEPARATORS.split(cell.strip())):
        role = people.role_for_word(word)
        if role is None:
            raise RosterError("role", line=line, detail=word)
        roles.add(role)
    return people.encode_roles(roles)


def _row(cells: list[str], columns: dict[str, int], line: int) -> RosterRow:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name, department = cell("name"), cell("department")
    if not name:
        raise RosterError("no_name", line=line)
    if len(name) > MAX_NAME:
        raise RosterError("long_name", line=line, detail=name[:20])
    if not department:
        raise RosterError("no_department", line=line, detail=name)
    return RosterRow(line, cell("code") or name, name, department, _roles(cell("roles"), line))


def parse(raw: bytes) -> list[RosterRow]:
    reader = csv.reader(io.StringIO(decode(raw), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError("empty") from None
    columns = _columns(header)
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            row = _row(cells, columns, reader.line_num)
            if row.key in seen:
                raise RosterError("duplicate", line=row.line, detail=f"{row.key}:{seen[row.key]}")
            seen[row.key] = row.line
            rows.append(row)
    except csv.Error as error:
        raise RosterError("csv", line=reader.line_num, detail=str(error)) from None
    if not rows:
        raise RosterError("empty")
    return rows


def _plan(db: sqlite_utils.Database, rows: list[RosterRow]) -> tuple[RosterChanges, list[tuple]]:
    """What applying the rows would change, and the writes that do it."""
    existing = {
        r["roster_key"]: r
        for r in db.query(
            "select p.*, d.name as department from people p join departments d "
            "on d.id = p.department_id"
        )
    }
    changes, writes = RosterChanges(), []
    for row in rows:
        current = existing.pop(row.key, None)
        wanted = {"name": row.name, "department": row.department, "roles": row.roles, "active": 1}
        if current is None:
            changes.added.append(row.name)
            writes.append(("insert", row))
        elif any(current[k] != v for k, v in wanted.items()):
            changes.updated.append(row.name)
            writes.append(("update", row, current["id"]))
        else:
            changes.unchanged += 1
    for current in existing.values():
        if current["active"]:
            changes.deactivated.append(current["name"])
            writes.append(("deactivate", current["id"]))
    return changes, writes


def preview(db: sqlite_utils.Database, rows: list[RosterRow]) -> RosterChanges:
    return _plan(db, rows)[0]


def apply(db: sqlite_utils.Database, rows: list[RosterRow], actor_id: int | None) -> RosterChanges:
    """Bring the roster in line with the file in one transaction; people missing from it are
    deactivated, never deleted, so their history stays."""
    with db.atomic():
        changes, writes = _plan(db, rows)
        for write in writes:
            _write(db, write)
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


def _write(db: sqlite_utils.Database, write: tuple) -> None:
    kind = write[0]
    if kind == "deactivate":
        db["people"].update(write[1], {"active": 0})
        return
    row: RosterRow = write[1]
    values = {
        "roster_key": row.key,
        "name": row.name,
        "department_id": people.department_id(db, row.department),
        "roles": row.roles,
        "active": 1,
    }
    if kind == "insert":
        db["people"].insert(values)
    else:
        db["people"].update(write[2], values)
