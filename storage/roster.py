"""Roster import: a CSV of name, department, roles (and optionally a staff number), as Chinese
Excel writes it (GBK) or as UTF-8 with or without BOM. All or nothing: a bad row stops the
import with its line number and nothing of the file is applied."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlite_utils

from storage import audit, csv_files, people
from storage.csv_files import FileRejected

HEADER_WORDS = {
    "name": {"name", "姓名", "名字"},
    "department": {"department", "科室", "部门", "所在科室", "所在部门", "單位", "部門", "单位"},
    "roles": {"roles", "role", "角色", "身份", "职务类别"},
    "code": {"code", "工号", "编号", "工號", "編號", "employee id", "id"},
}
ROLE_SEPARATORS = re.compile(r"[,，;；、/|\s]+")
MAX_NAME = 50


RosterError = FileRejected


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


def _roles(cell: str, line: int) -> str:
    roles = set()
    for word in filter(None, ROLE_SEPARATORS.split(cell.strip())):
        role = people.role_for_word(word)
        if role is None:
            raise RosterError("role", line=line, detail=word)
        roles.add(role)
    return people.encode_roles(roles)


def _row(cells: dict[str, str], line: int) -> RosterRow:
    name, department = cells["name"], cells["department"]
    if not name:
        raise RosterError("no_name", line=line)
    if len(name) > MAX_NAME:
        raise RosterError("long_name", line=line, detail=name[:20])
    if not department:
        raise RosterError("no_department", line=line, detail=name)
    return RosterRow(line, cells.get("code") or name, name, department, _roles(cells["roles"], line))


def parse(raw: bytes) -> list[RosterRow]:
    parsed: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, cells in csv_files.rows(raw, HEADER_WORDS, ("name", "department", "roles")):
        row = _row(cells, line)
        if row.key in seen:
            raise RosterError("duplicate", line=row.line, detail=f"{row.key}:{seen[row.key]}")
        seen[row.key] = row.line
        parsed.append(row)
    if not parsed:
        raise RosterError("empty")
    return parsed


def _plan(db: sqlite_utils.Database, rows: list[RosterRow]) -> tuple[RosterChanges, list[tuple]]:
    """What applying the rows would change, and the writes that do it."""
    existing = {
        r["roster_key"]: r
        for r in db.query(
            "select p.*, d.name as department from people p join departments d "
            "on d.id = p.department_id"
        )
    }
    changes = RosterChanges()
    writes: list[tuple] = []  # ("insert", row) or ("update", row, person id)
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
        db.table("people").update(write[1], {"active": 0})
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
        db.table("people").insert(values)
    else:
        db.table("people").update(write[2], values)
