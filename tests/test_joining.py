"""Joining with an invitation, per-role menus and command lists, refusals that change nothing."""

from __future__ import annotations

from conftest import dump

PEOPLE_TABLES = ("people", "invitations", "departments", "audit")


async def test_three_roles_join_and_each_sees_their_own_menu(running_bot, client, invited):
    staff = await client.user(101, "Zhang")
    leader = await client.user(102, "Li")
    office = await client.user(103, "Wang", language_code="en")

    reply = await staff.send(f"/start {invited['张伟']}")
    assert "欢迎，张伟（门诊部）" in reply[-1].text
    await leader.send(f"/start {invited['李娜']}")
    reply = await office.send(f"/start {invited['王芳']}")
    assert "Welcome, 王芳" in reply[-1].text  # Telegram said English, so English it is

    assert staff.menu() == ["📝 提意见", "🔑 回执查询", "📋 整改台账", "👤 我的信息", "🌐 语言", "❓ 帮助"]
    # at most six daily buttons a role, the rest under 更多 (a phone's keyboard, not half a screen)
    assert leader.menu() == [
        "📝 提意见",
        "🔑 回执查询",
        "📋 整改台账",
        "📊 简报",
        "🙋 待接单",
        "📌 我的问题",
        "⋯ 更多",
    ]
    assert office.menu() == [
        "📝 Give an opinion",
        "📋 Ledger",
        "📊 Digest",
        "📬 Opinion inbox",
        "➕ New problem",
        "✅ To close",
        "⋯ More",
    ]
    everyone = ["opinion", "receipt", "ledger"]
    tail = ["me", "language", "help", "history", "meetings", "evaluate", "mychecks"]
    assert await staff.commands() == everyone + tail + ["cancel"]
    assert await leader.commands() == everyone + ["digest", "claim", "mine", "people"] + tail + [
        "export",
        "milestone",
        "sheets",
        "cancel",
    ]
    assert await office.commands() == everyone + [
        "digest",
        "inbox",
        "newproblem",
        "closures",
        "hotspots",
        "roster",
        "invite",
        "people",
        "departments",  # correcting a department (tidy1: rename, merge, remove)
        *tail,
        "export",
        "report",
        "milestone",
        "assign",
        "lookback",
        "meeting",
        "phase",
        "meeting_move",
        "meeting_cancel",
        "findings",
        "categories",
        "newsheet",
        "sheets",
        "selfcheck",
        "selfchecks",
        # not /reports: this hospital has no supervising body to ask it for reports (leftovers)
        "poster",
        "slips",
        "survey",
        "surveys",
        "cancel",
    ]


async def test_help_lists_what_this_role_can_do(running_bot, client, invited):
    staff = await client.user(101, "Zhang")
    office = await client.user(103, "Wang")
    await staff.send(f"/start {invited['张伟']}")
    await office.send(f"/start {invited['王芳']}")
    staff_help = (await staff.send("/help"))[-1].text
    office_help = (await office.send("❓ 帮助"))[-1].text  # the menu button does the same
    assert "/me" in staff_help and "/roster" not in staff_help
    assert "/roster" in office_help and "/invite" in office_help


async def test_stranger_and_reused_code_are_refused_and_nothing_changes(running_bot, client, invited, db):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    before = dump(db, *PEOPLE_TABLES)

    stranger = await client.user(666, "Stranger")
    reply = await stranger.send("/start")
    assert "活动办" in reply[-1].text and "邀请" in reply[-1].text
    reply = await stranger.send("/start NotARealCode123")
    assert "邀请码无效" in reply[-1].text
    reply = await stranger.send(f"/start {invited['张伟']}")  # someone else's, already used
    assert "已经用过" in reply[-1].text
    reply = await stranger.send("/people")
    assert "还没有加入" in reply[-1].text
    reply = await stranger.send("hello")
    assert "还没有加入" in reply[-1].text
    assert await stranger.commands() == ["start", "help"]

    assert dump(db, *PEOPLE_TABLES) == before


async def test_a_role_may_not_use_another_roles_command(running_bot, client, invited, db):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    before = dump(db, *PEOPLE_TABLES)
    assert "只对活动办开放" in (await staff.send("/roster"))[-1].text
    assert "班子成员、活动办" in (await staff.send("/people"))[-1].text
    assert dump(db, *PEOPLE_TABLES) == before


async def test_opening_the_link_again_after_joining_just_shows_the_menu(running_bot, client, invited):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    reply = await staff.send(f"/start {invited['张伟']}")
    assert "欢迎回来" in reply[-1].text


async def test_one_account_cannot_take_two_roster_places(running_bot, client, invited, db):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    # Logged in as 张伟, the same phone opens 刘洋's invitation: refused, 刘洋's code stays usable.
    await staff.send("/start")  # shows the menu, not a join
    rows = list(db.query("select telegram_user_id from people where name = '刘洋'"))
    assert rows[0]["telegram_user_id"] is None


async def test_language_switch_changes_menu_and_commands(running_bot, client, invited, db):
    staff = await client.user(101, "Zhang")
    await staff.send(f"/start {invited['张伟']}")
    await staff.send("/language")
    reply = await staff.press("繁體中文")
    assert any("已切換為繁體中文" in (m.text or "") for m in reply)
    assert staff.menu() == ["📝 提意見", "🔑 回執查詢", "📋 整改臺帳", "👤 我的資訊", "🌐 語言", "❓ 說明"]
    assert "身分：職工" in (await staff.send("/me"))[-1].text
    await staff.send("🌐 語言")
    await staff.press("English")
    assert "Department: 门诊部" in (await staff.send("/me"))[-1].text
    assert db.execute("select language from people where name = '张伟'").fetchone()[0] == "en"
