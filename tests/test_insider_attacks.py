"""Insiders attack through Telegram itself, with no operator access: a staff member, a leader,
an office member of one institution, or a stranger, sending forged callback data, replaying old
buttons, typing commands with other institutions' ids, reusing or tampering with deep links.
Each attack that once succeeded is a test that failed before its fix; an attack that failed is
kept where it guards something a later change could break.

(tests/test_forensic_attacks.py holds the operator's attacks: the DB, WAL, backups, logs.)

Fast tier (tests/fast.py), over the in-process fake Bot API."""

from __future__ import annotations

from datetime import timedelta

from test_supervision import COUNTY_CSV, PEOPLE, confirmed, county, everyone_joins, invite_everyone, view

from callbacks import SUPERVISION_LEDGER
from jobs import institutions
from storage import institutions as directory
from storage import problems, roster
from storage.clock import clock

# ---- an institution's office makes itself the body's 督导组 ------------------------------------


async def test_an_office_cannot_grant_itself_the_bodys_roles(fast_bot, fast_client, db_path):
    """甲医院's office imports its own roster in chat with itself as 督导组 (or 委领导): the
    body's roles are the body's; in 甲's database they are refused, and a body role found there
    anyway (written before this check) opens nothing of 乙's."""
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    b = view(fast_bot, "乙医院")
    problems.create(b.bot_data["db"], "乙医院停车位不足", None)
    office = people["甲办"]
    await office.send("/roster")
    csv = (
        "姓名,科室,角色\n甲职工,门诊部,职工\n甲院长,院办,班子成员\n"
        "甲办,院办,活动办 督导组\n甲主任,门诊部,科室负责人\n"
    )
    replies = await office.send_file(csv.encode(), "roster.csv")
    text = " ".join(m.text or "" for m in replies)
    assert "上级单位" in text and "甲办" in text, text  # why, and whose line
    assert not [m for m in replies if m.buttons], "a roster with 督导组 offered to apply"
    a_db = view(fast_bot, "甲医院").bot_data["db"]
    roles = a_db.execute("select roles from people where name = '甲办'").fetchone()[0]
    assert "supervisor" not in roles.split(), (roles, text)

    # written by an older version: still nothing of 乙's
    a_db.execute("update people set roles = 'office supervisor commission' where name = '甲办'")
    a_db.conn.commit()
    seen = " ".join(m.text or "" for m in await office.send("/rollup"))
    assert "乙医院" not in seen
    b_id = directory.named(fast_bot.db, "乙医院").id
    last = (await office.send("/help"))[-1]
    pressed = await office.press_data(last.message_id, SUPERVISION_LEDGER.data(b_id))
    assert not [m for m in pressed if m.document], "乙医院's ledger went to 甲医院's office"
    assert institutions.view_for_user(fast_bot.app, PEOPLE["甲办"]) is view(fast_bot, "甲医院")


# ---- deep links: a questionnaire's public link --------------------------------------------------


async def test_the_public_link_of_an_institutions_questionnaire_leads_there(fast_bot, fast_client, db_path):
    """乙医院's questionnaire for the public, opened by a stranger: it was looked up in the main
    database (the body's), where no questionnaire has that link, and every stranger was told it
    had closed. A link tampered with (one character changed) still leads nowhere."""
    import re

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    preview = await people["乙办"].send("/survey 候诊体验 | 7天 | 群众\n1. 单选：满意吗？｜是/否")
    done = await people["乙办"].press("确认发出", message=preview[-1])
    link = re.search(r"start=(survey_[0-9a-f]{12})", done[-1].text)[1]

    tampered = link[:-1] + ("0" if link[-1] != "0" else "1")
    prober = await fast_client.user(992, "路人")
    assert "没有找到这份问卷" in (await prober.send(f"/start {tampered}"))[-1].text  # (walk3's wording)
    assert institutions.view_for_user(fast_bot.app, 992) is fast_bot.app  # placed nowhere

    guest = await fast_client.user(991, "患者")
    welcome = await guest.send(f"/start {link}")
    assert "候诊体验" in " ".join(m.text or "" for m in welcome)
    answered = await guest.press("是")
    assert "提交" in " ".join(str(m.buttons) for m in answered)
    assert institutions.view_for_user(fast_bot.app, 991) is view(fast_bot, "乙医院")


# ---- deep links: a 述职评议 slip held by someone of an institution --------------------------------


async def test_a_slip_left_half_rated_does_not_take_over_ones_own_institutions_sheet(
    fast_bot, fast_client, db_path
):
    """乙医院's staff member is also a delegate: they open the body's 述职评议 slip, grade once,
    and leave it. Their own hospital's rating sheet then came to them; its buttons (ev:…, the
    same as the slip's) were handled where the slip is, in the body's database, where they are
    nobody: "not on the roster". Their own sheet is theirs; the slip waits, and is still
    theirs to finish, once."""
    import re

    from storage import evaluations

    panel = "".join(f"督导员{n},县卫生健康局,督导组,督导组\n" for n in range(3))
    directory.import_roster(fast_bot.db, db_path, roster.parse((COUNTY_CSV + panel).encode()), "")
    codes = invite_everyone(fast_bot.db, db_path)
    joined = {}
    for name, user_id in {"周督导": 901, "郑秘书": 903, "乙职工": 921, "乙院长": 922, "乙办": 923}.items():
        joined[name] = await fast_client.user(user_id, name)
        assert name in (await joined[name].send(f"/start {codes[name]}"))[-1].text
    closes = (clock.now() + timedelta(days=3)).date()
    created = await confirmed(joined["周督导"], f"/appraisal {closes} 年度述职评议")
    sheet_id = int(re.search(r"/slips (\d+)", next(m.text for m in created if "特邀代表" in m.text))[1])
    made = await joined["郑秘书"].send(f"/slips {sheet_id} 5")
    slip = re.findall(r"start=(slip_[a-z0-9]{16})", " ".join(m.text or "" for m in made))[0]

    delegate = joined["乙职工"]
    welcome = await delegate.send(f"/start {slip}")
    assert "年度述职评议" in welcome[0].text
    await delegate.press("好")  # one grade, then left

    preview = await joined["乙办"].send("/newsheet 科室评议 | 乙院长 | 7天 | 门诊部")
    await joined["乙办"].press("确认发出", message=preview[-1])
    invitation = await delegate.wait_for("科室评议")
    started = await delegate.press("开始评议", message=invitation)
    text = " ".join(m.text or "" for m in started)
    assert "科室评议" in text, (text, await delegate.callback_answer())
    for _ in range(5):
        await delegate.press("较好")
    await delegate.press("提交")
    assert "✅ 已提交，谢谢" in (await delegate.callback_answer())["text"]
    b_db = view(fast_bot, "乙医院").bot_data["db"]
    [own] = evaluations.open_sheets(b_db)
    person = next(p for p in evaluations.people.everyone(b_db) if p.name == "乙职工")
    assert evaluations.has_rated(b_db, own.id, person.id)

    # the slip, opened again, starts over and rates once
    again = await delegate.send(f"/start {slip}")
    assert "年度述职评议" in again[0].text
    body = view(fast_bot, "县卫生健康局")
    sheet = evaluations.get(body.bot_data["db"], sheet_id)
    for _ in range(len(sheet.subjects) * len(sheet.items)):
        await delegate.press("好")
    await delegate.press("提交")
    assert "✅ 已提交，谢谢" in (await delegate.callback_answer())["text"]
    assert "已经用过了" in (await delegate.send(f"/start {slip}"))[-1].text


# ---- a group chat --------------------------------------------------------------------------------


async def test_the_anonymous_flows_never_run_in_a_group_chat(fast_bot, fast_client, db, db_path):
    """Someone adds the bot to the department's work group and asks people to "rate here, it is
    quicker" (or a colleague just types /opinion there). The bot answered in the group: the
    opinion flow's steps, a rating's screens, what was tapped, in front of everyone in it,
    the office member who asked included. It talks in private chats only: in a group it says
    so, starts nothing, and a button pressed there does nothing."""
    from callbacks import OPINION_MODE
    from sandbox.client import BotMessage

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    member = people["甲职工"]
    group_id = -100_777
    api = fast_bot.api
    api.user(group_id, "门诊部工作群")
    sender = api.chats[member.id].user

    async def in_group(**content) -> list[BotMessage]:
        seen = len(api.chats[group_id].events)
        update = await api.push(content)
        await fast_bot.deliver(lambda u: u is update)
        return [BotMessage.from_event(e) for e in api.chats[group_id].events[seen:] if "message" in e]

    group = {"id": group_id, "type": "group", "title": "门诊部工作群"}
    typed = {"message_id": 1, "from": sender, "chat": group, "date": 0, "text": "/opinion"}
    typed["entities"] = [{"type": "bot_command", "offset": 0, "length": 8}]
    said = await in_group(message=typed)
    assert [m.buttons for m in said if m.buttons] == [], "the opinion flow's buttons went to the group"
    assert said and "私聊" in said[-1].text, [m.text for m in said]
    a = view(fast_bot, "甲医院")
    assert not a.bot_data["services"].drafts
    press = {
        "id": "q1",
        "from": sender,
        "chat_instance": "g",
        "message": {"message_id": 2, "chat": group, "date": 0, "text": "…"},
        "data": OPINION_MODE.data("anon", "000000"),
    }
    assert not [m for m in await in_group(callback_query=press) if m.buttons]
    assert not a.bot_data["services"].drafts


# ---- answering twice ----------------------------------------------------------------------------


async def test_a_member_asked_cannot_answer_again_through_the_public_link(fast_bot, fast_client, db_path):
    """A questionnaire for 门诊部 and the public: a member of 门诊部 answers, then opens the
    poster's public link hoping to count again as one of the public (and the other way round:
    the link first, then the invitation's button). Tried; it fails: on the roster and asked,
    they answer as themselves whichever way they come, once."""
    import re

    from storage import people as roster_people
    from storage import surveys

    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    preview = await people["甲办"].send("/survey 候诊体验 | 7天 | 门诊部 群众\n1. 单选：满意吗？｜是/否")
    done = await people["甲办"].press("确认发出", message=preview[-1])
    link = re.search(r"start=(survey_[0-9a-f]{12})", done[-1].text)[1]
    a_db = view(fast_bot, "甲医院").bot_data["db"]
    pool = view(fast_bot, "甲医院").bot_data["anonymous_pool"]
    [survey] = surveys.open_surveys(a_db)

    # the public link first: asked, they answer as themselves
    member = people["甲职工"]
    invitation = await member.wait_for("候诊体验")
    await member.send(f"/start {link}")
    await member.press("是")
    await member.press("提交")
    assert "谢谢" in (await member.callback_answer())["text"]
    person = roster_people.by_telegram_user(a_db, member.id)
    assert surveys.has_answered(a_db, survey.id, person.id), "answered as themselves"
    await member.press("开始填写", message=invitation)
    assert "已经参加过" in (await member.callback_answer())["text"]  # a pop-up: nothing in her chat
    assert "已经参加过" in (await member.send(f"/start {link}"))[-1].text
    # the invitation first (its flow answered as the button's flow answers: this fast tier's
    # Bot API refuses the press answered twice, which the bot's own request layer absorbs)
    head = people["甲主任"]
    person = roster_people.by_telegram_user(a_db, head.id)
    surveys.submit(a_db, survey.id, person, {0: "1"}, clock.now().date())
    assert "已经参加过" in (await head.send(f"/start {link}"))[-1].text
    assert len(pool.surveys.get((survey.id, "roster")).voters) == 2
    assert (survey.id, "public") not in pool.surveys, "nobody counted as the public"


async def test_a_holder_of_two_receipts_behind_one_problem_votes_once(running_bot, client, invited, db):
    """张伟 wrote two anonymous opinions about the same thing; the office listed them as one
    problem, closed and looked back at it. Not asked as staff, he votes under his first
    receipt, then opens the second and votes again. Tried; it fails: one person, one vote,
    whichever receipt (the two receipts are tied to each other only in memory, never on disk)."""
    from conftest import submit_opinion
    from test_lookback_after_close import holder_of_a_lookback

    from callbacks import LOOKBACK_RECEIPT_VOTE
    from jobs import opinion_batches

    staff, first, lookback = await holder_of_a_lookback(running_bot, client, invited, db)
    second = await submit_opinion(staff, "候诊区座椅还是不够，老人只能站着")
    await opinion_batches.release_to_office(running_bot.app)
    known = {r[0] for r in db.execute("select opinion_id from problem_opinions")}
    [other] = [r[0] for r in db.execute("select id from opinions") if r[0] not in known]
    db.execute("insert into problem_opinions values (?, ?)", [lookback.problem_id, other])
    db.conn.commit()

    card = (await staff.send(f"/receipt {first}"))[-1]
    await staff.press("不满意", message=card)
    card = (await staff.send(f"/receipt {second}"))[-1]
    assert "不满意" not in card.labels(), "the second receipt offers a second vote"
    # its vote button, forged as the first card carried it, with the second opinion's id
    forged = LOOKBACK_RECEIPT_VOTE.data(lookback.id, other, "unsatisfied")
    await staff.press_data(card.message_id, forged)
    assert "投过票" in (await staff.callback_answer())["text"]
    pool = running_bot.app.bot_data["anonymous_pool"]
    assert len(pool.lookbacks[lookback.id].voters) == 1, "two votes from one person"


# ---- counts under k, by difference ----------------------------------------------------------------


def test_the_rollup_never_moves_by_a_look_back_of_fewer_than_k_votes(db):
    """督导's /rollup (and its 09:00 digest, workbook and report) shows an institution's
    look-back satisfaction with the votes counted. It counted every ballot on file: a look-back
    that closed with two votes (too few: its result is withheld everywhere else) moved the
    figures by exactly those two, so the supervisor who read them the day before and the day
    after read the withheld result: both 不满意. Open look-backs' batches moved it likewise."""
    from fractions import Fraction

    from storage import lookbacks, rollup

    today = clock.now().date()

    def closed_problem(title: str) -> int:
        problem = problems.create(db, title, None)
        db.execute("update problems set status = 'closed' where id = ?", [problem])
        db.conn.commit()
        return problem

    held = lookbacks.start(db, closed_problem("门诊楼电梯等候太久"), "30d", today, 14)
    for n in range(5):  # storage's own pool (k = 1 without the bot): written at once
        lookbacks.vote(db, held.id, f"person:{n}", "satisfied", today)
    assert lookbacks.finish(db, held.id, 5, Fraction(1, 3)) == lookbacks.HELD
    before = rollup.figures(db, "甲医院", today, k=5)
    assert (before.satisfied, before.counted) == (5, 5)

    small = lookbacks.start(db, closed_problem("药房窗口指引不清"), "30d", today, 14)
    for n in range(2):
        lookbacks.vote(db, small.id, f"person:{10 + n}", "unsatisfied", today)
    during = rollup.figures(db, "甲医院", today, k=5)
    assert lookbacks.finish(db, small.id, 5, Fraction(1, 3)) == lookbacks.TOO_FEW
    after = rollup.figures(db, "甲医院", today, k=5)
    for seen in (during, after):
        assert (seen.satisfied, seen.counted) == (before.satisfied, before.counted), (
            f"the figures moved by {seen.counted - before.counted} votes, "
            f"{seen.satisfied - before.satisfied} of them satisfied"
        )
