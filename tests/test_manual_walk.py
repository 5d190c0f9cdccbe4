"""The office's manual (docs/使用手册.md) and the staff guide (docs/职工使用指南.md), followed
literally by a new member of the office and a nurse who just joined. Each test pins what the
text promises: an example it gives is accepted, a button it names is there, a step comes in the
order it says. The examples are read from the documents themselves, so the text and the bot
cannot drift apart unseen.

Fast tier (tests/fast.py) unless it says otherwise."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MANUAL = (DOCS / "使用手册.md").read_text(encoding="utf-8")
GUIDE = (DOCS / "职工使用指南.md").read_text(encoding="utf-8")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def examples(text: str, lead: str) -> list[str]:
    """The examples after `lead` up to the line's end, split at 、 (a full stop or a bracket ends them)."""
    found = re.search(re.escape(lead) + r"([^\n]*)", text)
    assert found, f"the document no longer says {lead!r}"
    listed = re.split(r"[。（(）)，]", found[1])[0]
    return [e.strip() for e in listed.split("、") if e.strip()]


DATES = (
    examples(MANUAL, "- 日期：") + examples(MANUAL, "完成时限可以写：") + examples(GUIDE, "日期可以直接写：")
)
TIMES = examples(MANUAL, "- 时间：") + examples(GUIDE, "时间可以写：")
MOMENTS = examples(MANUAL, "时间可以写成 ")
PERCENTS = (
    examples(MANUAL, "- 比例：") + examples(MANUAL, "完成比例——可以写 ") + examples(GUIDE, "进度可以写：")
)


@pytest.mark.parametrize("typed", sorted(set(DATES)))
def test_each_date_the_manual_and_the_guide_give_is_read_as_a_day_ahead(typed):
    from storage.phrasings import parse_date

    today = date(2026, 12, 1)
    day = parse_date(typed, today)
    assert day is not None and day >= today, (typed, day)


@pytest.mark.parametrize("typed", sorted(set(TIMES) | set(MOMENTS)))
def test_each_time_the_manual_and_the_guide_give_is_read(typed):
    from storage.phrasings import parse_moment, parse_time

    now = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    assert parse_time(typed) is not None or parse_moment(typed, now) is not None, typed


@pytest.mark.parametrize("typed", sorted(set(PERCENTS)))
def test_each_percentage_the_manual_and_the_guide_give_is_read(typed):
    from storage.phrasings import parse_percent

    assert parse_percent(typed) is not None, typed


def test_the_examples_were_found():
    assert len(set(DATES)) >= 17 and len(set(TIMES)) >= 5 and len(MOMENTS) == 4 and len(set(PERCENTS)) >= 10


# ---- 十、简报、导出和报告: `python bot.py export 台账.xlsx --status …` ---------------------------


@pytest.mark.parametrize(
    "typed, state",
    [
        ("已销号", "closed"),
        ("整改中", "in_progress"),
        ("申请销号", "closure_requested"),
        ("已銷號", "closed"),
    ],
)
def test_the_ledger_export_on_the_command_line_takes_a_status_as_the_ledger_shows_it(typed, state):
    """The office reads 已销号, 整改中 in the ledger and the manual's `--status …` names no values:
    she types the word she sees. It was refused (invalid choice: choose from 'listed', …)."""
    import cli

    assert cli.parser().parse_args(["export", "台账.xlsx", "--status", typed]).status == state
    assert cli.parser().parse_args(["export", "台账.xlsx", "--status", state]).status == state


# ---- 七、问题清单: 列入 ------------------------------------------------------------------------


@pytest.mark.parametrize("count, told", [(3, "逐个通知"), (4, "汇总通知")])
async def test_the_findings_preview_says_how_leaders_will_be_told(
    fast_bot, fast_client, invited, db, count, told
):
    """The manual: more than three problems listed at once reach each leader as one notice, to
    claim under 🙋 待接单. The preview said 逐个通知 whatever the count: four findings were
    announced one by one and arrived as one summary."""
    from conftest import held_preview, join

    from jobs import delivery

    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/findings")
    rows = "".join(f"查摆问题{n}\n" for n in range(count))
    preview = held_preview(await office.send_file(f"问题\n{rows}".encode(), "清单.csv"))
    assert told in preview.text, preview.text
    leader = await join(fast_client, invited, 102, "李娜")
    await office.press("确认列入", message=preview)
    while await delivery.send_due(fast_bot.app):
        pass
    leader._new()
    notices = [m.text for m in leader.inbox if "待接单" in (m.text or "")]
    assert len(notices) == (count if count <= 3 else 1), notices


async def test_help_says_the_roster_and_the_findings_take_excel_as_the_manual_does(fast_client, invited):
    """三、人员名单 and 七、列入: an Excel file or a CSV. /help said （CSV） alone, and the office
    with the hospital's .xlsx in hand went to convert it."""
    from conftest import join

    office = await join(fast_client, invited, 103, "王芳")
    shown = (await office.send("/help"))[-1].text
    for command in ("/roster", "/findings"):
        line = next(line for line in shown.splitlines() if command in line)
        assert "Excel" in line, line


# ---- 职工使用指南: 遇到问题 ------------------------------------------------------------------


def test_what_the_guide_says_the_bot_says_the_bot_says():
    """The nurse matches the bot's words against the printed guide. It quoted 只对名单上的人员开放,
    which the bot never says (a stranger reads 您还没有加入整改通)."""
    from texts import zh_cn

    said = "\n".join(zh_cn.MESSAGES.values())
    quoted = re.findall(r"机器人说(“[^\n：]+?”)：", GUIDE)
    assert quoted, "the guide no longer quotes the bot"
    for quotes in quoted:
        for words in re.findall(r"“([^”]+)”", quotes):
            pattern = ".*".join(re.escape(part) for part in words.split("……"))
            assert re.search(pattern, said), words


# ---- 五、九: the one-liners the manual writes out in full ---------------------------------------

ONE_LINERS = [
    line.replace("审定人姓名", "李娜")  # the manual's placeholder for a name on the roster
    for line in re.findall(r"`(/(?:meeting|phase|selfcheck) [^`]*)`", MANUAL)
]


@pytest.mark.parametrize("typed", ONE_LINERS)
async def test_each_one_liner_the_manual_writes_out_is_previewed(fast_client, invited, typed):
    """Typed as the manual prints it, on the first of December: a preview with ✅, not a usage."""
    from conftest import held_preview, join

    from storage.clock import clock

    clock.travel_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    office = await join(fast_client, invited, 103, "王芳")
    preview = held_preview(await office.send(typed))
    assert "✅" in preview.labels()[0], preview.text


def test_the_one_liners_were_found():
    assert {line.split()[0] for line in ONE_LINERS} == {"/meeting", "/phase", "/selfcheck"}


# ---- 六、意见箱: 署名意见 ----------------------------------------------------------------------


async def test_the_receipt_step_tells_a_named_author_her_number_is_taken_there(fast_client, invited):
    """The guide: a named opinion is looked up by its number (#开头) under 🔑 回执查询. The step
    asked only for a receipt 形如 XXXX-XXXX-…, and the nurse with #ZM7TPN6Z took it for the wrong
    place. It is the right one: the step says so, and takes the number."""
    from conftest import join, submit_opinion

    nurse = await join(fast_client, invited, 101, "张伟")
    submitted = await submit_opinion(nurse, "建议护士站配一台饮水机。", anonymous=False)
    number = re.search(r"#[0-9A-Z]+", submitted)[0]
    asked = await nurse.send("/receipt")
    assert "署名" in asked[-1].text and "#" in asked[-1].text, asked[-1].text
    card = await nurse.send(number)
    assert "饮水机" in card[-1].text, card[-1].text


# ---- 七、4. 送单: the share done -------------------------------------------------------------


def test_the_progress_step_names_the_ways_the_manual_says_a_share_may_be_written():
    """The manual: 70、70%、七成、一半、百分之七十. The step said 输入 0 到 100 的数字 alone, and the
    head who wrote 七成 was not sure it counted. Every example the step gives is read."""
    from storage.phrasings import parse_percent
    from texts import zh_cn

    asked = zh_cn.MESSAGES["progress.percent"]
    named = re.findall(r"(七成|一半|百分之七十)", asked)
    assert len(named) == 3, asked
    assert all(parse_percent(word) is not None for word in named)


async def test_a_short_sentence_typed_at_the_photo_step_is_added_not_taken_for_no(fast_client, invited):
    """The nurse sent her opinion as a photo with its words under it, as the guide says she may,
    then typed 晚上更严重。 where the bot asks for photos: the preview came without it. Any text
    of 8 characters or fewer was taken for 没有 (no photos) and dropped, and eight Chinese
    characters are a sentence. Only words that mean no photos are such an answer now."""
    from conftest import join

    nurse = await join(fast_client, invited, 101, "张伟")
    for said, kept in (("晚上更严重。", True), ("天天如此", True), ("不用了", False), ("没有照片", False)):
        await nurse.send("/opinion")
        for step in ("匿名", "其他", "门诊部", "走廊加床太多，推车过不去。"):
            await nurse.send(step)
        preview = (await nurse.send(said))[-1].text
        assert "请确认" in preview, preview
        assert (said in preview) is kept, (said, preview)
        await nurse.send("/cancel")


async def test_a_short_sentence_typed_at_the_preview_is_added_as_the_guide_says(fast_client, invited):
    """The guide: 到了预览还想补充，直接发文字或照片即可. 天天如此 (four characters) was answered
    请点上方按钮选择 and left out; only a word that answers the buttons (好的, 行) is pointed at them."""
    from conftest import join

    nurse = await join(fast_client, invited, 101, "张伟")
    await nurse.send("/opinion")
    for step in ("匿名", "其他", "门诊部", "走廊加床太多，推车过不去。", "完成"):
        await nurse.send(step)
    again = (await nurse.send("天天如此"))[-1].text
    assert "请确认" in again and "走廊加床太多，推车过不去。\n天天如此" in again, again
    pointed = (await nurse.send("好的"))[-1].text
    assert "请点上方按钮选择" in pointed, pointed
    await nurse.send("/cancel")


# ---- 五、会议: 会前 1 天和 1 小时 ----------------------------------------------------------------


async def test_a_meeting_reminder_that_would_come_after_the_meeting_began_is_not_sent(
    fast_bot, fast_client, invited, db
):
    """The manual: attendees are reminded a day and an hour before. The demo's clock moved on a
    week (as a bot that was down catches up) and the nurse got ⏰ 会议提醒 for a meeting that
    was over: a reminder is sent only while the meeting is still ahead when it goes out."""
    from conftest import confirmed, join

    from jobs import sweeper
    from storage.clock import clock

    clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    office = await join(fast_client, invited, 103, "王芳")
    await confirmed(office, "/meeting 2026-12-02 14:30 | 护理质量专题会 | 三楼会议室")
    await confirmed(office, "/meeting 2026-12-03 08:00 | 早交班 | 护士站")  # an hour before is quiet
    await sweeper.sweep_app(fast_bot.app)
    clock.freeze(datetime(2026, 12, 9, 9, 30, tzinfo=SHANGHAI))
    await sweeper.sweep_app(fast_bot.app)
    reminders = db.execute("select text from outbox where dedup_key like 'meeting:%'").fetchall()
    assert reminders == [], reminders

    clock.freeze(datetime(2026, 12, 10, 10, 0, tzinfo=SHANGHAI))
    await confirmed(office, "/meeting 2026-12-11 14:30 | 总结大会 | 大礼堂")
    await confirmed(office, "/meeting 2026-12-12 08:00 | 周六早会 | 护士站")
    for moment in (
        datetime(2026, 12, 10, 14, 31),
        datetime(2026, 12, 11, 13, 31),
        datetime(2026, 12, 12, 7, 1),
    ):
        clock.freeze(moment.replace(tzinfo=SHANGHAI))
        await sweeper.sweep_app(fast_bot.app)
    keys = [row[0] for row in db.execute("select dedup_key from outbox where dedup_key like 'meeting:%'")]
    sent = {tuple(key.split(":")[1:3]) for key in keys}
    # 总结大会 (#3): a day and an hour before; 周六早会 (#4): a day before only, its hour before
    # falling in quiet hours (22:00-08:00) would have gone out at 08:00, as it began
    assert sent == {("3", "1440m"), ("3", "60m"), ("4", "1440m")}, keys


# ---- 八、回头看: the last day to vote -----------------------------------------------------------


async def test_the_office_and_the_voters_are_told_the_same_last_day_to_vote(fast_client, invited, db):
    """/lookback told the office 2026-12-15 截止投票 while the voters' reminders said 投票到 12-14
    为止 and 今天（12-14）是投票的最后一天: the office passed on the 15th, and voting had closed
    that morning. Both now name the last day one can vote."""
    from conftest import join

    from storage import people, problems
    from storage.clock import clock

    clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    by_name = {p.name: p for p in people.everyone(db)}
    problem_id = problems.create(db, "候诊区座椅不足", None)
    db.execute(
        "update problems set status = 'closed', leader_id = ?, department_id = ?, deadline = '2026-10-30', "
        "measures = '增加座椅 40 张', closed_at = '2026-11-01T02:00:00+00:00' where id = ?",
        [by_name["李娜"].id, by_name["刘洋"].department_id, problem_id],
    )
    office = await join(fast_client, invited, 103, "王芳")
    preview = (await office.send(f"/lookback {problem_id}"))[-1]
    started = (await office.press("确认发起", message=preview))[-1].text
    assert "投票到 2026-12-14" in started and "12-15" not in started, started
    again = (await office.send(f"/lookback {problem_id}"))[-1].text
    assert "投票到 2026-12-14" in again and "12-15" not in again, again


# ---- 一、二: the server reaches Telegram through an HTTP proxy -----------------------------------


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY"])
@pytest.mark.parametrize("proxy", ["socks5://127.0.0.1:1080", "socks5h://proxy:1080", "10.0.0.1:3128"])
def test_a_proxy_the_bot_cannot_use_is_named_in_one_line_at_start(name, proxy):
    """The manual: 只支持 HTTP 代理，不支持 SOCKS, and 设置有误时，机器人会在启动时用一行字指出是哪一项.
    A SOCKS proxy (what most tools in mainland China offer) started the bot, whose first call
    died in a page of traceback about a connection to 127.0.0.1:1080."""
    import config

    with pytest.raises(config.ConfigError, match=name):
        config.load(env={"TELEGRAM_BOT_TOKEN": "123456:abc", name: proxy}, dotenv=False)


@pytest.mark.parametrize("proxy", ["http://10.0.0.1:3128", "http://user:pass@proxy.local:8080", ""])
def test_an_http_proxy_is_taken(proxy):
    import config

    config.load(env={"TELEGRAM_BOT_TOKEN": "123456:abc", "HTTPS_PROXY": proxy}, dotenv=False)


def test_a_server_that_cannot_reach_telegram_is_told_so_in_one_line(tmp_path, monkeypatch, capsys):
    """一、开始之前: the server must reach api.telegram.org, directly or through HTTPS_PROXY. A
    county hospital's server in mainland China usually cannot: `make run` with the token ended
    in 119 lines of traceback (socket.gaierror … NetworkError). It says what failed and what to
    set, in one line, and exits non-zero (a supervisor restarts it)."""
    import bot
    from sandbox.webhook import free_port

    monkeypatch.chdir(tmp_path)  # no .env of the worktree's
    for name, value in {
        "TELEGRAM_BOT_TOKEN": "123456:abc",
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens there
        "DATABASE_PATH": str(tmp_path / "rectify.db"),
        "SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key"),
    }.items():
        monkeypatch.setenv(name, value)
    assert bot.main([]) == 4
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "Telegram" in said[0] and "HTTPS_PROXY" in said[0], said


# ---- 十三: typing 确认 where the button says more ---------------------------------------------


@pytest.mark.parametrize(
    "typed, button",
    [
        ("/meeting 2026-12-10 14:30 | 专题民主生活会 | 三楼会议室", "确认发布"),
        ("/phase 2026-12-01 | 2026-12-31 | 查摆问题、开展批评", "确认发布"),
        ("/newsheet 班子成员测评 ｜ 班子成员 ｜ 12月20日 ｜ 全体", "确认发出"),
        ("/selfcheck 门诊部 ｜ 2026-12-15 ｜ 李娜", "确认发出"),
    ],
)
async def test_typing_confirm_at_a_preview_confirms_as_the_manual_says(fast_client, invited, typed, button):
    """十三: 凡是有按钮的地方，都可以直接输入按钮上的文字代替点按 … “确认”“取消”. The one-liner's
    preview says ✅ 确认发布 or 📤 确认发出; the office types 确认, and it confirms (pinned: a
    start of a button's words counts only from four characters elsewhere)."""
    from conftest import held_preview, join

    from storage.clock import clock

    clock.travel_to(datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    office = await join(fast_client, invited, 103, "王芳")
    preview = held_preview(await office.send(typed))
    assert any(button in label for label in preview.labels()), preview.labels()
    done = (await office.send("确认"))[-1].text
    assert "请点上方按钮" not in done and "已" in done, done


# ---- 三、人员名单: the files the manual says are read ---------------------------------------------

ROSTER_ROWS = [["姓名", "科室", "角色"], ["王建国", "院办", "班子成员"], ["赵文静", "组织人事科", "活动办"]]


@pytest.mark.parametrize(
    "encoding, separator",
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("gbk", ","),
        ("gbk", "；"),
        ("gbk", ";"),
        ("utf-8", "，"),
        ("utf-16", "\t"),
    ],
)
def test_each_csv_the_manual_names_is_read(encoding, separator):
    """三: CSV 可以是 UTF-8、GBK 或 Excel 的“Unicode 文本”（UTF-16, tabs），用逗号、分号、制表符或中文
    逗号分隔都能识别."""
    from storage import roster

    text = "\n".join(separator.join(row) for row in ROSTER_ROWS) + "\n"
    rows = roster.parse(text.encode(encoding))
    assert [(r.name, r.department) for r in rows] == [("王建国", "院办"), ("赵文静", "组织人事科")]


async def test_a_file_sent_without_its_command_says_which_command_takes_it(fast_client, invited):
    """十三 lists the files the office sends; the office sent the calendar workbook (or the
    roster) straight into the chat and was told 我没有看懂, with nothing about /roster, /findings
    or the command line."""
    from conftest import join

    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/help")  # (not the first word since the start)
    said = (await office.send_file("名称,类型,开始\n总结大会,会议,2026-12-20 14:30\n".encode(), "日程.csv"))[
        -1
    ].text
    assert "/roster" in said and "/findings" in said and "calendar import" in said, said


# ---- 九、问卷调查 on the demo page (a browser test) ------------------------------------------------

SURVEY_LINES = [
    "/survey 候诊环境调查 | 下周五 | 门诊部",
    "1. 单选：您对候诊环境满意吗？｜满意/一般/不满意",
    "2. 文字：还有什么建议？",
]


@pytest.mark.slow
async def test_the_demo_page_sends_a_message_of_several_lines(tmp_path):
    """九: /survey is one message, its first line the command and each question a line below.
    The demo's message field was one line (an <input>): the office trying the manual's survey in
    the sandbox could not write it. Shift+Enter starts a new line, Enter sends, as in Telegram
    on a computer; a pasted block keeps its lines."""
    from demo_process import DemoProcess
    from playwright.async_api import async_playwright, expect
    from test_browser_demo import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

    process = await DemoProcess.start(tmp_path)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            await page.goto(process.address)
            await page.locator("#roster-select").wait_for()
            pid = await page.locator('button.person[data-name="赵文静"]').get_attribute("data-person-id")
            await page.locator("#roster-select").select_option(pid)
            await expect(page.locator("#who")).to_contain_text("赵文静")
            field = page.locator("#text")
            await field.type(SURVEY_LINES[0])
            for line in SURVEY_LINES[1:]:
                await field.press("Shift+Enter")
                await field.type(line)
            await field.press("Enter")
            preview = page.locator(".msg.bot", has_text="候诊环境调查").last
            await expect(preview).to_contain_text("将发给", timeout=WAIT_MS)
            await expect(preview).to_contain_text("您对候诊环境满意吗")
            await expect(field).to_have_value("")
            await browser.close()
    finally:
        await process.stop()


@pytest.mark.slow
async def test_the_staff_guide_still_prints_on_one_page():
    """The guide is the last page of every invitation sheet, one page by its name (职工使用指南:
    一页纸). It grows as the bot does: printed as the sheet prints it, it is still one A4 page."""
    from playwright.async_api import async_playwright
    from test_browser_demo import CHROMIUM, CHROMIUM_ARGS

    from documents.invitation_sheet import department_sheet

    sheet = department_sheet(
        "护理部", [], "rectify_bot", SHANGHAI
    )  # no cards: the title page, then the guide
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.set_content(sheet)
        pdf = await page.pdf(prefer_css_page_size=True)
        await browser.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2


# ---- 十四、督导: a county roster that names one new institution -------------------------------------


def test_a_roster_of_one_new_institution_creates_it_and_leaves_the_others_alone(db, db_path):
    """十四: 新出现的单位会自动建立；文件没有提到的单位不受影响. The county runs; a file of one new
    township centre (its 单位 column naming it alone) was taken as the main database's roster:
    its three people were to be added to the bureau, and everyone of the bureau deactivated (the
    lock-out guard stopped it; with --yes it went through)."""
    from test_supervision import COUNTY_CSV

    from storage import institutions as directory
    from storage import people, roster

    directory.import_roster(db, db_path, roster.parse(COUNTY_CSV.encode()), "")
    bureau_before = sorted(p.name for p in people.everyone(db) if p.active)
    newcomers = "姓名,单位,科室,角色\n孙一,新店乡卫生院,院办,活动办\n孙二,新店乡卫生院,院办,班子成员\n"
    changes = directory.import_roster(db, db_path, roster.parse(newcomers.encode()), "")
    assert set(changes) == {"新店乡卫生院"}, changes
    assert sorted(p.name for p in people.everyone(db) if p.active) == bureau_before
    unit = directory.named(db, "新店乡卫生院")
    assert unit is not None and not unit.is_main
    from storage.db import open_database

    unit_db = open_database(unit.file(db_path))
    try:
        assert sorted(p.name for p in people.everyone(unit_db)) == ["孙一", "孙二"]
    finally:
        unit_db.close()


def test_invitations_on_a_server_that_cannot_reach_telegram_keep_the_old_ones(db, db_path, invited, capsys):
    """四: `python bot.py invite` on the server, before the proxy was set. It made new codes
    (the old ones void: a sheet already handed out stopped working), then asked Telegram for the
    bot's name for the links, and died in a traceback, no sheet written. The name is asked first;
    unreachable, one line says so and what to set, and nothing changes."""
    from conftest import dump

    import cli
    import config
    from sandbox.webhook import free_port

    settings = config.load(
        env={
            "TELEGRAM_BOT_TOKEN": "123456:abc",
            "TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens there
            "DATABASE_PATH": str(db_path),
            "SECRET_KEY_FILE": str(db_path.parent / "keys" / "secret.key"),
        },
        dotenv=False,
    )
    before = dump(db, "invitations")
    assert (
        cli.run(settings, cli.parser().parse_args(["invite", "--out", str(db_path.parent / "sheets")])) == 4
    )
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "BOT_USERNAME" in said[0] and "HTTPS_PROXY" in said[0], said
    assert dump(db, "invitations") == before


def test_the_part_of_a_buttons_words_the_manual_and_the_guide_type_picks_that_button():
    """输入“作风”就选中“工作作风”: each such example picks its button among the default categories
    (the staff's, or the public box's), and the word given as fitting several lists them."""
    from config import Settings
    from handlers.typed_choice import candidates
    from storage.migrations import DEFAULT_OPINION_CATEGORIES

    category_lists = (DEFAULT_OPINION_CATEGORIES, Settings.public_categories)
    picked = re.findall(r"输入“([^”]+)”(?:就)?选中“([^”]+)”", GUIDE + MANUAL)
    assert len(picked) >= 3, picked
    for typed, label in picked:
        assert [label] in [candidates(typed, {c: c for c in listed}) for listed in category_lists], typed
    several = re.findall(r"几个按钮都含这几个字时（例如“([^”]+)”）", GUIDE + MANUAL)
    assert len(several) == 2, several
    for typed in several:
        assert len(candidates(typed, {c: c for c in DEFAULT_OPINION_CATEGORIES})) > 1, typed
