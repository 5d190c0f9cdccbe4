"""Opinion hotspots (群众反映强烈的突出问题): which opinions raise the same problem.

The grouping itself is in hotspots/ (it reads only an opinion's text); this module keeps its
result, lets the office merge, split and move, and answers the questions of the inbox,
the digests and the report. Nothing here reads who wrote an opinion or when, beyond the day
every opinion already carries."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlite_utils

from storage import audit, problems

# The smallest group shown outside the office (leaders' digests, reports): a smaller one could
# point at the few who wrote it. The office sees every group, as it sees every opinion.
MIN_SHOWN = 5  # k, the anonymity set
DIGEST_HOTSPOTS = 5  # the largest groups a digest or a report names
GROWN_LISTED = 500  # groups that grew since a digest, named in its query (else counted over the box)
GROUP_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUP_ID_LENGTH = 8


class HotspotError(Exception):
    """An action the groups do not allow; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Hotspot:
    id: str
    size: int
    representative: str  # the text most like the rest of the group
    categories: tuple[str, ...]
    departments: tuple[str, ...]
    first_day: str
    last_day: str
    problem_id: int | None  # the problem the group was listed as, if any


def new_group_id() -> str:
    return "".join(secrets.choice(GROUP_ID_ALPHABET) for _ in range(GROUP_ID_LENGTH))


def ungrouped(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """Released opinions not yet in a group, (id, text), in id order (ids are random: the order
    says nothing about arrival)."""
    return [
        (r[0], r[1])
        for r in db.execute(
            "select o.id, o.text from opinions o where o.released = 1 and not exists "
            "(select 1 from hotspot_members m where m.opinion_id = o.id) order by o.id"
        )
    ]


def members_for_index(db: sqlite_utils.Database) -> list[tuple[str, str, str, str]]:
    """Every grouped opinion as (id, group, text, part): what the in-memory index is rebuilt
    from. The part is the group's own (named as the group) unless the office's merge or move
    made it another (m290)."""
    return [
        (r[0], r[1], r[2], r[3])
        for r in db.execute(
            "select m.opinion_id, m.group_id, o.text, coalesce(m.part_id, m.group_id) "
            "from hotspot_members m join opinions o on o.id = m.opinion_id order by m.opinion_id"
        )
    ]


def follow_ups(db: sqlite_utils.Database) -> list[tuple[str, int, str, str, bool]]:
    """Every released write-back of a holder about a released opinion, as (opinion, its place in
    the thread, text, the opinion's text, whether the opinion stays in its group: the office
    placed it there, or it is on the problem list). The grouping reads the ones it has not read."""
    return [
        (r[0], r[1], r[2], r[3], bool(r[4]))
        for r in db.execute(
            "select x.opinion_id, x.seq, x.text, o.text, coalesce(m.placed_by_office, 0) "
            "or exists (select 1 from problem_opinions p where p.opinion_id = x.opinion_id) "
            "from opinion_messages x join opinions o on o.id = x.opinion_id "
            "left join hotspot_members m on m.opinion_id = x.opinion_id "
            "where x.sender = 'submitter' and x.released = 1 and o.released = 1"
        )
    ]


def _own(group_id: str, part_id: str | None) -> str | None:
    """The part as stored: null for the group's own part."""
    return None if part_id in (None, group_id) else part_id


def place(
    db: sqlite_utils.Database,
    placements: Sequence[tuple[str, str] | tuple[str, str, str]],
    representatives: dict[str, str],
    regrouped: Sequence[tuple[str, str, str] | tuple[str, str, str, str]] = (),
) -> None:
    """Write the grouping's decisions: (opinion, group[, part]) of the new opinions, the
    opinions a write-back moved (opinion, from, to[, part]; never one the office placed), and
    each touched group's representative. A part left out is the group's own."""
    with db.atomic():
        for opinion_id, group_id, *part in placements:
            db.execute("insert or ignore into hotspot_groups (id) values (?)", [group_id])
            db.execute(
                "insert or ignore into hotspot_members (opinion_id, group_id, part_id) values (?, ?, ?)",
                [opinion_id, group_id, _own(group_id, part[0] if part else None)],
            )
        for opinion_id, left, group_id, *part in regrouped:
            db.execute("insert or ignore into hotspot_groups (id) values (?)", [group_id])
            db.execute(
                "update hotspot_members set group_id = ?, part_id = ? "
                "where opinion_id = ? and placed_by_office = 0",
                [group_id, _own(group_id, part[0] if part else None), opinion_id],
            )
            db.execute(
                "delete from hotspot_groups where id = ? and not exists "
                "(select 1 from hotspot_members m where m.group_id = ?)",
                [left, left],
            )
        for group_id, opinion_id in representatives.items():
            db.execute("update hotspot_groups set representative = ? where id = ?", [opinion_id, group_id])


def group_of(db: sqlite_utils.Database, opinion_id: str) -> str | None:
    row = db.execute("select group_id from hotspot_members where opinion_id = ?", [opinion_id]).fetchone()
    return row[0] if row else None


def members(db: sqlite_utils.Database, group_id: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "select opinion_id from hotspot_members where group_id = ? order by opinion_id", [group_id]
        )
    ]


def _move(db, opinion_id: str, group_id: str, part_id: str | None = None) -> None:
    db.execute("insert or ignore into hotspot_groups (id) values (?)", [group_id])
    db.execute(
        "update hotspot_members set group_id = ?, part_id = ?, placed_by_office = 1 where opinion_id = ?",
        [group_id, _own(group_id, part_id), opinion_id],
    )


def part_of(db: sqlite_utils.Database, opinion_id: str) -> str | None:
    """The opinion's part of its group (the group's own part is named as the group)."""
    row = db.execute(
        "select coalesce(part_id, group_id) from hotspot_members where opinion_id = ?", [opinion_id]
    ).fetchone()
    return row[0] if row else None


def _drop_empty(db) -> None:
    db.execute(
        "delete from hotspot_groups where not exists "
        "(select 1 from hotspot_members m where m.group_id = hotspot_groups.id)"
    )


Moves = list[tuple[str, str, str]]  # (opinion, group, part), for the index


def move(db: sqlite_utils.Database, opinion_id: str, group_id: str, office_id: int) -> Moves:
    """The office puts an opinion into another group, as a part of its own there (a new random
    id): a new opinion worded like it then joins the group however the rest is worded. Returns
    the moves made, for the index."""
    with db.atomic():
        if group_of(db, opinion_id) is None:
            raise HotspotError("not_grouped")
        if not db.execute("select 1 from hotspot_groups where id = ?", [group_id]).fetchone():
            raise HotspotError("no_group")
        part_id = new_group_id()
        _move(db, opinion_id, group_id, part_id)
        _drop_empty(db)
        audit.record(db, "hotspot.move", f"opinion:{opinion_id}", office_id, to=group_id)
    return [(opinion_id, group_id, part_id)]


def merge(db: sqlite_utils.Database, into: str, other: str, office_id: int) -> Moves:
    """The office joins two groups into one. Each opinion keeps its part (the other group's own
    part keeps the other group's id as its name): the merged group is as close to a new opinion
    as the closer of the two wordings."""
    with db.atomic():
        moved = [(o, part_of(db, o) or other) for o in members(db, other)]
        if into == other or not moved or not members(db, into):
            raise HotspotError("no_group")
        for opinion_id, part_id in moved:
            _move(db, opinion_id, into, part_id)
        _drop_empty(db)
        audit.record(db, "hotspot.merge", f"hotspot:{into}", office_id, merged=other)
    return [(opinion_id, into, part_id) for opinion_id, part_id in moved]


def split(db: sqlite_utils.Database, opinion_ids: list[str], office_id: int) -> tuple[str, Moves]:
    """The office takes opinions out of their group into a new group of their own (its own
    part): nothing joins the groups again but the office."""
    with db.atomic():
        if not opinion_ids or any(group_of(db, o) is None for o in opinion_ids):
            raise HotspotError("not_grouped")
        new_id = new_group_id()
        for opinion_id in opinion_ids:
            _move(db, opinion_id, new_id)
        _drop_empty(db)
        audit.record(db, "hotspot.split", f"hotspot:{new_id}", office_id, count=len(opinion_ids))
    return new_id, [(opinion_id, new_id, new_id) for opinion_id in opinion_ids]


_HOTSPOTS = """
select m.group_id as id, count(*) as size,
       case when max(o.id = g.representative) then g.representative else min(o.id) end as shown,
       group_concat(distinct o.category) as categories,
       group_concat(distinct d.name) as departments,
       min(o.submitted_on) as first_day, max(o.submitted_on) as last_day,
       (select min(po.problem_id) from problem_opinions po join hotspot_members m4
          on m4.opinion_id = po.opinion_id where m4.group_id = g.id) as problem_id
from hotspot_members m
join hotspot_groups g on g.id = m.group_id
join opinions o on o.id = m.opinion_id
left join departments d on d.id = o.department_id
"""


def _hotspots(db, rows) -> list[Hotspot]:
    """The rows as hotspots. The text shown is the group's representative when it is among the
    opinions counted (a leader's view counts only their departments'), else one of those."""
    rows = list(rows)
    texts = {
        row["shown"]: db.execute("select text from opinions where id = ?", [row["shown"]]).fetchone()[0]
        for row in rows
    }
    return [
        Hotspot(
            id=row["id"],
            size=row["size"],
            representative=texts[row["shown"]],
            categories=tuple(sorted(row["categories"].split(","))) if row["categories"] else (),
            departments=tuple(sorted(row["departments"].split(","))) if row["departments"] else (),
            first_day=row["first_day"],
            last_day=row["last_day"],
            problem_id=row["problem_id"],
        )
        for row in rows
    ]


def _filters(start, end, department_ids, open_only) -> tuple[str, list]:
    where, params = ["o.released = 1"], []
    if start:
        where.append("o.submitted_on >= ?")
        params.append(start.isoformat())
    if end:
        where.append("o.submitted_on <= ?")
        params.append(end.isoformat())
    if department_ids is not None:
        where.append(f"o.department_id in ({','.join('?' * len(department_ids)) or 'null'})")
        params += department_ids
    if open_only:
        where.append("o.status in ('new', 'replied', 'forwarded')")
    return " and ".join(where), params


def _grown(db, where: str, params: list, since: date) -> list[str]:
    """The groups with an opinion of `since` or later among those counted: found from the
    recent days' opinions alone (through the day indexes), so that a digest does not count
    every group of the box to name the few that grew."""
    return [
        r[0]
        for r in db.execute(
            f"select distinct m.group_id from opinions o cross join hotspot_members m "
            f"on m.opinion_id = o.id where {where} and o.submitted_on >= ?",
            [*params, since.isoformat()],
        )
    ]


def top(
    db: sqlite_utils.Database,
    limit: int,
    *,
    min_size: int = 2,
    start: date | None = None,
    end: date | None = None,
    department_ids: list[int] | None = None,
    open_only: bool = False,
    grew_since: date | None = None,
    offset: int = 0,
) -> list[Hotspot]:
    """The largest groups, counting only opinions of the period (by the day they carry) and,
    for a leader, only those about their departments. A group smaller than `min_size` is not
    a hotspot (outside the office, min_size is at least MIN_SHOWN). `grew_since`: only groups
    with an opinion of that day or later (a digest's "since the last one"). `offset`: the
    office's cards page by page, skipping that many of the largest."""
    if open_only and not (start or end or grew_since) and department_ids is None:
        return _open_top(db, limit, min_size, offset)
    where, params = _filters(start, end, department_ids, open_only)
    having, tail = "count(*) >= ?", list[object]([min_size])
    if grew_since:
        grown = _grown(db, where, params, grew_since)
        if not grown:
            return []
        if len(grown) <= GROWN_LISTED:
            where += f" and m.group_id in ({','.join('?' * len(grown))})"
            params = [*params, *grown]
        else:  # too many to name one by one: counted over the box, as without grew_since
            having += " and max(o.submitted_on) >= ?"
            tail.append(grew_since.isoformat())
    rows = db.query(
        f"{_HOTSPOTS} where {where} group by m.group_id "
        f"having {having} order by count(*) desc, m.group_id limit ? offset ?",
        [*params, *tail, limit, offset],
    )
    return _hotspots(db, rows)


def _open_top(db, limit: int, min_size: int, offset: int = 0) -> list[Hotspot]:
    """The office's cards: the largest groups by their open opinions, read from the first rows
    of the index of kept counts (m090), then only those groups described."""
    chosen = [
        r[0]
        for r in db.execute(
            "select id from hotspot_groups where open_size >= ? order by open_size desc, id limit ? offset ?",
            [max(min_size, 1), limit, offset],
        )
    ]
    if not chosen:
        return []
    where, params = _filters(None, None, None, True)
    rows = db.query(
        f"{_HOTSPOTS} where {where} and m.group_id in ({','.join('?' * len(chosen))}) group by m.group_id",
        [*params, *chosen],
    )
    found = {h.id: h for h in _hotspots(db, rows)}
    return [found[g] for g in chosen if g in found]


def exists(db: sqlite_utils.Database, group_id: str) -> bool:
    return db.execute("select 1 from hotspot_groups where id = ?", [group_id]).fetchone() is not None


def size(db: sqlite_utils.Database, group_id: str) -> int:
    """Every opinion of the group, open or not (from the membership index)."""
    return db.execute("select count(*) from hotspot_members where group_id = ?", [group_id]).fetchone()[0]


def count_open(db: sqlite_utils.Database, min_size: int = 2) -> int:
    """How many groups have at least `min_size` open opinions (the office's cards: 2)."""
    return db.execute(
        "select count(*) from hotspot_groups where open_size >= ?", [max(min_size, 1)]
    ).fetchone()[0]


def largest_open(db: sqlite_utils.Database, limit: int, offset: int = 0) -> list[tuple[str, int, str]]:
    """(group, open opinions, its representative's text) of the largest groups, for the office's
    pickers, page by page: from the kept counts and one row per group, whatever the groups' sizes."""
    rows = db.execute(
        "select g.id, g.open_size, coalesce(g.representative, (select min(m.opinion_id) "
        "from hotspot_members m where m.group_id = g.id)) from hotspot_groups g "
        "where g.open_size > 0 order by g.open_size desc, g.id limit ? offset ?",
        [limit, offset],
    ).fetchall()
    return [
        (group_id, size, db.execute("select text from opinions where id = ?", [shown]).fetchone()[0])
        for group_id, size, shown in rows
    ]


def get(db: sqlite_utils.Database, group_id: str) -> Hotspot | None:
    found = _hotspots(db, db.query(f"{_HOTSPOTS} where m.group_id = ? group by m.group_id", [group_id]))
    return found[0] if found else None


def unlisted(db: sqlite_utils.Database, hotspot: Hotspot) -> tuple[list[tuple[str, str]], str]:
    """The group's opinions not on the problem list yet, (id, category), and the words a problem
    for them is listed under: the group's representative, unless that one is already listed
    (then the first of them: a second problem in the listed one's words would read as a copy)."""
    rows = list(
        db.execute(
            "select o.id, o.category, o.text from hotspot_members m join opinions o on o.id = m.opinion_id "
            "where m.group_id = ? and not exists (select 1 from problem_opinions p "
            "where p.opinion_id = o.id) order by o.id",
            [hotspot.id],
        )
    )
    texts = [text for _, _, text in rows]
    text = hotspot.representative if hotspot.representative in texts or not texts else texts[0]
    return [(opinion_id, category) for opinion_id, category, _ in rows], text


def list_as_problem(db: sqlite_utils.Database, group_id: str, actor_id: int) -> tuple[int, int]:
    """One problem for the whole group: linked to every opinion of it not already on the list,
    so that each of their receipts shows the problem's life. Returns (problem, opinions)."""
    with db.atomic():
        hotspot = get(db, group_id)
        if hotspot is None:
            raise HotspotError("gone")
        rows, text = unlisted(db, hotspot)
        if not rows:
            raise HotspotError("already_listed")
        title = text.rstrip("。.！!；;，, ") if len(text) <= 40 else text[:40] + "…"
        category = Counter(category for _, category in rows).most_common(1)[0][0]
        problem_id = problems.create(
            db,
            title,
            actor_id,
            description=text,
            category=category,
            source="opinion",
            opinion_ids=tuple(o for o, _ in rows),
        )
        audit.record(db, "hotspot.problem", f"hotspot:{group_id}", actor_id, problem=problem_id)
    return problem_id, len(rows)


def for_office_digest(db: sqlite_utils.Database, since_day: date) -> list[Hotspot]:
    """The office's digest: the largest groups of open opinions that grew since the last one
    (the office sees every group, however small)."""
    return top(db, DIGEST_HOTSPOTS, open_only=True, grew_since=since_day)


def for_leader_digest(db: sqlite_utils.Database, department_ids: list[int], since_day: date) -> list[Hotspot]:
    """A leader's digest: groups of at least MIN_SHOWN opinions about the leader's departments
    (counted in those departments only) that grew since the last one."""
    return top(db, DIGEST_HOTSPOTS, min_size=MIN_SHOWN, department_ids=department_ids, grew_since=since_day)


def for_report(db: sqlite_utils.Database, start: date, end: date) -> list[Hotspot]:
    """The summary report: the largest groups of the period, none under MIN_SHOWN."""
    return top(db, DIGEST_HOTSPOTS, min_size=MIN_SHOWN, start=start, end=end)


def count_for_report(db: sqlite_utils.Database, start: date, end: date) -> int:
    """How many groups of the period reach MIN_SHOWN opinions: the report says how many it
    names of how many."""
    where, params = _filters(start, end, None, False)
    return db.execute(
        "select count(*) from (select m.group_id from opinions o join hotspot_members m "
        f"on m.opinion_id = o.id where {where} group by m.group_id having count(*) >= ?)",
        [*params, MIN_SHOWN],
    ).fetchone()[0]
