"""What people met on their first walk through the sandbox on a phone (390x844): the office of a
county hospital setting up, a nurse with her first anonymous opinion, a leader claiming and
reading, the office triaging hotspots. Each test is one thing a person hit.

Fast tier (tests/fast.py) unless it says otherwise."""

from __future__ import annotations

import unicodedata

from conftest import join, submit_opinion


def _full_width(text: str) -> str:
    """As a Chinese input method in full-width mode types it: Ａ-Ｚ, ０-９, －."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


async def test_a_receipt_typed_in_full_width_or_copied_with_its_label_is_found(fast_client, invited):
    nurse = await join(fast_client, invited, 101, "张伟")
    receipt = await submit_opinion(nurse, "夜班护士太少，一个人看三十张床。")
    assert unicodedata.normalize("NFKC", _full_width(receipt)) == receipt
    card = await nurse.send(f"/receipt {_full_width(receipt)}")
    assert "夜班护士太少" in card[-1].text, card[-1].text
    # pasted from the receipt message, label and all, in the step that asks for it
    await nurse.send("/receipt")
    card = await nurse.send(f"您的回执码：\n{receipt.lower()}")
    assert "夜班护士太少" in card[-1].text, card[-1].text


async def test_the_words_of_a_button_without_its_note_are_taken_as_typed(fast_client, invited, db):
    """The nurse types 匿名 or 匿名提交 at 🕶 匿名提交（推荐）, and 完成 at ➡️ 完成，预览: what the
    button says, without its note after a bracket or a comma."""
    nurse = await join(fast_client, invited, 101, "张伟")
    for typed in ("匿名", "匿名提交", "署名"):
        await nurse.send("/opinion")
        asked = await nurse.send(typed)
        assert "请选择意见类别" in asked[-1].text, (typed, asked[-1].text)
        await nurse.send("/cancel")
    await nurse.send("/opinion")
    await nurse.send("匿名提交")
    await nurse.send("医疗服务")
    await nurse.send("门诊部")
    await nurse.send("夜班护士太少，一个人看三十张床。")
    preview = await nurse.send("完成")
    assert "请确认" in preview[-1].text, preview[-1].text
    await nurse.send("/cancel")


def test_a_note_does_not_make_short_or_numbered_answers_taps():
    """A prefix is taken only for a long button's words: 10 is not 100%, 下周 is not 下周一."""
    from handlers.typed_choice import match

    assert match("10", {"25%": "a", "100%": "b"}) is None
    assert match("下周", {"今天": "a", "下周一": "b"}) is None
    assert match("匿名", {"🕶 匿名提交（推荐）": "a", "👤 署名提交": "b"}) == "a"
    assert match("完成", {"➡️ 完成，下一步": "a"}) == "a"
    assert match("提交", {"✅ 提交": "a", "✏️ 修改文字": "b"}) == "a"


async def test_a_leader_who_taps_claim_twice_is_told_it_is_his_not_that_he_is_too_late(
    fast_client, invited, db
):
    from storage import problems

    leader = await join(fast_client, invited, 102, "李娜")
    problem_id = problems.create(db, "检查表格重复填报", None)
    cards = await leader.send("/claim")
    card = cards[-1]
    claim_data = next(b["callback_data"] for row in card.buttons for b in row if "接单" in b["text"])
    await leader.press_data(card.message_id, claim_data)
    again = await leader.press_data(card.message_id, claim_data)  # the double tap's second
    answer = await leader.callback_answer()
    assert "来晚了" not in (answer or {}).get("text", ""), answer
    assert f"#{problem_id}" in answer["text"] and "由您接单" in answer["text"], answer
    assert not any("下单" in (m.text or "") for m in again)  # no second 您已接单 card
    assert problems.get(db, problem_id).leader == "李娜"


async def test_a_roster_workbook_shows_where_each_newcomer_goes_and_asks_about_a_department_spelled_twice(
    fast_client, invited, db
):
    """The office's .xlsx as saved: a merged title row, full-width spaces, a name with a zero-width
    space, and 门诊 for the 门诊部 already there (a department spelled two ways). The preview
    names each newcomer's department, the departments the import would create, and asks about
    the one that looks like an existing one, before anything is applied."""
    from test_forgiving_roster import workbook

    from storage import people

    office = await join(fast_client, invited, 103, "王芳")
    await office.send("/roster")
    sheet = workbook(
        [
            ["姓　名", "科　室", "角　色"],
            ["张伟", "门诊部", "职工"],
            ["李娜", "院办", "班子成员"],
            ["王　芳", "组织人事科", "活动办"],
            ["刘洋", "门诊部", "科室负责人"],
            ["李\u200b秀兰", "护理部\u3000", "职工"],
            ["赵敏", "护理部", "职工"],
            ["陈晨", "门诊", "职工"],
        ],
        title="城关镇卫生院“整改落实”活动人员名单",
    )
    *shown, question, last = await office.send_file(sheet, "名单.xlsx")
    preview = "\n".join(m.text for m in shown)
    assert "新增：3" in preview and "未变：4" in preview, preview
    assert "李秀兰（护理部）" in preview and "陈晨（门诊）" in preview, preview
    assert "新科室：护理部（2 人）、门诊（1 人）" in preview, preview
    # asked, not guessed: a question of its own, answered with a button
    assert "“门诊”与“门诊部”" in question.text and question.labels() == ["1. 是", "1. 不是"], question.text
    assert "请先回答上面的 1 个问题" in last.text and "✅ 确认" in last.labels()  # 确认 comes last
    assert "护理部" not in people.departments(db)  # nothing applied before 确认


async def test_an_opinion_alone_in_the_inbox_can_be_put_into_a_hotspot_group(
    fast_bot, fast_client, invited, db
):
    """The office sees 🔥 3 条意见 as one card and, as a card of its own, an opinion the grouping
    did not put with them (on the walk: a fourth about the nurses' night shift, in other words):
    its card offers 🔥 归入一组, so that the group's one problem can reach its receipt too."""
    from datetime import date

    from test_hotspot_flow import SHED

    from jobs import opinion_batches
    from storage import hotspots, opinions
    from storage.opinions import Draft

    office = await join(fast_client, invited, 103, "王芳")
    keys = fast_bot.app.bot_data["keys"]
    for text in SHED[:3]:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    opinions.submit(
        db, Draft(category="其他", text="夜班护士太少，按铃半天没人来。"), None, keys, date.today()
    )
    await opinion_batches.release_to_office(fast_bot.app)
    pending = opinions.inbox(db, None, 50)[0]
    lone = next(o for o in pending if "夜班护士" in o.text)
    group = hotspots.group_of(db, next(o for o in pending if o.text == SHED[0]).id)
    assert hotspots.group_of(db, lone.id) != group  # the grouping did not see it
    shown = await office.send("/inbox")
    card = next(m for m in shown if m.text and f"#{lone.id}" in m.text and "反映了类似问题" not in m.text)
    asked = await office.press("归入一组", message=card)
    assert f"把 #{lone.id} 移到哪一组？" in asked[-1].text
    moved = await office.press(f"（{hotspots.get(db, group).size} 条）", message=asked[-1])
    assert f"#{lone.id} 已移到另一组" in moved[-1].text
    assert hotspots.group_of(db, lone.id) == group


async def test_an_invitation_link_pasted_as_text_joins_as_opening_it_would(fast_client, invited, db):
    """The office sends each person their link by WeChat; a nurse copies it and pastes it into
    the bot's chat instead of opening it. Before, she was told to use her invitation link."""
    from storage import people

    nurse = await fast_client.user(101, "张伟")
    pasted = f"张伟您好，这是您的整改通邀请：https://t.me/rectify_bot?start={invited['张伟']} 请点开加入。"
    welcome = await nurse.send(pasted)
    assert "您已加入整改通" in welcome[-1].text, welcome[-1].text
    assert next(p for p in people.everyone(db) if p.name == "张伟").telegram_user_id == 101
    stranger = await fast_client.user(109, "路人")
    refused = await stranger.send("https://t.me/rectify_bot?start=NoSuchCode123")
    assert "您已加入" not in refused[-1].text


def test_a_pasted_lobby_poster_or_questionnaire_link_is_left_to_its_own_flow():
    from handlers.people.start import PASTED_LINK

    assert PASTED_LINK.search("https://t.me/rectify_bot?start=box_abcdefgh") is None
    assert PASTED_LINK.search("https://t.me/rectify_bot?start=survey_0a1b2c") is None
    assert PASTED_LINK.search("看这里 t.me/rectify_bot?start=Ab-Cd_1234 ！").group(1) == "Ab-Cd_1234"


async def test_a_leader_sets_the_digest_time_as_people_say_it(fast_client, invited, db):
    """/digest 7点半, 早上8点, ０７:４５: the one parser that reads times everywhere else
    (README, Input that forgives), not only 07:45."""
    from storage import digests, people

    leader = await join(fast_client, invited, 102, "李娜")
    said = (("7点半", "07:30"), ("早上8点", "08:00"), ("０７:４５", "07:45"), ("下午5点", "17:00"))
    for typed, shown in said:
        saved = await leader.send(f"/digest {typed}")
        assert f"已保存：每个工作日，{shown}" in saved[-1].text, (typed, saved[-1].text)
    refused = await leader.send("/digest 每周一早上")
    assert "看不懂" in refused[-1].text
    li_na = next(p for p in people.everyone(db) if p.name == "李娜")
    assert digests.setting(db, li_na.id).at.strftime("%H:%M") == "17:00"  # the refusal changed nothing


async def test_listing_a_group_with_one_opinion_already_listed_says_how_many_it_links_and_is_no_copy(
    fast_bot, fast_client, invited, db
):
    """On the walk the 食堂 group held an opinion already listed as #5: 列为一个问题 said 2 条
    (one would be linked) and would have listed the group under #5's own words again."""
    from datetime import date

    from test_hotspot_flow import SHED

    from jobs import opinion_batches
    from storage import hotspots, opinions, problems
    from storage.opinions import Draft

    office = await join(fast_client, invited, 103, "王芳")
    keys = fast_bot.app.bot_data["keys"]
    for text in SHED:
        opinions.submit(db, Draft(category="其他", text=text), None, keys, date.today())
    await opinion_batches.release_to_office(fast_bot.app)
    pending = opinions.inbox(db, None, 50)[0]
    group = hotspots.group_of(db, pending[0].id)
    listed = next(o for o in pending if o.text == hotspots.get(db, group).representative)
    first = problems.create(db, "车棚清理", None, source="opinion", opinion_ids=(listed.id,))
    cards = await office.send("/hotspots")
    asked = await office.press("列为一个问题", message=cards[-1])
    assert f"将把这一组的 {len(SHED) - 1} 条意见" in asked[-1].text, asked[-1].text
    assert listed.text[:10] not in asked[-1].text  # the title is one of those it lists
    done = await office.press("确认", message=asked[-1])
    assert f"关联 {len(SHED) - 1} 条意见" in done[-1].text
    second = problems.problem_of_opinion(db, next(o.id for o in pending if o.id != listed.id))
    assert second not in (None, first)
    assert problems.get(db, second).title[:10] != listed.text[:10]


async def test_people_the_office_just_imported_can_be_picked_in_the_sandbox_to_join(fast_bot, db):
    """The demo's office imports a roster and prints invitations; before, the newcomers were
    missing from the chat page's picker until the demo restarted (which joined them on its own,
    withdrawing the printed codes): joining could not be tried. Now each gets a chat, not joined."""
    from sandbox import demo
    from storage import people, roster

    roster.apply(db, roster.parse("姓名,科室,角色\n王芳,组织人事科,活动办\n".encode()), None)
    api = fast_bot.api
    names = {row["name"] for row in demo.roster_with_chats(fast_bot.app, api)}
    assert "王芳" in names
    later = "姓名,科室,角色\n王芳,组织人事科,活动办\n李秀兰,护理部,职工\n"
    roster.apply(db, roster.parse(later.encode()), None)
    picked = next(row for row in demo.roster_with_chats(fast_bot.app, api) if row["name"] == "李秀兰")
    assert api.chats[picked["id"]].user["first_name"] == "李秀兰"  # a chat to pick, to paste a link in
    assert next(p for p in people.everyone(db) if p.name == "李秀兰").telegram_user_id is None  # not joined


async def test_more_text_typed_at_the_photo_step_is_added_not_dropped(fast_client, invited):
    """The nurse remembers more after sending her text and types it where the bot asks for
    photos: before, the bot went to the preview without it. A short answer (没有, 不用了) still
    means no photos."""
    nurse = await join(fast_client, invited, 101, "张伟")
    await nurse.send("/opinion")
    for step in ("匿名", "其他", "门诊部", "门诊候诊椅太少。"):
        await nurse.send(step)
    preview = await nurse.send("补充一下：三楼也一样，老人只能站着😫")
    assert "门诊候诊椅太少。\n补充一下：三楼也一样，老人只能站着😫" in preview[-1].text, preview[-1].text
    await nurse.press("提交")

    await nurse.send("/opinion")
    for step in ("匿名", "其他", "门诊部", "门诊候诊椅太少。"):
        await nurse.send(step)
    preview = await nurse.send("没有")
    assert "请确认" in preview[-1].text and "没有" not in preview[-1].text.split("门诊候诊椅太少。")[-1]
    await nurse.send("/cancel")

    await nurse.send("/opinion")
    for step in ("匿名", "其他", "门诊部", "护" * 1995):
        await nurse.send(step)
    refused = await nurse.send("补充：夜班只有一个人")
    assert "超过 2000 字" in refused[-1].text and "没有加上" in refused[-1].text, refused[-1].text
    preview = await nurse.press("完成，预览")
    assert "夜班只有一个人" not in preview[-1].text


async def test_the_old_submit_of_a_draft_left_by_a_menu_tap_says_so_not_that_the_bot_restarted(
    fast_client, invited
):
    """At the preview the nurse taps 📋 整改台账 to look something up, then comes back and taps
    提交 on the preview above: the draft ended with the menu tap; before, she was told the bot
    had restarted and the draft was lost."""
    nurse = await join(fast_client, invited, 101, "张伟")
    await nurse.send("/opinion")
    for step in ("匿名", "其他", "门诊部", "门诊候诊椅太少。", "完成"):
        shown = await nurse.send(step)
    preview = shown[-1]
    await nurse.send("📋 整改台账")  # leaves the draft (the menu opens the ledger)
    await nurse.press("提交", message=preview)
    answer = await nurse.callback_answer()
    assert answer is not None and "菜单" in answer["text"] and "没有提交" in answer["text"], answer
    assert not any("重启" in (m.text or "") for m in nurse.inbox[-2:])


async def test_the_digest_chart_names_problems_without_a_department_in_words(fast_bot, invited, db):
    """The leader's chart had a bar labelled — for the problem he had claimed and not yet
    dispatched: 未定科室 says what it is."""
    from datetime import UTC, date, datetime

    from jobs import digests as digest_job
    from storage import people, problems

    leader = next(p for p in people.everyone(db) if p.name == "李娜")
    problems.claim(db, problems.create(db, "报销审批要五个人签字", None), leader)
    digest = digest_job.build(fast_bot.app, leader, datetime(2020, 1, 1, tzinfo=UTC), date.today())
    rows, _, _ = digest_job.chart_input("zh-CN", leader, digest)
    assert [row.department for row in rows] == ["未定科室"]
    rows, _, _ = digest_job.chart_input("en", leader, digest)
    assert [row.department for row in rows] == ["No department yet"]


async def test_a_department_typed_after_invite_or_export_is_read_as_the_roster_reads_it(fast_client, invited):
    """/invite 门诊 部 (a space from the input method) was 没有名为“门诊 部”的科室, though the
    roster itself reads 门诊 部 as 门诊部."""
    office = await join(fast_client, invited, 103, "王芳")
    asked = await office.send("/invite 门诊 部")
    assert "没有名为" not in asked[-1].text and "门诊部" in asked[-1].text, asked[-1].text
    sent = await office.send("/export 门诊\u3000部")
    assert not any("没有名为" in (m.text or "") for m in sent), [m.text for m in sent]
