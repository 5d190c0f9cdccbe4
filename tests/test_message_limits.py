"""Every message built from user text fits Telegram's limits (counted in UTF-16 units; an emoji
outside the BMP counts twice): the longest allowed inputs, and all-emoji inputs, go through
each template over the fake Bot API, which refuses what Telegram would refuse. Nothing a person
wrote is cut: what does not fit one message comes in several."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from conftest import confirmed, join, submit_opinion

from jobs import delivery, opinion_batches
from storage import problems
from storage.clock import clock
from texts import fit

EMOJI = "😀"
LIMIT = 2000  # OPINION_MAX_CHARS' default


def longest(kind: str, length: int) -> str:
    return {"emoji": EMOJI * length, "chinese": "长" * length, "html": "&<>" * (length // 3)}[kind]


def longest_opinion(kind: str, length: int) -> str:
    """As `longest`, with one word in front of the emoji or the markup: an opinion without
    words is asked for words (test_walk_leftovers)."""
    return longest(kind, length) if kind == "chinese" else "长" + longest(kind, length - 1)


def visible(messages) -> str:
    """What the new messages say, tags and entities undone (as Telegram shows it)."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", m.text or "")) for m in messages if m.kind == "sent")


@pytest.mark.parametrize("kind", ["emoji", "chinese", "html"])
async def test_the_opinion_box_at_its_limits(running_bot, client, invited, server, kind):
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    text = longest_opinion(kind, LIMIT)
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("门诊部")
    await staff.send(text)
    preview = await staff.press("完成，预览")
    # the whole text, in as many messages as it takes (a preview in one message is the photo
    # step's message, edited in place; the photo step's buttons taken off are no part of it)
    shown = [replace(m, kind="sent") for m in preview if m.kind == "sent" or "✅ 提交" in m.labels()]
    assert text in visible(shown).replace("\n", "")
    receipt = (await staff.press("提交"))[-1].text
    assert "回执码" in receipt
    code = receipt.split("<code>")[1].split("</code>")[0]
    await opinion_batches.release_to_office(running_bot.app)

    cards = await office.send("/inbox")
    assert text in visible(cards).replace("\n", "")
    await office.press("回复")
    answer = longest_opinion(kind, LIMIT)  # the same as the opinion's text, counted twice below
    await office.send(answer)
    shown = await staff.send(f"/receipt {code}")
    assert visible(shown).replace("\n", "").count(answer) == 2  # the text and the reply, both whole

    await office.send("/inbox")
    await office.press("转给领导")
    await office.press("李娜")
    got = await leader.replies()
    assert text in visible(got).replace("\n", "")
    assert all(fit.units(m.text or "") <= fit.TEXT_LIMIT for m in cards + shown + got)
    assert server.api.refusals() == []


SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("kind", ["emoji", "chinese"])
async def test_a_self_check_of_three_long_parts_reaches_author_and_reviewer(
    running_bot, client, invited, db, server, kind
):
    clock.freeze(datetime.combine(date(2026, 11, 30), time(10), tzinfo=SHANGHAI))
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    leader = await join(client, invited, 102, "李娜")
    problem_id = problems.create(db, "挂号排队时间长", None)
    db.execute(
        "update problems set leader_id = (select id from people where name = '李娜'), "
        "department_id = (select id from departments where name = '门诊部'), status = 'claimed' "
        "where id = ?",
        [problem_id],
    )
    db.conn.commit()
    await confirmed(office, "/selfcheck 门诊部 2026-12-04")
    while await delivery.send_due(running_bot.app):
        pass
    await head.wait_for("提交自查报告")
    await head.press("写自查报告")
    parts = [longest(kind, 1500) for _ in range(3)]  # 1,500 each: 4,535 in one message before
    await head.send(parts[0])
    await head.send(parts[1])
    preview = await head.send(parts[2])
    assert visible(preview).replace("\n", "").count(parts[0]) == 3
    assert "已提交" in (await head.press("提交"))[-1].text
    while await delivery.send_due(running_bot.app):
        pass
    await leader.wait_for("提交了自查报告")
    card = await leader.press("查看")
    assert visible(card).replace("\n", "").count(parts[0]) == 3
    assert "通过" in " ".join(card[-1].labels())
    assert server.api.refusals() == []


def jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def drain(app):
    async def run():
        while await delivery.send_due(app):
            pass

    return run()


@pytest.mark.parametrize("kind", ["emoji", "chinese"])
async def test_a_problems_whole_life_at_its_limits(running_bot, client, invited, db, server, kind):
    """Issue 18 item 10: each template built from a problem's texts (title 200, description,
    measures, progress note, closure evidence, return comment, explanation 2,000; extension
    reason 500; a meeting's title and place 200), in the notices the outbox delivers and on every
    screen that shows them."""
    from jobs import notices
    from storage import calendar, extensions, people

    clock.freeze(datetime.combine(date(2026, 11, 30), time(10), tzinfo=SHANGHAI))
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    head = await join(client, invited, 104, "刘洋")
    named = {p.name: p for p in people.everyone(db)}
    app = running_bot.app
    title, text = longest(kind, 200), longest(kind, 2000)

    problem_id = problems.create(db, title, named["王芳"].id, description=text)
    notices.problem_listed(app, problem_id)
    problem = problems.claim(db, problem_id, named["李娜"])
    notices.problem_claimed(app, problem)
    problem = problems.act(
        db,
        problem_id,
        "dispatch",
        named["李娜"],
        measures=text,
        department_id=named["刘洋"].department_id,
        deadline=date(2026, 12, 31),
    )
    notices.problem_dispatched(app, problem)
    problem = problems.act(
        db, problem_id, "report", named["刘洋"], actor_id=named["刘洋"].id, text=text, percent=60
    )
    notices.progress_reported(app, problem, text, [], named["刘洋"].name)
    # the notice as a photo's caption (1,024)
    notices.progress_reported(app, problem, text, [jpeg()], named["刘洋"].name)
    extension = extensions.ask(
        db, problem_id, named["刘洋"], longest(kind, 500), date(2027, 1, 15), date(2026, 11, 30)
    )
    notices.extension_asked(app, problem, extension, named["刘洋"])
    problem = problems.act(db, problem_id, "request_closure", named["刘洋"])
    await drain(app)
    await office.send("/closures")
    problem = problems.act(db, problem_id, "return", named["王芳"])
    notices.problem_returned(app, problem, text)

    explained = problems.create(db, title, named["王芳"].id, description=text)
    problems.claim(db, explained, named["李娜"])
    problem = problems.act(db, explained, "explain", named["李娜"], reason=text, review_on=date(2027, 3, 1))
    notices.problem_explained(app, problem)
    starts = datetime.combine(date(2026, 12, 3), time(15), tzinfo=SHANGHAI)
    meeting = calendar.add(db, "meeting", title, starts, named["王芳"].id, place=title)
    notices.meeting_set(notices.Reach(db, "zh-CN", SHANGHAI), calendar.get(db, meeting))
    await drain(app)
    await leader.wait_for("#")

    await staff.send("/ledger")
    await staff.send(f"/history {problem_id}")
    await staff.send(f"/history {explained}")
    await leader.send("/mine")
    await head.send("/tasks")
    await leader.send("/digest")
    await office.send("/digest")
    await staff.send("/meetings")
    assert (
        db.execute(
            "select count(*) from outbox where dedup_key like 'meeting-set:%' and sent_at is not null"
        ).fetchone()[0]
        == 4
    )  # the meeting's notice reached all four
    refused = [r[0][:12] for r in db.execute("select text from outbox where last_error like 'bad request%'")]
    assert refused == []
    assert server.api.refusals() == []
    for person in (staff, leader, office, head):
        assert all(fit.units(m.text or "") <= fit.TEXT_LIMIT for m in person.inbox)
        assert all(fit.units(m.caption or "") <= fit.CAPTION_LIMIT for m in person.inbox)
    assert any(m.photo and m.caption for m in leader.inbox)  # the captioned progress arrived


def test_grouped_notices_go_out_as_many_as_fit_one_message():
    """Several reminders for one person due together are one message, but never one that
    Telegram would refuse, nor one whose buttons would be dropped: the rest wait a pass."""
    from storage.outbox import Outgoing

    long_rows = [Outgoing(n, 7, "长" * 1500, [], 0, "slot") for n in range(5)]
    assert [len(b) for b in delivery.batches(long_rows)] == [2]
    buttons = [Outgoing(n, 7, "提醒", [[("报告", f"x:{n}")]], 0, "slot") for n in range(12)]
    assert [len(b) for b in delivery.batches(buttons)] == [delivery.MAX_BUTTON_ROWS]


@pytest.mark.parametrize("kind", ["emoji", "chinese"])
async def test_a_thread_written_back_published_and_a_sheet_at_their_limits(
    running_bot, client, invited, db, server, kind
):
    """The thread of an opinion (the opinion, the office's reply, the holder's write-back, all
    2,000 long) in the inbox and under /receipt; the answer published to everyone; an
    evaluation sheet with a 200-long title: its preview, invitation and rating screens."""
    staff = await join(client, invited, 101, "张伟")
    leader = await join(client, invited, 102, "李娜")
    office = await join(client, invited, 103, "王芳")
    text = longest_opinion(kind, LIMIT)
    code = await submit_opinion(staff, text)
    await opinion_batches.release_to_office(running_bot.app)
    await office.send("/inbox")
    await office.press("回复")
    await office.send(text)
    await staff.send(f"/receipt {code}")
    await staff.press("回复活动办")
    await staff.send(text)
    await opinion_batches.release_to_office(running_bot.app)
    thread = await office.send("/inbox")
    assert visible(thread).replace("\n", "").count(text) >= 3  # the whole thread, in several messages
    await office.press("办结答复")
    await office.send(text)
    await office.press("向全体公开答复")
    await office.press("确认发给")
    await drain(running_bot.app)
    await leader.wait_for("意见答复公开")

    title = longest(kind, 200)
    preview = await office.send(f"/newsheet {title} | 李娜 门诊部 | 7天")
    await office.press("确认发出", message=preview[-1])
    await drain(running_bot.app)
    await staff.wait_for("请参加民主评议")
    await staff.press("开始评议")
    for _ in range(5):
        await staff.press("好")
    await staff.press("不了解，跳过此对象")
    await staff.press("提交")
    assert server.api.refusals() == []
    for person in (staff, leader, office):
        assert all(fit.units(m.text or "") <= fit.TEXT_LIMIT for m in person.inbox)


def test_published_results_of_a_long_sheet_go_out_in_parts_that_fit(db, invited, monkeypatch):
    """Each person's copy of a sheet with many long-named subjects is split where Telegram's
    limit needs; the arrival report still counts people, not parts."""
    from types import SimpleNamespace

    import config
    from jobs import evaluations as evaluation_job
    from storage.evaluations import Sheet, Subject, SubjectResult

    subjects = tuple(Subject(position=n, name="😀" * 50 + f"{n}") for n in range(40))
    now = datetime(2026, 11, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    sheet = Sheet(
        id=7,
        title="😀" * 200,
        items=("政治表现", "工作作风", "廉洁自律"),
        grades=("好", "较好", "一般", "差"),
        roles=frozenset(),
        departments=frozenset(),
        opens_at=now,
        closes_at=now,
        concluded=True,
        published=False,
        subjects=subjects,
    )
    shares = tuple({"好": 0.5, "较好": 0.3, "一般": 0.1, "差": 0.1} for _ in sheet.items)
    found = [
        SubjectResult(subject=s, ballots=30, abstained=1, shares=shares, overall="好", flagged=False)
        for s in subjects
    ]
    monkeypatch.setattr(evaluation_job, "results", lambda app, sheet: found)
    from services import KEY, Services, Shared

    app = SimpleNamespace(bot_data={KEY: Services(db, config.load(env={}, dotenv=False), Shared(None))})
    people_count = db.execute("select count(*) from people where active = 1").fetchone()[0]
    assert evaluation_job.announce_results(app, sheet) == people_count
    texts = [row[0] for row in db.execute("select text from outbox")]
    assert len(texts) > people_count  # more than one message each
    assert all(fit.units(text) <= fit.TEXT_LIMIT for text in texts)
    whole = [t for t in texts if "😀" * 50 + "39" in t]
    assert len(whole) == people_count  # the last subject reaches everyone
