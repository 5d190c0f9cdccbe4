"""A small seeded campaign shared by the digest and report tests: two leaders, two
departments, problems in every state, one day of activity."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import ROSTER_CSV, join

from storage import digests, invitations, opinions, problems, roster
from storage.clock import clock, iso
from storage.opinions import Draft
from storage.people import by_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2026, 11, 30) + timedelta(days=n) for n in range(4))
CAMPAIGN_ROSTER = ROSTER_CSV + "陈刚,院办,班子成员\n赵敏,后勤保障科,科室负责人\n孙丽,后勤保障科,职工\n"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def person_id(db, name: str) -> int:
    return db.execute("select id from people where name = ?", [name]).fetchone()[0]


def department_id(db, name: str) -> int:
    return db.execute("select id from departments where name = ?", [name]).fetchone()[0]


def seed_problem(
    db,
    title: str,
    status: str,
    leader: str | None = None,
    department: str | None = None,
    deadline: date | None = None,
) -> int:
    problem_id = problems.create(db, title, None)
    db.execute(
        "update problems set status = ?, leader_id = ?, department_id = ?, deadline = ?, "
        "measures = '措施', last_progress_at = ?, closed_at = ? where id = ?",
        [
            status,
            person_id(db, leader) if leader else None,
            department_id(db, department) if department else None,
            deadline.isoformat() if deadline else None,
            iso(clock.now()),
            iso(clock.now()) if status == "closed" else None,
            problem_id,
        ],
    )
    db.conn.commit()
    return problem_id


async def seed_campaign(running_bot, client, db) -> tuple[dict, dict[str, int]]:
    """Two leaders, two departments, problems in every state; both leaders got a digest on
    Tuesday morning; on Tuesday a head reports progress, the office closes one problem and an
    anonymous opinion about 门诊部 arrives."""
    roster.apply(db, roster.parse(CAMPAIGN_ROSTER.encode()), None)
    codes = {
        i.person.name: i.code
        for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    }
    people = {
        name: await join(client, codes, uid, name)
        for uid, name in ((102, "李娜"), (103, "王芳"), (104, "刘洋"), (105, "陈刚"), (106, "孙丽"))
    }
    clock.freeze(at(MONDAY, 10))
    days = timedelta(days=1)
    ids = {
        "late": seed_problem(db, "挂号排队时间长", "dispatched", "李娜", "门诊部", MONDAY - 2 * days),
        "soon": seed_problem(db, "门诊指示牌不清", "in_progress", "李娜", "门诊部", WEDNESDAY + 2 * days),
        "fine": seed_problem(db, "自行车棚破损", "dispatched", "李娜", "后勤保障科", WEDNESDAY + 20 * days),
        "closing": seed_problem(
            db, "职工书屋闲置", "closure_requested", "李娜", "后勤保障科", WEDNESDAY + 9 * days
        ),
        "other_late": seed_problem(
            db, "夜间巡查不到位", "dispatched", "陈刚", "后勤保障科", MONDAY - 9 * days
        ),
        "other_explained": seed_problem(db, "视频监控盲区", "explained", "陈刚", "后勤保障科"),
        "unclaimed": seed_problem(db, "食堂菜品单一", "listed"),
    }
    for name in ("李娜", "王芳", "陈刚"):
        digests.record_digest(db, person_id(db, name), at(TUESDAY, 8, 30))
    clock.freeze(at(TUESDAY, 14))
    head = by_id(db, person_id(db, "刘洋"))
    problems.act(db, ids["soon"], "report", head, actor_id=head.id, text="已换新指示牌", percent=60)
    office = by_id(db, person_id(db, "王芳"))
    problems.act(db, ids["closing"], "close", office)
    opinions.submit(
        db,
        Draft(category="医疗服务", department_id=department_id(db, "门诊部"), text="周末只开两个挂号窗口"),
        None,
        running_bot.app.bot_data["keys"],
        TUESDAY,
    )
    opinions.release_batch(db)
    db.execute("update people set reachable = 0 where name = '孙丽'")
    db.conn.commit()
    return people, ids
