"""The directory of a supervised deployment (督导): which institutions there are, where each
one's database is, and which institution a Telegram account belongs to.

Every institution (and the supervising body) is a campaign space of its own: a database with
the same schema as a single-institution deployment, so nothing of one is ever read in
another's by mistake, and an anonymous item mixes only with its own institution's. The
directory lives in the main database (DATABASE_PATH), whose own campaign is the unit named
INSTITUTION_NAME (path ''). A deployment with one institution has an empty directory."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from storage import audit
from storage.clock import clock, iso

BODY, INSTITUTION = "body", "institution"
FOLDER = "institutions"  # beside the main database


@dataclass(frozen=True)
class Institution:
    id: int
    name: str
    kind: str
    path: str  # '' for the main database, else relative to the main database's folder
    public_code: str

    @property
    def is_body(self) -> bool:
        return self.kind == BODY

    @property
    def is_main(self) -> bool:
        return not self.path

    def file(self, main_database: Path) -> Path:
        return Path(main_database) if self.is_main else Path(main_database).parent / self.path


def _institution(row: dict) -> Institution:
    return Institution(row["id"], row["name"], row["kind"], row["path"], row["public_code"])


def listed(db: sqlite_utils.Database) -> list[Institution]:
    """Every unit, the body first, then institutions by name."""
    rows = db.query("select * from institutions order by kind = 'institution', name")
    return [_institution(r) for r in rows]


def named(db: sqlite_utils.Database, name: str) -> Institution | None:
    rows = list(db.query("select * from institutions where name = ?", [name]))
    return _institution(rows[0]) if rows else None


def by_id(db: sqlite_utils.Database, institution_id: int) -> Institution | None:
    rows = list(db.query("select * from institutions where id = ?", [institution_id]))
    return _institution(rows[0]) if rows else None


def body(db: sqlite_utils.Database) -> Institution | None:
    rows = list(db.query("select * from institutions where kind = 'body'"))
    return _institution(rows[0]) if rows else None


def add(db: sqlite_utils.Database, name: str, kind: str, main: bool = False) -> Institution:
    """A unit of the deployment; its database file is named by its public code (never by its
    name: names change, are Chinese, and may not make a good file name)."""
    assert kind in (BODY, INSTITUTION)
    with db.atomic():
        code = secrets.token_hex(4)
        path = "" if main else f"{FOLDER}/{code}.db"
        added = (
            db.table("institutions")
            .insert(
                {
                    "name": name,
                    "kind": kind,
                    "path": path,
                    "public_code": code,
                    "created_at": iso(clock.now()),
                }
            )
            .last_pk
        )
        audit.record(db, "institution.add", f"institution:{added}", None, kind=kind)
    assert added is not None
    found = by_id(db, int(added))
    assert found is not None
    return found


def set_kind(db: sqlite_utils.Database, institution_id: int, kind: str) -> None:
    with db.atomic():
        db.table("institutions").update(institution_id, {"kind": kind})


def members(db: sqlite_utils.Database) -> dict[int, int]:
    """Telegram account -> institution id, for everyone who joined outside the main database."""
    rows = db.execute("select telegram_user_id, institution_id from institution_members")
    return {r[0]: r[1] for r in rows}


def set_member(db: sqlite_utils.Database, telegram_user_id: int, institution_id: int | None) -> None:
    """Where this account belongs from now on (None: the main database's unit)."""
    with db.atomic():
        if institution_id is None:
            db.execute("delete from institution_members where telegram_user_id = ?", [telegram_user_id])
        else:
            db.table("institution_members").upsert(
                {"telegram_user_id": telegram_user_id, "institution_id": institution_id},
                pk="telegram_user_id",
            )


# ---- a roster of several institutions (the column 单位) ------------------------------------


def grouped(rows: list, main_name: str) -> dict[str, list] | None:
    """The rows by institution, or None for a roster of one institution (no 单位 column, or
    one name in it): imported into the main database exactly as before. Rows with an empty
    单位 belong to the main database's unit. The body is the institution whose people hold
    the body's roles (督导组, 委领导); the main unit is INSTITUTION_NAME when the file names
    it, else the body."""
    from storage import people
    from storage.roster import RosterError

    named_units = {row.institution for row in rows if row.institution}
    if len(named_units) <= 1:
        return None
    bodies = sorted(
        {
            row.institution
            for row in rows
            if set(row.roles.split()) & set(people.BODY_ROLES) and row.institution
        }
    )
    if len(bodies) > 1:
        raise RosterError("two_bodies", detail="、".join(bodies))
    main = main_name if main_name in named_units else (bodies[0] if bodies else None)
    if main is None:
        raise RosterError("no_main", detail=main_name)
    groups: dict[str, list] = {}
    for row in rows:
        unit = row.institution or main
        if set(row.roles.split()) & set(people.BODY_ROLES) and bodies and unit != bodies[0]:
            raise RosterError("body_role", line=row.line, detail=row.name)
        groups.setdefault(unit, []).append(row)
    return groups


def body_name(rows: list) -> str | None:
    from storage import people

    return next(
        (
            row.institution
            for row in rows
            if set(row.roles.split()) & set(people.BODY_ROLES) and row.institution
        ),
        None,
    )


def import_roster(
    db: sqlite_utils.Database, main_path: Path, rows: list, main_name: str, *, risks_confirmed: bool = False
) -> dict[str, object]:
    """Bring each institution's roster in line with its rows (the directory gains the
    institutions it did not know; their databases are created). Every institution's changes are
    previewed before any is applied: a risky one (storage.roster.RiskyImport) stops the whole
    import unless confirmed. Institutions the file does not name are left as they are.
    Returns the changes by institution name."""
    from storage import roster
    from storage.db import open_database

    groups = grouped(rows, main_name)
    if groups is None:
        unit = next((row.institution for row in rows if row.institution), "")
        known = named(db, unit) if unit and listed(db) else None
        if known is None and not (unit and listed(db) and unit != main_name):
            return {unit or main_name: roster.apply(db, rows, None, risks_confirmed=risks_confirmed)}
        if known is not None and known.is_main:
            return {unit: roster.apply(db, rows, None, risks_confirmed=risks_confirmed)}
        # one institution the running county knows, or a new one of it (created below): taken
        # as the main database's roster, it added its people there and deactivated the rest
        groups = {unit: rows}
    body = body_name(rows)
    main = main_name if main_name in groups else body
    opened: dict[str, sqlite_utils.Database] = {}
    try:
        for name in groups:
            institution = named(db, name) or add(
                db, name, BODY if name == body else INSTITUTION, main=name == main and not listed_main(db)
            )
            if name == body and not institution.is_body:
                set_kind(db, institution.id, BODY)
            opened[name] = db if institution.is_main else open_database(institution.file(main_path))
        if not risks_confirmed:
            for name, unit_rows in groups.items():
                changes = roster.preview(opened[name], unit_rows)
                if changes.risks:
                    raise roster.RiskyImport(changes)
        return {
            name: roster.apply(opened[name], unit_rows, None, risks_confirmed=True)
            for name, unit_rows in groups.items()
        }
    finally:
        for unit_db in opened.values():
            if unit_db is not db:
                unit_db.close()


def listed_main(db: sqlite_utils.Database) -> Institution | None:
    return next((i for i in listed(db) if i.is_main), None)


def on_disk(main_path: Path) -> list[Institution]:
    """The units the main database's directory lists, read without changing anything (no
    migration runs: the doctor and `migrate --dry-run` must not upgrade what they look at).
    Empty for a deployment of one institution, or a main database older than the directory.
    Raises sqlite3.Error when the main database cannot be read."""
    import sqlite3

    if not Path(main_path).exists():
        return []
    connection = sqlite3.connect(f"file:{main_path}?mode=ro", uri=True, timeout=2)
    try:
        connection.row_factory = sqlite3.Row
        known = connection.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'institutions'"
        ).fetchone()
        if not known:
            return []
        rows = connection.execute("select * from institutions order by kind = 'institution', name")
        return [_institution(dict(r)) for r in rows]
    finally:
        connection.close()
