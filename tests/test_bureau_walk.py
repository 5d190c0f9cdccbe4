"""A county 卫健局's 督导 office over its institutions for a month, then a member of the public
at one institution's box: found by walking the demo (a county of 12 institutions) on a phone.

Fast tier (tests/fast.py), over the in-process fake Bot API."""

from __future__ import annotations

from datetime import date

from test_supervision import confirmed, county, everyone_joins, view

from storage import orders, people, problems


def _dispatched(unit_db, title: str, deadline: date) -> int:
    """A problem of 甲医院 claimed by 甲院长 and dispatched to 门诊部."""
    found = unit_db.execute("select id from people where name = '甲院长'").fetchone()
    leader = people.by_id(unit_db, found[0])
    problem_id = problems.create(unit_db, title, None)
    problems.claim(unit_db, problem_id, leader)
    problems.act(
        unit_db,
        problem_id,
        "dispatch",
        leader,
        measures="增设窗口",
        department_id=people.department_id(unit_db, "门诊部"),
        deadline=deadline,
    )
    return problem_id


async def test_an_order_on_a_dispatched_problem_brings_its_deadline_in_and_tells_the_department(
    fast_bot, fast_client, db_path
):
    """The supervisor put an overdue-prone problem under 督办 with the bureau's date: the
    institution was told 请班子成员接单 of a problem its leader had claimed weeks ago, the
    department doing the work heard nothing, and the problem kept its own later deadline, so
    reminders counted to a day after the bureau's 告诫 and 约谈."""
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    unit_db = view(fast_bot, "甲医院").bot_data["db"]
    problem_id = _dispatched(unit_db, "门诊挂号排长队", date(2099, 12, 31))

    preview = (await joined["周督导"].send(f"/order 甲医院 #{problem_id} 2099-12-10 限期解决"))[-1]
    assert "完成时限由 2099-12-31 提前到 2099-12-10" in preview.text, preview.text
    assert "活动办、班子成员和责任科室 3 人" in preview.text, preview.text
    issued = await joined["周督导"].press("确认下达", message=preview)
    assert any("3 人" in (m.text or "") for m in issued), [m.text for m in issued]
    assert problems.get(unit_db, problem_id).deadline == date(2099, 12, 10)
    assert orders.open_orders(fast_bot.db)[0].deadline == date(2099, 12, 10)

    told = await joined["甲院长"].wait_for("督办通知")
    assert "接单" not in told.text, told.text
    assert f"#{problem_id}" in told.text and "2099-12-31 提前到 2099-12-10" in told.text, told.text
    head = await joined["甲主任"].wait_for("督办通知")
    assert "门诊挂号排长队" in head.text and "督导组确认" in head.text, head.text


async def test_an_order_on_a_problem_due_sooner_keeps_the_institutions_date(fast_bot, fast_client, db_path):
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    unit_db = view(fast_bot, "甲医院").bot_data["db"]
    problem_id = _dispatched(unit_db, "门诊挂号排长队", date(2099, 12, 1))
    issued = await confirmed(joined["周督导"], f"/order 甲医院 #{problem_id} 2099-12-10 限期解决")
    assert "已向甲医院下达督办" in issued[-1].text, issued[-1].text
    assert problems.get(unit_db, problem_id).deadline == date(2099, 12, 1)
    told = await joined["甲主任"].wait_for("督办通知")
    assert "提前" not in told.text and "接单" not in told.text, told.text


async def test_a_choice_typed_after_a_hint_is_answered_below_it_not_in_a_message_above(
    fast_bot, fast_client, db_path
):
    """A member of the public at the lobby poster typed 收费问题 (not a button: pointed at the
    buttons), then 收费: the next question was written into the category message above, out of
    sight behind the hint, and nothing came under what they typed. Typed, a choice is answered
    under it: the message moves there (one place to answer, not two)."""
    from test_public_box import open_box

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    code = await open_box(joined["乙办"])
    guest = await fast_client.user(990, "病人家属")
    welcome = (await guest.send(f"/start {code}"))[-1]
    hint = await guest.send("收费问题")
    assert "按钮" in hint[-1].text, hint[-1].text
    typed = await guest.send("收费")
    asked = typed[-1]
    assert asked.kind == "sent" and asked.message_id > hint[-1].message_id, typed
    assert "哪个科室" in asked.text and "不指定科室" in asked.labels(), asked.text
    assert not any(m.message_id == welcome.message_id for m in guest.inbox)  # moved under the words
    typed = await guest.send("不指定")  # the same once more, with no hint between
    assert typed[-1].kind == "sent" and "意见" in typed[-1].text, typed


async def test_a_preview_warns_before_confirm_when_the_act_would_miss_its_point(
    fast_bot, fast_client, db_path
):
    """Two of the county's twelve had not joined: /order to one of them previewed 通知…0 人 and
    went out to nobody, its 告诫 and 约谈 too; /askreport named the two only after 确认发出; and
    /appraisal with the panel's 2 raters said only after 确认发起 that no result would ever show.
    Each now says it under the preview, before 确认."""
    from conftest import held_preview
    from test_supervision import COUNTY_CSV, PEOPLE, invite_everyone

    from storage import institutions as directory
    from storage import roster

    csv = COUNTY_CSV + "丙院长,丙卫生院,院办,班子成员\n丙办,丙卫生院,院办,活动办\n"
    directory.import_roster(fast_bot.db, db_path, roster.parse(csv.encode()), "")
    codes = invite_everyone(fast_bot.db, db_path)
    joined = {}
    for name, user_id in PEOPLE.items():  # everyone but 丙卫生院's
        joined[name] = await fast_client.user(user_id, name)
        await joined[name].send(f"/start {codes[name]}")
    supervisor = joined["周督导"]

    order = held_preview(await supervisor.send("/order 丙卫生院 10个工作日 夜间急诊医生不足"))
    assert "0 人" in order.text and "送不到任何人" in order.text, order.text
    assert order.labels() == ["✅ 确认下达", "取消"]
    usual = held_preview(await supervisor.send("/order 甲医院 10个工作日 夜间急诊医生不足"))
    assert "⚠️" not in usual.text, usual.text

    ask = held_preview(await supervisor.send("/askreport 2099-12-20 整改落实情况专题报告"))
    assert "1 个单位的活动办没有人能收到通知" in ask.text and "丙卫生院" in ask.text, ask.text
    assert "甲医院" not in ask.text.split("⚠️")[1], ask.text

    appraisal = held_preview(await supervisor.send("/appraisal 2099-12-20 年度述职评议"))
    assert "评议人只有 2 人，少于 5 人" in appraisal.text and "不会公布" in appraisal.text, appraisal.text
    assert appraisal.labels() == ["✅ 确认发起", "取消"]


def test_red_means_the_same_in_the_roll_up_its_digest_and_its_chart():
    """青石镇中心卫生院 had 2 problems past their deadline and 1 listed that no leader had claimed
    in 5 working days: /rollup said 🔴3 · 超期 2, the digest the same morning 🔴2, and the chart
    drew a red bar of 3 labelled 逾期. Red is red everywhere (both kinds), the roll-up says how
    many of its red nobody has claimed, the digest counts overdue under its own mark, and the
    chart's legend names both."""
    from datetime import date

    from jobs import supervision
    from storage.orders import OrderFigures
    from storage.rollup import Figures

    figures = Figures(
        institution="青石镇中心卫生院", total=9, by_status={"closed": 6}, by_light={"red": 3}, overdue=2
    )
    shown = "\n".join(supervision.lines("zh-CN", [figures], {}, date(2026, 12, 1)))
    assert "🔴3 🟡0 🟢0 · 超期 2" in shown and "久无人接单 1" in shown, shown
    digest = supervision.ranking([figures], {"青石镇中心卫生院": OrderFigures(by_step={})})
    assert "🔴2" not in digest and "⏰2" in digest, digest
    rows, _title, labels = supervision._chart_input("zh-CN", [figures])
    assert labels["red"] == "逾期或久无人接单", labels
    only_late = Figures(institution="甲", total=2, by_light={"red": 2}, overdue=2)
    assert supervision._chart_input("zh-CN", [only_late])[2]["red"] == "逾期"
    assert "久无人接单" not in "\n".join(supervision.lines("zh-CN", [only_late], {}, date(2026, 12, 1)))


async def test_a_guest_who_sends_a_command_mid_draft_is_told_the_draft_waits(fast_bot, fast_client, db_path):
    """A guest who had written their opinion sent /ledger (or /help) before 完成，预览, and was told
    to send /opinion as if nothing were under way: the draft was still there, one tap away."""
    from test_public_box import open_box

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    code = await open_box(joined["乙办"])
    guest = await fast_client.user(990, "病人家属")
    await guest.send(f"/start {code}")
    await guest.press("服务态度")
    await guest.press("门诊部")
    await guest.send("挂号处工作人员说话很冲，希望改进。")
    for command in ("/ledger", "/help"):
        told = await guest.send(command)
        assert "还在" in told[-1].text and "/cancel" in told[-1].text, told[-1].text
        assert "发送 /opinion" not in told[-1].text, told[-1].text
    preview = await guest.press("完成，预览")
    assert any("挂号处工作人员说话很冲" in (m.text or "") for m in preview), preview


def test_a_reports_title_too_long_for_a_line_breaks_between_its_subject_and_what_it_is():
    """The roll-up report of 示范县卫生健康局 printed its title as 示范县卫生健康局所属单位整改落实
    情况汇 / 总报告: the line broke inside 汇总. Too long for a line, a title breaks where an
    official would break it, after whom it is about."""
    import io

    import docx
    from docx.oxml.ns import qn
    from test_print_pages import empty

    from documents import rollup_report, summary_report

    def title_lines(document) -> list[str]:
        title = document.paragraphs[0]
        lines, line = [], ""
        for element in title._p.iter(qn("w:t"), qn("w:br")):
            if element.tag == qn("w:br"):
                lines, line = [*lines, line], ""
            else:
                line += element.text
        return [*lines, line]

    rolled = docx.Document(io.BytesIO(rollup_report.build("示范县卫生健康局", [], {}, date(2026, 12, 1))))
    assert title_lines(rolled) == ["示范县卫生健康局所属单位", "整改落实情况汇总报告"]
    long_name = docx.Document(
        io.BytesIO(summary_report.build(empty(), "东关街道社区卫生服务中心", date(2026, 12, 1)))
    )
    assert title_lines(long_name) == ["东关街道社区卫生服务中心", "整改落实情况综合报告"]
    short = docx.Document(io.BytesIO(summary_report.build(empty(), "城关镇卫生院", date(2026, 12, 1))))
    assert title_lines(short) == ["城关镇卫生院整改落实情况综合报告"]


async def test_a_guest_who_scans_the_poster_again_to_follow_a_receipt_can(fast_bot, fast_client, db_path):
    """Told "请先再扫一次…海报上的二维码…再发送 /receipt 加回执码" (a restart, or a day's silence),
    the guest scanned it, which opens the box at its first step, sent /receipt, and typed the
    code: the box's category step took it, said 请点上方按钮选择, and left the code in the chat."""
    from test_public_box import guest_submits, open_box

    from jobs import institutions, opinion_batches

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    code = await open_box(joined["乙办"])
    guest = await fast_client.user(990, "病人家属")
    receipt = await guest_submits(guest, code, "乙医院挂号窗口只开一个，排队太久。")
    for unit in institutions.each(fast_bot.app):
        await opinion_batches.release_to_office(unit)

    await guest.send(f"/start {code}")  # scanned again
    asked = await guest.send("/receipt")
    assert "回执码" in asked[-1].text, asked[-1].text
    shown = await guest.send(receipt.lower().replace("-", " "))
    said = "\n".join(m.text or "" for m in shown)
    assert "请点上方按钮" not in said and "排队太久" in said, said

    await guest.send(f"/start {code}")  # a new opinion, written this time: /receipt keeps it
    await guest.press("服务态度")
    await guest.press("门诊部")
    await guest.send("药房窗口的人一直在玩手机。")
    kept = await guest.send("/receipt")
    assert "还没有提交" in kept[-1].text and "/cancel" in kept[-1].text, kept[-1].text
    preview = await guest.press("完成，预览")
    assert any("一直在玩手机" in (m.text or "") for m in preview), preview


async def test_numbers_typed_full_width_are_read(fast_bot, fast_client, db_path):
    """A Chinese keyboard types ＃ and １２ as often as # and 12: /slips 1 ６ got its usage
    back, /order 甲医院 ＃3 … was read as a deadline it could not understand."""
    import callbacks

    assert callbacks.read_id("＃１２") == 12 and callbacks.read_id("６", 96) == 6
    assert callbacks.read_id("１２３", 96) is None and callbacks.read_id("#-1") is None
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    unit_db = view(fast_bot, "甲医院").bot_data["db"]
    problem_id = problems.create(unit_db, "门诊挂号排长队", None)
    wide = str(problem_id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    preview = (await joined["周督导"].send(f"/order 甲医院 ＃{wide} 2099-12-10 限期解决"))[-1]
    assert f"问题 #{problem_id}“门诊挂号排长队”" in preview.text, preview.text


async def test_an_institutions_ledger_from_the_roll_up_is_named_after_it(fast_bot, fast_client, db_path):
    """The supervisor fetched the ledgers of several institutions from /rollup and got files
    named 整改台账-7050a42a-2026-12-15.xlsx, 整改台账-b2382cc4-…: which is whose, nobody could tell."""
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    problems.create(view(fast_bot, "甲医院").bot_data["db"], "门诊挂号排长队", None)
    shown = await joined["周督导"].send("/rollup")
    ledgers = next(m for m in shown if "甲医院台账" in " ".join(m.labels()))
    sent = await joined["周督导"].press("甲医院台账", message=ledgers)
    names = [m.document["file_name"] for m in sent if m.document]
    assert len(names) == 1 and names[0].startswith("甲医院-整改台账-"), names
    # and each printed page says whose it is, not 整改台账（截至…） alone on twelve stacks of paper
    import io

    import openpyxl

    content, _ = fast_bot.api.files[next(m for m in sent if m.document).document["file_id"]]
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [s.oddHeader.center.text.split("（")[0] for s in book.worksheets] == [
        "甲医院整改台账",
        "甲医院整改台账·按科室汇总",
    ]


async def test_the_supervisor_asked_to_close_an_order_sees_how_far_it_got_and_why_closing_now(
    fast_bot, fast_client, db_path
):
    """河口乡卫生院's pharmacy order was asked to close at 60%: the office's card said 进度 60%
    and the department's reason for closing short of 100%; the supervisor, who decides, was
    asked with the latest report's words alone, neither how far it got nor why close now."""
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    leader, head, office = joined["甲院长"], joined["甲主任"], joined["甲办"]
    await confirmed(joined["周督导"], "/order 甲医院 2099-12-14 药房常用药缺货")
    await leader.press("接单", message=await leader.wait_for("新问题待接单"))
    await leader.press("下单")
    await leader.send("与配送企业签订补货协议")
    await leader.press("门诊部")
    await leader.send("2099-12-10")
    await leader.press("确认")
    await head.press("报告进展", message=await head.wait_for("派到本科室的问题"))
    await head.send("已签订补货协议，缺货品种由 40 种降到 6 种")
    await head.press("完成")
    await head.press("75%")
    await head.press("申请销号")
    await head.send("剩余 6 种为厂家停产，已报备替代药品")
    request = await office.wait_for("申请销号")
    await office.press("销号", message=request)
    asked = await joined["周督导"].wait_for("申请督办事项销号")
    assert "75%" in asked.text and "缺货品种由 40 种降到 6 种" in asked.text, asked.text
    assert "厂家停产" in asked.text and "甲主任" in asked.text, asked.text


async def test_a_flagged_team_of_the_appraisal_becomes_an_order_only_after_its_preview(
    fast_bot, fast_client, db_path
):
    """The body's office read the 述职评议's results: under 甲医院's team graded 差, a button
    📋 甲医院领导班子 列入问题清单. One tap issued a 督办 order to 甲医院 and told its office and
    leaders: no preview, no count, and not the act its label named. It is now labelled as what
    it does and previewed as /order is, acting only on ✅ 确认下达."""
    from datetime import timedelta

    from test_supervision import COUNTY_CSV

    from jobs import evaluations as evaluation_job
    from storage import appraisals, evaluations, roster
    from storage import institutions as directory
    from storage.clock import clock

    panel = "".join(f"督导员{n},县卫生健康局,督导组,督导组\n" for n in range(3))
    codes = county(fast_bot.db, db_path)
    directory.import_roster(fast_bot.db, db_path, roster.parse((COUNTY_CSV + panel).encode()), "")
    joined = await everyone_joins(fast_client, codes)
    closes = (clock.now() + timedelta(days=3)).date()
    await confirmed(joined["周督导"], f"/appraisal {closes} 年度述职评议")
    sheet = evaluations.open_sheets(fast_bot.db)[0]
    a_position = next(s.position for s in sheet.subjects if s.name.startswith("甲医院"))
    for rater in people.holding(fast_bot.db, tuple(appraisals.PANEL)):
        ratings = {
            s.position: {i: (3 if s.position == a_position else 0) for i in range(len(sheet.items))}
            for s in sheet.subjects
        }
        evaluations.submit(fast_bot.db, sheet.id, rater, ratings, clock.now().date())
    clock.travel_to(clock.now() + timedelta(days=4))
    evaluation_job.run(fast_bot.app, clock.now())
    office = joined["郑秘书"]
    results = await office.press("查看结果", message=await office.wait_for("已截止"))
    labels = results[-1].labels()
    assert "⚑ 甲医院领导班子 下达督办" in labels and not any("列入问题清单" in x for x in labels), labels

    preview = (await office.press("甲医院领导班子", message=results[-1]))[-1]
    assert "将向甲医院下达督办" in preview.text and "2 人" in preview.text, preview.text
    assert preview.labels() == ["✅ 确认下达", "取消"], preview.labels()
    assert not orders.open_orders(fast_bot.db)
    cancelled = await office.press("取消", message=preview)
    assert "没有下达督办" in cancelled[-1].text and not orders.open_orders(fast_bot.db)

    preview = (await office.press("甲医院领导班子", message=results[-1]))[-1]
    issued = await office.press("确认下达", message=preview)
    assert any("向甲医院下达督办" in (m.text or "") for m in issued), [m.text for m in issued]
    assert len(orders.open_orders(fast_bot.db)) == 1
    await joined["甲办"].wait_for("督办通知")
    again = await office.press("甲医院领导班子", message=results[-1])  # a second order: refused
    assert not [m for m in again if m.buttons and "确认下达" in m.labels()]
    assert len(orders.open_orders(fast_bot.db)) == 1
    # the results are confidential: the order's problem (总体评价“差”) is not on 甲医院's public
    # ledger, which its staff, and the public once it is published to them, read
    unit_db = view(fast_bot, "甲医院").bot_data["db"]
    assert not problems.get(unit_db, orders.open_orders(fast_bot.db)[0].problem_id).public
    ledger = "\n".join(m.text or "" for m in await joined["甲职工"].send("/ledger"))
    assert "述职评议" not in ledger and "总体评价" not in ledger, ledger


async def test_an_opinion_whose_buttons_were_typed_leaves_nothing_of_itself_in_the_chat(
    fast_bot, fast_client, db_path
):
    """A typed choice is answered in a new message under the typed words: each such message of
    an anonymous draft (the preview typed into being with 完成, the cancelled preview) leaves the
    chat with the draft, as the message it stands for did."""
    from test_public_box import open_box

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    code = await open_box(joined["乙办"])
    for typed_last in ("提交", "取消"):
        guest = await fast_client.user(990 if typed_last == "提交" else 991, "病人家属")
        await guest.send(f"/start {code}")
        await guest.send("服务态度")
        await guest.send("门诊部")
        await guest.send("收费处的人态度生硬，问两句就不耐烦。")
        await guest.send("完成")
        await guest.send(typed_last)
        left = [m.text or m.caption or "" for m in guest.inbox]
        assert not any("态度生硬" in text for text in left), (typed_last, left)


async def test_the_demos_picker_gives_no_two_people_one_chat(fast_bot, fast_client, db_path):
    """Walking the demo with the county grown to twelve institutions (python bot.py roster
    import), picking 钱丽娟 opened a chat headed 文办事: a person not yet joined was given, from
    their institution's block, the sandbox id of one who had joined elsewhere."""
    from test_supervision import county

    from jobs import institutions
    from sandbox import demo

    codes = county(fast_bot.db, db_path)
    institutions.attach(fast_bot.app)  # as the demo does at its start
    before = {person.name: telegram_id for telegram_id, person, _ in demo._players_by_unit(fast_bot.app)}
    somebody = await fast_client.user(before["甲职工"], "乙办")  # another's block id, joined first
    await somebody.send(f"/start {codes['乙办']}")
    after = demo._players_by_unit(fast_bot.app)
    ids = [telegram_id for telegram_id, _, _ in after]
    assert len(ids) == len(set(ids)), sorted(ids)
    assert {p.name: t for t, p, _ in after}["乙办"] == before["甲职工"]


async def test_an_institutions_office_finds_the_reports_asked_of_it_with_reports(
    fast_bot, fast_client, db_path
):
    """An office whose 📨 上级要求报送 notice had scrolled away (or never came: it joined late)
    sent /reports and was told 这项功能只对督导组、委领导开放: the one way to send the report was
    the one message. /reports now lists, to an institution's office, what the body asked of it,
    where it stands, and 📤 to send it."""
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    await confirmed(joined["周督导"], "/askreport 2099-12-20 整改落实情况专题报告")
    office = joined["甲办"]
    await office.wait_for("上级要求报送")
    listed = await office.send("/reports")
    card = listed[-1]
    assert "整改落实情况专题报告" in card.text and "2099-12-20" in card.text, card.text
    assert "未报送" in card.text and "📤 报送本单位综合报告" in card.labels(), card.text
    asked = await office.press("报送本单位综合报告", message=card)
    sent = await office.press("确认报送", message=asked[-1])
    assert any("已报送" in (m.text or "") for m in sent), [m.text for m in sent]
    again = (await office.send("/reports"))[-1]
    assert "待督导组审核" in again.text, again.text
    assert "整改落实情况专题报告" in " ".join(m.text or "" for m in await joined["周督导"].send("/reports"))
    refused = await joined["甲职工"].send("/reports")
    assert "只对" in refused[-1].text, refused[-1].text


async def test_words_that_cannot_be_a_receipt_are_not_taken_for_a_wrong_one(fast_bot, fast_client, db_path):
    """Asked for the code after /receipt, a guest wrote 谢谢！ and was told 没有找到这个回执码 (and
    the step ended, and the try counted against the wrong codes allowed an hour): words with no
    letter or digit of a code are answered as what they are, and the step waits for the code."""
    from test_public_box import guest_submits, open_box

    from jobs import institutions, opinion_batches

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    code = await open_box(joined["乙办"])
    guest = await fast_client.user(990, "病人家属")
    receipt = await guest_submits(guest, code, "乙医院挂号窗口只开一个，排队太久。")
    for unit in institutions.each(fast_bot.app):
        await opinion_batches.release_to_office(unit)
    await guest.send("/receipt")
    thanks = await guest.send("谢谢！")
    assert "不是回执码" in thanks[-1].text and "没有找到" not in thanks[-1].text, thanks[-1].text
    shown = "\n".join(m.text or "" for m in await guest.send(receipt))
    assert "排队太久" in shown, shown


async def test_an_order_past_its_date_says_by_how_many_days_in_orders(fast_bot, fast_client, db_path):
    """/orders read #1 城关镇卫生院：… · 期限 2026-12-05 · 当前：约谈: the supervisor about to hold
    the talk counted the days on a calendar. A card past its date says how many."""
    from datetime import timedelta

    from storage.clock import clock

    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    due = clock.now().date() + timedelta(days=3)
    await confirmed(joined["周督导"], f"/order 甲医院 {due.isoformat()} 药房常用药缺货")
    on_time = (await joined["周督导"].send("/orders"))[-1]
    assert "超期" not in on_time.text, on_time.text
    clock.travel_to(clock.now() + timedelta(days=13))
    late = (await joined["周督导"].send("/orders"))[-1]
    assert "已超期 10 天" in late.text, late.text


async def test_an_order_notice_opens_its_problem(fast_bot, fast_client, db_path):
    """⚑ 督办通知 … 已列入问题清单（#3） and each later step came with no button: the office and
    the leaders looked #3 up in /ledger. Each step now opens its problem with one tap."""
    joined = await everyone_joins(fast_client, county(fast_bot.db, db_path))
    await confirmed(joined["周督导"], "/order 甲医院 2099-12-14 药房常用药缺货")
    told = await joined["甲办"].wait_for("督办通知")
    assert "🔎 查看问题" in told.labels(), told.labels()
    card = await joined["甲办"].press("查看问题", message=told)
    assert any("药房常用药缺货" in (m.text or "") for m in card), [m.text for m in card]
