"""Departments and people: who is on the roster, their roles, and their Telegram binding."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from storage import names

STAFF, HEAD, LEADER, OFFICE = "staff", "head", "leader", "office"
# 督导: the supervising body's roles (its own office is an OFFICE of the body's database)
SUPERVISOR, COMMISSION = "supervisor", "commission"
ROLES = (STAFF, HEAD, LEADER, OFFICE, SUPERVISOR, COMMISSION)
BODY_ROLES = (SUPERVISOR, COMMISSION)

# What people write in the roster's roles cell (Chinese Excel, English, or our identifiers).
ROLE_WORDS = {
    STAFF: {"staff", "职工", "党员", "群众", "员工", "職工", "黨員"},
    HEAD: {"head", "科室负责人", "负责人", "责任科室", "科长", "主任", "科室負責人", "負責人"},
    LEADER: {"leader", "班子成员", "领导", "分管领导", "院领导", "班子成員", "領導", "分管領導"},
    OFFICE: {"office", "活动办", "领导小组办公室", "办公室", "活動辦", "辦公室"},
    SUPERVISOR: {"supervisor", "督导组", "督导", "督導組", "督導"},
    COMMISSION: {"commission", "委领导", "局领导", "委領導", "局領導"},
}


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    department_id: int
    department: str
    roles: frozenset[str]
    telegram_user_id: int | None
    chat_id: int | None
    language: str | None
    reachable: bool
    active: bool

    def has_any(self, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        return bool(self.roles & set(roles))


def role_for_word(word: str) -> str | None:
    word = word.strip().lower()
    for role, words in ROLE_WORDS.items():
        if word in words:
            return role
    return None


def encode_roles(roles: set[str] | frozenset[str]) -> str:
    # Everyone on the roster is staff: every leader, head and office member also submits and votes.
    return " ".join(sorted(set(roles) | {STAFF}))


_SELECT = """
select p.*, d.name as department from people p join departments d on d.id = p.department_id
"""


def _person(row: dict) -> Person:
    return Person(
        id=row["id"],
        name=row["name"],
        department_id=row["department_id"],
        department=row["department"],
        roles=frozenset(row["roles"].split()),
        telegram_user_id=row["telegram_user_id"],
        chat_id=row["chat_id"],
        language=row["language"],
        reachable=bool(row["reachable"]),
        active=bool(row["active"]),
    )


def _one(db: sqlite_utils.Database, where: str, params: list) -> Person | None:
    rows = list(db.query(f"{_SELECT} where {where}", params))
    return _person(rows[0]) if rows else None


def by_telegram_user(db: sqlite_utils.Database, telegram_user_id: int) -> Person | None:
    """The active person bound to this Telegram account, if any."""
    return _one(db, "p.telegram_user_id = ? and p.active = 1", [telegram_user_id])


def by_id(db: sqlite_utils.Database, person_id: int) -> Person | None:
    return _one(db, "p.id = ?", [person_id])


def _active(db: sqlite_utils.Database, where: str = "1", params: list | None = None) -> list[Person]:
    query = f"{_SELECT} where p.active = 1 and ({where}) order by d.name, p.name"
    return [_person(r) for r in db.query(query, params or [])]


def everyone(db: sqlite_utils.Database, department: str | None = None) -> list[Person]:
    return _active(db, "d.name = ?", [department]) if department else _active(db)


def holding(db: sqlite_utils.Database, roles: tuple[str, ...]) -> list[Person]:
    """Active people with any of these roles, found in SQL: the sweeper asks every minute,
    and reading ten thousand people to find two hundred leaders took most of its pass."""
    # roles are stored as space-separated words; padding with spaces matches whole words
    matches = " or ".join("(' ' || p.roles || ' ') like ?" for _ in roles)
    return _active(db, matches, [f"% {role} %" for role in roles])


def in_department(db: sqlite_utils.Database, department_id: int) -> list[Person]:
    return _active(db, "p.department_id = ?", [department_id])


def unreachable(db: sqlite_utils.Database) -> list[Person]:
    """Active people who joined and then blocked the bot."""
    return _active(db, "p.reachable = 0 and p.telegram_user_id is not null")


def not_joined_count(db: sqlite_utils.Database) -> int:
    query = "select count(*) from people where active = 1 and telegram_user_id is null"
    return db.execute(query).fetchone()[0]


def department_id(db: sqlite_utils.Database, name: str) -> int:
    """The department's id, created on first mention; a name the office renamed or merged away
    (storage/departments.py) is the department it became, not created again."""
    rows = list(db.query("select id from departments where name = ?", [name]))
    if rows:
        return rows[0]["id"]
    former = db.execute(
        "select department_id from department_former_names where name = ?", [names.normalise(name)]
    ).fetchone()
    if former and former[0] is not None:
        return former[0]
    # never the id of a department merged or removed: a draft, a waiting opinion or an old button
    # holding it must not land in a new department (SQLite would reuse the largest id)
    added = db.execute(
        "insert into departments (id, name) select max(coalesce((select max(id) from departments), 0), "
        "coalesce((select max(former_id) from department_former_names), 0)) + 1, ?",
        [name],
    ).lastrowid
    assert added is not None
    return int(added)


def departments(db: sqlite_utils.Database) -> list[str]:
    return [r["name"] for r in db.query("select name from departments order by name")]


def department_named(db: sqlite_utils.Database, typed: str) -> str | None:
    """The department a person typed, compared as the roster compares names (门诊 部, 门诊　部
    and 门诊部 are one), by its stored name (a former name gives the department it became);
    None when there is none."""
    wanted = names.normalise(typed)
    found = next((name for name in departments(db) if names.normalise(name) == wanted), None)
    if found is None:  # a name the office renamed or merged away: the department it became
        row = db.execute(
            "select d.name from department_former_names f join departments d on d.id = f.department_id "
            "where f.name = ?",
            [wanted],
        ).fetchone()
        found = row[0] if row else None
    return found


def department_list(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, name) of every department, by name: what a picker offers."""
    return [(r[0], r[1]) for r in db.execute("select id, name from departments order by name")]


def department_name(db: sqlite_utils.Database, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    row = db.execute("select name from departments where id = ?", [department_id]).fetchone()
    return row[0] if row else None


def departments_by_id(db: sqlite_utils.Database) -> list[tuple[int, str]]:
    """(id, name) of every department, by name: for a choice of department on buttons."""
    return [(r["id"], r["name"]) for r in db.query("select id, name from departments order by name")]


def set_language(db: sqlite_utils.Database, person_id: int, language: str) -> None:
    with db.atomic():
        db.table("people").update(person_id, {"language": language})


def set_reachable(db: sqlite_utils.Database, person_id: int, reachable: bool) -> None:
    with db.atomic():
        db.table("people").update(person_id, {"reachable": int(reachable)})
