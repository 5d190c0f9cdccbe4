"""督导's roll-up at city scale: the figures counted from the roll-up index are the ones the
ledger's traffic lights give problem by problem, and an institution's figures are read again
exactly when its database changed (storage.rollup.Cache): a change shows in the next roll-up,
an unchanged institution is not read."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta

from test_supervision import county

import services
from jobs import institutions, supervision
from storage import problems, rollup
from storage.clock import clock, iso


def test_lights_by_the_index_are_the_ledgers_lights_problem_by_problem(db):
    """Every state, deadlines past, today, near, far and none, progress recent, stale and
    never: the counts by status and light equal storage.problems.light over every problem, in
    the order (status, light) sorts in, with no light of count 0."""
    rng = random.Random(7)
    today = clock.now().date()
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    moments = [None, *(iso(midnight - timedelta(days=d, hours=3)) for d in (0, 1, 13, 14, 15, 40))]
    with db.atomic():
        for n in range(400):
            deadline = rng.choice([None, *(today + timedelta(days=d) for d in (-30, -1, 0, 1, 3, 4, 20))])
            db.table("problems").insert(
                {
                    "title": f"问题{n}",
                    "source": "meeting",
                    "status": rng.choice(problems.STATES),
                    "deadline": deadline.isoformat() if deadline else None,
                    "created_at": iso(midnight - timedelta(days=60)),
                    "last_progress_at": rng.choice(moments),
                }
            )
    found = rollup.figures(db, "甲医院", today, amber=3, stale=14)
    by_status: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    red = []
    for problem in problems.each(db):
        light = problems.light(problem, today, 3, 14)
        if light == problems.RED:
            red.append(problem)
        by_status[problem.status] = by_status.get(problem.status, 0) + 1
        pairs[(problem.status, light)] = pairs.get((problem.status, light), 0) + 1
    by_light: dict[str, int] = {}
    for (_, light), count in sorted(pairs.items()):
        by_light[light] = by_light.get(light, 0) + count
    assert found.total == 400 and found.by_status == by_status
    assert list(found.by_light.items()) == list(by_light.items())
    # overdue is red for its deadline; a listed problem nobody claimed is red without one
    late = [p for p in red if p.deadline and p.deadline < today]
    assert found.overdue == len(late) > 0 and len(late) < len(red)
    assert {problems.AMBER, problems.GREEN, problems.DONE, problems.EXPLAINED} <= set(found.by_light)
    # the overdue page: the oldest, by deadline and then number, of every open state at once
    oldest = sorted(late, key=lambda p: (p.deadline, p.id))[: rollup.OVERDUE_SHOWN]
    assert len(late) > rollup.OVERDUE_SHOWN and len({p.status for p in oldest}) > 1
    assert [line["id"] for line in found.overdue_list] == [p.id for p in oldest]
    assert found.longest_overdue_days == (today - oldest[0].deadline).days


def test_satisfaction_counts_every_ballot_from_k(db):
    today = clock.now().date()
    db.execute(
        "insert into problems (title, source, status, created_at) "
        "values ('x', 'meeting', 'closed', '2026-01-01T00:00:00+00:00')"
    )
    db.execute(
        "insert into lookbacks (problem_id, round, opens_on, closes_on, result) "
        "values (1, '30d', '2026-01-01', '2026-01-15', 'held')"
    )
    for n, choice in enumerate(["satisfied", "basic", "unsatisfied", "unknown"]):
        db.execute(
            "insert into lookback_ballots (id, lookback_id, choice) values (?, 1, ?)", [f"b{n}", choice]
        )
    db.conn.commit()
    assert rollup.figures(db, "甲医院", today, k=4).counted == 0  # three counted: below k
    found = rollup.figures(db, "甲医院", today, k=3)
    assert (found.counted, found.satisfied, found.satisfaction) == (3, 2, 2 / 3)


def test_an_institution_is_read_again_exactly_when_its_database_changed(db, db_path):
    today = clock.now().date()
    cache = rollup.Cache()
    first = cache.figures(db, "甲医院", today)
    assert first.total == 0 and cache.reads == 1
    assert cache.figures(db, "甲医院", today) is first and cache.reads == 1  # unchanged: not read
    problems.create(db, "门诊楼无障碍通道", None)  # the bot's own connection commits
    assert cache.figures(db, "甲医院", today).total == 1 and cache.reads == 2
    other = sqlite3.connect(db_path)  # another process (the command line) commits
    with other:
        other.execute("update problems set status = 'closed'")
    other.close()
    assert cache.figures(db, "甲医院", today).by_status == {"closed": 1} and cache.reads == 3
    cache.figures(db, "甲医院", today)
    assert cache.reads == 3
    # the day and the settings are part of what was read
    cache.figures(db, "甲医院", today + timedelta(days=1))
    cache.figures(db, "甲医院", today + timedelta(days=1), k=10)
    assert cache.reads == 5
    # a transaction still open is not seen (as before: the roll-up reads what was committed)
    db.conn.execute("begin")
    db.execute("update problems set status = 'listed'")
    assert cache.figures(db, "甲医院", today + timedelta(days=1), k=10).by_status == {"closed": 1}
    db.conn.commit()
    assert cache.figures(db, "甲医院", today + timedelta(days=1), k=10).by_status == {"listed": 1}
    cache.close()


async def test_a_change_in_one_institution_shows_in_the_next_rollup_and_only_it_is_read(fast_bot, db_path):
    county(fast_bot.db, db_path)
    institutions.attach(fast_bot.app)
    today = clock.now().astimezone(fast_bot.app.bot_data["settings"].timezone).date()
    ranked, _ = await supervision.collect(fast_bot.app, today)
    assert {f.institution: f.total for f in ranked} == {"甲医院": 0, "乙医院": 0}
    a, b = institutions.view_named(fast_bot.app, "甲医院"), institutions.view_named(fast_bot.app, "乙医院")
    problems.create(a.bot_data["db"], "门诊楼无障碍通道", None)
    ranked, _ = await supervision.collect(fast_bot.app, today)
    assert {f.institution: f.total for f in ranked} == {"甲医院": 1, "乙医院": 0}
    assert services.of(a).rollup_cache.reads == 2 and services.of(b).rollup_cache.reads == 1
    assert [f.institution for f in ranked] == ["甲医院", "乙医院"]  # nothing listed comes last
    with a.bot_data["db"].atomic():
        a.bot_data["db"].execute("update problems set status = 'closed'")
    ranked, _ = await supervision.collect(fast_bot.app, today)
    assert ranked[0].closure_rate == 1.0 and services.of(a).rollup_cache.reads == 3
    assert services.of(b).rollup_cache.reads == 1
