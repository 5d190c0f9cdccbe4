"""A digest tells what moved, newest first, one line per problem with its path; what falls due
in the next 7 days, day 3 included; and it fits one phone screen, with the rest one tap away and
no heading ever parted from its lines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conftest import join

from jobs import digests as digest_job
from storage import digests, people, problems
from storage.clock import clock
from texts.fit import units

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 1)
LONG = "门诊大厅自助挂号机经常死机导致老人排长队无人引导而且周末只开两个窗口"  # 36 characters


def who(db, name: str) -> people.Person:
    return people.by_id(db, db.execute("select id from people where name = ?", [name]).fetchone()[0])


def at(hour: int, day: date = TODAY - timedelta(days=1)) -> None:
    clock.freeze(datetime.combine(day, time(hour), tzinfo=SHANGHAI))


def dispatched(db, title: str, deadline: date) -> int:
    problem_id = problems.create(db, title, None)
    problems.claim(db, problem_id, who(db, "李娜"))
    problems.act(
        db,
        problem_id,
        "dispatch",
        who(db, "李娜"),
        measures="措施",
        department_id=who(db, "刘洋").department_id,
        deadline=deadline,
    )
    return problem_id


def test_changes_are_one_line_per_problem_with_its_path_newest_first(db, invited):
    head, office = who(db, "刘洋"), who(db, "王芳")
    at(9)
    moving = dispatched(db, LONG, TODAY + timedelta(days=20))
    for hour, percent in ((10, 30), (11, 70)):
        at(hour)
        problems.act(db, moving, "report", head, actor_id=head.id, text="进展", percent=percent)
    at(12)
    problems.act(db, moving, "request_closure", head)
    at(13)
    closed = dispatched(db, "车棚漏雨", TODAY + timedelta(days=20))
    problems.act(db, closed, "request_closure", head)
    problems.act(db, closed, "close", office)

    digest = digests.for_leader(db, who(db, "李娜"), datetime(2026, 11, 30, tzinfo=UTC), TODAY, SHANGHAI)
    text = digest_job.render("zh-CN", who(db, "李娜"), digest, "digest.title.daily", None)
    changes = text.split("🔄 变化</b>\n")[1].split("\n\n")[0].split("\n")
    assert changes[0] == f"#{closed} 车棚漏雨：列入清单 → 接单 → 下单 → 申请销号 → 销号"  # newest first
    assert changes[1].endswith("：列入清单 → 接单 → 下单 → 报告进展 70% → 申请销号")
    assert text.count("门诊大厅自助挂号机") == 1 + ("门诊大厅自助挂号机" in text.split("🔄")[0])


def test_due_in_the_next_seven_days_includes_every_day_and_asked_closures(db, invited):
    head = who(db, "刘洋")
    at(9, TODAY)
    due = {n: dispatched(db, f"第{n}天到期", TODAY + timedelta(days=n)) for n in range(9)}
    problems.act(db, due[3], "request_closure", head)  # day 3, waiting for 销号: still due
    digest = digests.for_office(db, datetime(2026, 11, 30, tzinfo=UTC), TODAY, SHANGHAI)
    assert [p.id for p in digest.due_soon] == [due[n] for n in range(8)]  # day 0 to day 7
    full = "\n".join(digest_job.render_full("zh-CN", who(db, "王芳"), digest, "digest.title.office", None))
    section = full.split("⏳ 未来 7 天到期（黄灯以外）</b>\n")[1].split("\n\n")[0]
    assert "第7天到期" in section and "第8天到期" not in section
    amber = full.split("🟡 临期或久未进展</b>\n")[1].split("\n\n")[0]
    assert "第3天到期" in amber and "第3天到期" not in section  # under 🟡, which ⏳ does not repeat


def test_what_amber_lists_is_not_listed_again_under_due_in_seven_days(db, invited):
    """A leader's first screen showed the problems due within 3 days twice, under 🟡 and again
    under ⏳ 未来 7 天到期: a quarter of the 25 lines for nothing new."""
    at(9, TODAY)
    due = {n: dispatched(db, f"第{n}天到期", TODAY + timedelta(days=n)) for n in (1, 2, 6)}
    digest = digests.for_leader(db, who(db, "李娜"), datetime(2026, 11, 30, tzinfo=UTC), TODAY, SHANGHAI)
    amber = {p.id for p in digest.by_light[problems.AMBER]}
    assert {due[1], due[2]} <= amber and due[6] not in amber
    screen, _ = digest_job.render_screen("zh-CN", who(db, "李娜"), digest, "digest.title.daily", None)
    amber_lines = screen.split("🟡 临期或久未进展</b>\n")[1].split("\n\n")[0]
    assert "第1天到期" in amber_lines and "第2天到期" in amber_lines, screen
    section = screen.split("⏳ 未来 7 天到期（黄灯以外）</b>\n")[1].split("\n\n")[0]
    assert "第6天到期" in section and "第1天到期" not in section and "第2天到期" not in section, section


def test_a_long_digest_fits_a_screen_and_the_rest_is_one_tap_away(db, invited):
    at(9, TODAY - timedelta(days=30))
    for n in range(30):
        dispatched(db, f"{n:02d}号问题" + "很长的标题🙂" * 30, TODAY - timedelta(days=1 + n % 5))
    leader = who(db, "李娜")
    digest = digests.for_leader(db, leader, datetime(2026, 11, 30, tzinfo=UTC), TODAY, SHANGHAI)
    screen, cut = digest_job.render_screen("zh-CN", leader, digest, "digest.title.daily", None)
    assert cut and units(screen) <= 4096 and len(screen.split("\n")) <= 25
    assert "完整简报" in screen
    pages = digest_job.render_full("zh-CN", leader, digest, "digest.title.daily", None)
    assert all(units(page) <= 4096 for page in pages)
    for page in pages:  # a heading is never the last line of a message, nor followed by a blank
        lines = page.split("\n")
        for number, line in enumerate(lines):
            if line.startswith("<b>") and line.endswith("</b>"):
                assert number + 1 < len(lines) and lines[number + 1].strip(), page
    shown = "\n".join(pages)
    assert all(f"{n:02d}号问题" in shown for n in range(30))


def test_the_first_screen_knows_what_it_leaves_off_without_writing_it_all(db, invited, monkeypatch):
    """At full size the office's digest has 80,000 lines; the first screen wrote them all out
    only to learn whether anything was left off."""
    leader = who(db, "李娜")
    since = datetime(2026, 11, 30, tzinfo=UTC)
    at(9, TODAY - timedelta(days=30))
    for n in range(2):
        dispatched(db, f"{n}号问题", TODAY - timedelta(days=1))
    asked: list = []
    whole = digest_job.blocks

    def blocks(*args, **kwargs):
        asked.append(kwargs.get("limit", digest_job.SCREEN_LINES))
        return whole(*args, **kwargs)

    monkeypatch.setattr(digest_job, "blocks", blocks)
    few = digests.for_leader(db, leader, since, TODAY, SHANGHAI)
    assert digest_job.render_screen("zh-CN", leader, few, "digest.title.daily", None)[1] is False
    for n in range(2, 4):  # one more than a screen's section shows
        dispatched(db, f"{n}号问题", TODAY - timedelta(days=1))
    more = digests.for_leader(db, leader, since, TODAY, SHANGHAI)
    screen, cut = digest_job.render_screen("zh-CN", leader, more, "digest.title.daily", None)
    assert cut and "完整简报" in screen
    assert asked == [3, 3]  # the first screen only, each time
    full = "\n".join(digest_job.render_full("zh-CN", leader, more, "digest.title.daily", None))
    assert all(f"{n}号问题" in full for n in range(4))


async def test_the_leader_taps_for_the_full_digest(running_bot, client, invited, db):
    leader = await join(client, invited, 102, "李娜")
    for n in range(6):
        dispatched(db, f"{n}号逾期问题", date.today() - timedelta(days=2))
    replies = await leader.send("/digest")
    screen = next(m for m in replies if m.text and "整改简报" in m.text)
    red = screen.text.split("🔴 逾期</b>\n")[1].split("\n\n")[0]
    assert "5号逾期问题" not in red and "另有 3 项" in red
    full = await leader.press("完整简报", message=screen)
    red = " ".join(m.text or "" for m in full).split("🔴 逾期</b>\n")[1].split("\n\n")[0]
    assert all(f"{n}号逾期问题" in red for n in range(6)) and "另有" not in red
