"""The review before 提交, as a rater reads it on her phone: each grade after its item (a row of
grades, 较好、较好、较好, could not be checked against anything), a long sheet a page at a time
that says how many subjects follow, and never a message Telegram would refuse. 提交's thanks is
a whole sentence in the pop-up, whatever the sheet, and leaves the chat as it was."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import join

from jobs import delivery
from jobs import evaluations as evaluation_job
from storage import evaluations, invitations, people, roster
from storage.clock import clock
from texts import CATALOGS, say
from texts.fit import ELLIPSIS, POPUP_LIMIT, TEXT_LIMIT, units

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENED = date(2026, 12, 7)
GRADES = ("好", "较好", "一般", "差")
ROSTER = "姓名,科室,角色\n李娜,院办,班子成员\n陈刚,院办,班子成员\n王芳,组织人事科,活动办\n张伟,门诊部,职工\n"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def _office_and_rater(client, db, csv: str = ROSTER, rater: str = "张伟", language: str = "zh-hans"):
    clock.freeze(at(OPENED, 10))
    roster.apply(db, roster.parse(csv.encode()), None)
    codes = {
        i.person.name: i.code for i in invitations.issue(db, [p.id for p in invitations.unbound(db)], 14)
    }
    office = await join(client, codes, 900, "王芳")
    return office, await join(client, codes, 1000, rater, language)


async def test_each_grade_is_shown_with_its_item_and_the_thanks_leave_nothing(running_bot, client, db):
    office, rater = await _office_and_rater(client, db)
    preview = await office.send("/newsheet 2026年度民主评议 | 李娜 门诊部 陈刚 | 2026-12-11 17:30 | 门诊部")
    await office.press("确认发出", message=preview[-1])
    invite = await rater.wait_for("请参加民主评议")
    await rater.press("开始评议", message=invite)
    await rater.press("好")
    screen = (await rater.press("较好"))[-1].text
    assert "已评：\n　党建重视 好　党建成效 较好" in screen, screen  # short names: the item is above, whole
    for grade in ("一般", "差", "好"):
        await rater.press(grade)
    for _ in range(5):
        await rater.press("较好")
    review = (await rater.press("不了解，跳过此对象"))[-1]
    # two to a line: five in a row wrapped on a phone wherever the line ended, mid-item
    graded = (
        "• <b>李娜（院办）</b>：\n　党建重视 好　党建成效 较好\n　问题查摆 一般　廉政勤政 差\n　总体评价 好"
    )
    assert graded in review.text, review.text
    assert "• <b>门诊部</b>：5 项均为“较好”" in review.text, review.text
    assert "• <b>陈刚（院办）</b>：不了解（弃权）" in review.text
    assert "页" not in review.text and review.labels() == ["✅ 提交", "↩️ 重新评"]  # one page: no turning

    await rater.press("提交", message=review)
    thanks = (await rater.callback_answer())["text"]
    assert thanks == say("zh-CN", "evaluation.submitted", k=5)  # the whole sentence, not cut
    assert "已提交" in thanks and units(thanks) < POPUP_LIMIT // 2
    chat = [m.text or "" for m in rater.inbox]
    assert any("请参加民主评议" in text for text in chat)  # the invitation, put back
    assert not any("党建重视" in text or "核对" in text for text in chat), chat  # no grade left


def _long_roster(count: int) -> str:
    """`count` department heads with names as long as the roster takes (50 characters each for a
    name and a department), emoji, full-width punctuation and markup among them."""
    rows = []
    for n in range(count):
        name = f"阿依古丽·{'🌸' * 20}＆<{n:02d}>·买买提·{'长' * 17}"[: roster.MAX_NAME]
        department = f"第{n:02d}临床医技科室（心血管内科·介入诊疗中心＆导管室）🏥{'科' * 30}"[
            : roster.MAX_NAME
        ]
        rows.append(f"{name},{department},科室负责人\n")
    return ROSTER + "".join(rows)


def _grade_of(subject: int, item: int) -> str | None:
    """Every third subject alike, one in seven skipped, the rest a mix."""
    if subject % 7 == 3:
        return None
    return "较好" if subject % 3 == 0 else GRADES[(subject + item) % 4]


async def _rate_all(rater, count: int, items: int) -> object:
    review = None
    for subject in range(count):
        if _grade_of(subject, 0) is None:
            review = (await rater.press("不了解，跳过此对象"))[-1]
            continue
        for item in range(items):
            review = (await rater.press(_grade_of(subject, item)))[-1]
    return review


@pytest.mark.parametrize(
    "items", [evaluations.DEFAULT_ITEMS, (*evaluations.DEFAULT_ITEMS, "服务态度", "医德医风", "工作效率")]
)
async def test_a_sheet_of_thirty_long_named_heads_is_reviewed_page_by_page(fast_bot, fast_client, db, items):
    """30 department heads whose names are as long as the roster allows (emoji count twice),
    5 items (what /newsheet gives) and 8 (what storage takes): every page fits Telegram's limit,
    says which subjects it shows and how many follow, and the pages together show every one."""
    office, rater = await _office_and_rater(fast_client, db, _long_roster(30))
    heads = [p for p in people.everyone(db) if people.HEAD in p.roles]
    made = [
        evaluations.Subject(n, f"{p.name}（{p.department}）", person_id=p.id) for n, p in enumerate(heads)
    ]
    title = "🗳" * 60 + "＆《年度民主测评》" * 15  # 200 characters, the longest a title may be
    sheet_id = evaluations.create(
        db, title[: evaluations.MAX_TITLE], made, at(OPENED, 10) + timedelta(days=4), items=items
    )
    evaluation_job.invite(fast_bot.app, evaluations.get(db, sheet_id))
    while await delivery.send_due(fast_bot.app):
        pass
    invite = await rater.wait_for("请参加民主评议")
    await rater.press("开始评议", message=invite)
    page = await _rate_all(rater, 30, len(items))

    seen: dict[str, str] = {}
    widths = []
    while True:
        text = page.text
        widths.append(units(text))
        assert units(text) <= TEXT_LIMIT and "✅ 提交" in page.labels()
        shown = re.findall(r"• <b>(.*?)</b>：(.*?)(?=\n• |\n后面还有|\Z)", text, re.DOTALL)
        first, last, total = map(int, re.search(r"第 (\d+)–(\d+) 个对象，共 (\d+) 个", text).groups())
        assert (total, last - first + 1) == (30, len(shown)) and first == len(seen) + 1, text
        for name, grades in shown:
            seen[html.unescape(name)] = html.unescape(grades)
        if last < total:
            assert f"后面还有 {total - last} 个对象" in text, text
            turn = next(b["callback_data"] for b in page.buttons[0] if "下一页" in b["text"])
            page = (await rater.press_data(page.message_id, turn))[-1]
            again = await rater.press_data(page.message_id, turn)  # a double tap: the same page
            assert not again and not ((await rater.callback_answer()) or {}).get("text"), again
        else:
            assert "后面还有" not in text and "下一页 ▶" not in page.labels()
            break
    assert list(seen) == [s.name for s in made] and len(seen) == 30  # every head, once, whole
    names = [evaluations.SHORT_ITEMS.get(i, i) for i in items]
    for n, subject in enumerate(s.name for s in made):
        if _grade_of(n, 0) is None:
            assert seen[subject] == "不了解（弃权）"
        elif n % 3 == 0:
            assert seen[subject] == f"{len(items)} 项均为“较好”"
        else:
            pairs = re.findall(r"(\S+) (好|较好|一般|差)", seen[subject])
            assert pairs == [(names[i], _grade_of(n, i)) for i in range(len(items))], seen[subject]
            assert all(line.count(" ") <= 2 for line in seen[subject].split("\n")), seen[subject]
    back = (await rater.press("◀ 上一页", message=page))[-1]  # back a page: the same message
    assert back.message_id == page.message_id and f"–{first - 1} 个对象" in back.text, back.text
    print(f"\n{len(items)} items: {len(widths)} pages, longest {max(widths)} UTF-16 units")

    await rater.press("重新评", message=back)
    again = await rater.press("重新评", message=back)  # a double tap: begun again once
    assert not again and "评议对象 1/30" in rater.inbox[-1].text, again
    page = await _rate_all(rater, 30, len(items))
    assert "第 1–10 个对象" in page.text  # the review from its first page again
    await rater.press("提交", message=page)  # from any page: each says what follows
    thanks = (await rater.callback_answer())["text"]
    assert thanks == say("zh-CN", "evaluation.submitted", k=5)
    assert db.execute("select count(*) from evaluation_voters").fetchone()[0] == 0  # in the pool, as ever
    chat = [m.text or "" for m in rater.inbox]
    assert not any("核对" in text or "均为" in text for text in chat), "her grades are left in her chat"
    assert any("请参加民主评议" in text for text in chat)


async def test_a_title_longer_than_a_screen_takes_is_refused_in_the_one_liner(running_bot, client, db):
    office, _ = await _office_and_rater(client, db)
    title = "长" * (evaluations.MAX_TITLE + 1)
    told = (await office.send(f"/newsheet {title} | 李娜 | 7天"))[-1].text
    assert "第 1 段：标题不能为空，也不能超过 200 字" in told, told
    assert db.execute("select count(*) from evaluation_sheets").fetchone()[0] == 0


@pytest.mark.parametrize("key", ["evaluation.submitted", "evaluation.submitted_slip", "survey.thanks"])
def test_the_thanks_fit_a_pop_up_whole_in_every_language(key):
    """answerCallbackQuery takes 200 characters; the thanks name no sheet (the invitation put back
    under the pop-up does), so only the anonymity set's number changes their length."""
    for lang in CATALOGS:
        thanks = say(lang, key, k=10**6)
        assert units(thanks) <= 170 and not thanks.endswith(ELLIPSIS), (lang, units(thanks))


def _reasons(path: str, error: str) -> set[str]:
    """The reasons a storage module refuses with, each a catalog key's end."""
    from pathlib import Path

    source = (Path(__file__).parent.parent / path).read_text(encoding="utf-8")
    return set(re.findall(rf'{error}\("(\w+)"\)', source))


def test_every_refusal_under_a_rating_or_a_questionnaire_fits_a_pop_up():
    """A refusal under a screen's button comes in a pop-up; one longer than Telegram takes would
    come in her chat instead (handlers/access.refuse), where 已经参加过 says that she rated."""
    keys = {f"evaluation.{r}" for r in _reasons("storage/evaluations.py", "EvaluationError")}
    keys |= {f"survey.{r}" for r in _reasons("storage/surveys.py", "SurveyError")}
    keys |= {"evaluation.no_rating", "evaluation.slip_no_rating", "evaluation.lost", "stale_button"}
    assert {"evaluation.already", "survey.already", "evaluation.slip_used"} <= keys
    for lang, catalog in CATALOGS.items():
        for key in sorted(keys):
            text = catalog.get(key) or CATALOGS["zh-CN"][key]
            assert units(text.format(limit=96)) <= POPUP_LIMIT, (lang, key, units(text))


async def test_a_refusal_too_long_for_a_pop_up_comes_in_the_chat(fast_bot, fast_client, invited, db):
    """A guest from the lobby poster, in English, presses a rating's button: what they may do here
    (public.guest_only.ledger, 208 characters in English) was a pop-up Telegram refuses, and the
    button spun with nothing said. It comes in the chat: a guest has no rating to give away."""
    from test_public_box import open_box

    from storage import public_box

    code = await open_box(await join(fast_client, invited, 103, "王芳"))
    public_box.publish_ledger(db, True, None)
    guest = await fast_client.user(8_100_000_001, "visitor", "en")
    await guest.send(f"/start {code}")
    await guest.send("/cancel")  # no opinion under way
    ledger = await guest.send("/ledger")  # what a guest may do once the ledger is public
    told = await guest.press_data(ledger[-1].message_id, "ev:go:1")  # forged, or another's invitation
    expected = say("en", "public.guest_only.ledger")
    assert units(expected) > POPUP_LIMIT
    assert not ((await guest.callback_answer()) or {}).get("text")  # the spinner stopped, no pop-up
    assert [m.text for m in told] == [expected]
