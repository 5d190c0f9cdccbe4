"""The demo a newcomer sees: `bot.py` without a token (the README's run command), its chat
page in Debian's headless Chromium, driven by Playwright as five people in turn.

A staff member submits an anonymous opinion; a day later the office lists it as a problem; a
leader claims and dispatches it; the department head reports progress; a week later the
reminder and the digest have arrived. Each step leaves a screenshot in tests/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from demo_process import REPO, DemoProcess
from PIL import Image
from playwright.async_api import Page, async_playwright, expect

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = REPO / "tests" / "screenshots"
# The flags a root user in a closed network needs (see the machine notes in the README).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OPINION = "门诊二楼候诊区座椅太少，老人只能站着等叫号。"
WAIT_MS = 20_000

pytestmark = pytest.mark.slow


@pytest.fixture
async def demo(tmp_path):
    """The demo as `make run` starts it with no token, on a free port; yields its address."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (README)"
    process = await DemoProcess.start(tmp_path)
    try:
        yield process.address
    finally:
        await process.stop()


async def test_a_campaign_step_by_step_in_the_browser(demo, tmp_path):
    SHOTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 860}, accept_downloads=True)
        page.photo_path = tmp_path / "座椅.jpg"
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(demo)
        try:
            await _story(page)
        finally:
            await page.screenshot(path=SHOTS / "last.png")
            await browser.close()
        assert errors == []


async def _story(page: Page) -> None:
    await _staff_submits_an_anonymous_opinion(page)
    await _office_lists_it_a_day_later(page)
    await _leader_claims_and_dispatches(page)
    await _head_reports_progress(page)
    await _a_week_later_reminder_and_digest(page)
    await _office_downloads_the_ledger(page)
    await _supervisor_orders_a_health_centre(page)


async def _staff_submits_an_anonymous_opinion(page: Page) -> None:
    await be(page, "陈刚")
    await expect(page.locator("#roster")).to_contain_text("王建国")  # the roster picker
    await menu(page, "提意见")
    await press(page, "匿名提交")
    await press(page, "医疗服务")
    await press(page, "门诊部")
    await say(page, OPINION)
    await press(page, "完成，预览")
    await press(page, "提交")
    await bot_said(page, "回执")
    await shot(page, "1-staff-submitted")


async def _office_lists_it_a_day_later(page: Page) -> None:
    await be(page, "赵文静")
    await menu(page, "意见收件箱")
    # Opinions reach the office in batches (09:00, 15:00), never the moment they are written.
    await expect(page.locator(".msg.bot", has_text=OPINION)).to_have_count(0)
    await advance(page, "plus-day")
    await bot_said(page, "新到意见")  # the batch notice
    await menu(page, "意见收件箱")
    card = page.locator(".msg.bot", has_text=OPINION).last
    await card.locator(".inline-btn", has_text="列为问题").click()
    # a title (the suggested one), the kind, the horizon, the department, then the preview
    for label in ("使用建议的标题", "限期整改", "近期", "不指定科室", "确认"):
        await page.locator(".inline-btn", has_text=label).last.click()
    await bot_said(page, "已列为问题 #")
    await shot(page, "2-office-listed")


async def _leader_claims_and_dispatches(page: Page) -> None:
    await be(page, "李明华")
    notice = page.locator(".msg.bot", has_text="新问题待接单").filter(has_text=OPINION[:10]).last
    await expect(notice).to_be_visible(timeout=WAIT_MS)
    await notice.locator(".inline-btn", has_text="接单").click()
    await press(page, "下单")
    await say(page, "增加候诊座椅 40 张，设老年人优先候诊区")
    await press(page, "门诊部")
    await say(page, "10个工作日")
    await press(page, "确认")
    await bot_said(page, "已下单，已通知")
    await shot(page, "3-leader-dispatched")
    page.digests_before = await page.locator(".msg.bot", has_text="整改日报").count()
    page.charts_before = await _digest_charts(page).count()


def _digest_charts(page: Page):
    return page.locator(".msg.bot", has_text="我负责的问题（按科室）").locator("img")


async def _head_reports_progress(page: Page) -> None:
    await be(page, "周晓燕")
    dispatched = page.locator(".msg.bot", has_text="派到本科室的问题").last
    await expect(dispatched).to_be_visible(timeout=WAIT_MS)
    await dispatched.locator(".inline-btn", has_text="报告进展").click()
    await say(page, "已采购座椅 40 张，本周安装")
    await send_photo(page, _photo(page.photo_path))
    await bot_said(page, "已添加 1 张")
    await press(page, "完成")
    await press(page, "50%")
    await bot_said(page, "50%")
    await shot(page, "4-head-reported")


async def _a_week_later_reminder_and_digest(page: Page) -> None:
    await advance(page, "plus-week")
    await bot_said(page, "个工作日到期")  # the deadline reminder, to the head
    await shot(page, "5-head-reminded")
    await be(page, "李明华")
    digests = page.locator(".msg.bot", has_text="整改日报")  # the leader's digest, and its chart
    await expect(digests).to_have_count(page.digests_before + 1, timeout=WAIT_MS)
    # the digest's chart, by its caption: the head's progress photo reaches the leader too
    charts = _digest_charts(page)
    await expect(charts).to_have_count(page.charts_before + 1, timeout=WAIT_MS)
    await page.wait_for_function(  # the chart is drawn, not a broken image
        "() => [...document.querySelectorAll('.msg.bot img')].pop().naturalWidth > 0", timeout=WAIT_MS
    )
    await page.locator("#keyboard-button").click()  # fold the menu keyboard to see more
    await expect(page.locator("#keyboard")).to_be_hidden()
    await shot(page, "6-leader-digest")


async def _office_downloads_the_ledger(page: Page) -> None:
    await be(page, "赵文静")
    await say(page, "/export")
    link = page.locator(".msg.bot .document").last
    await expect(link).to_be_visible(timeout=WAIT_MS)
    async with page.expect_download() as download:
        await link.click()
    saved = await (await download.value).path()
    assert Path(saved).read_bytes()[:2] == b"PK"  # an .xlsx is a zip
    await shot(page, "7-office-ledger")


async def _supervisor_orders_a_health_centre(page: Page) -> None:
    """督导: the county bureau's supervisor issues a 督办 order to a township health centre; its
    office is told in its own chat, and the roll-up shows every institution of the county."""
    await be(page, "周建国")
    await say(page, "/order 城关镇卫生院 10个工作日 预防接种门诊排队过长，限期解决")
    await bot_said(page, "将向城关镇卫生院下达督办")  # what goes out, to how many, before it does
    await press(page, "确认下达")
    await bot_said(page, "已向城关镇卫生院下达督办")
    await be(page, "钱丽娟")
    await bot_said(page, "督办通知")
    await be(page, "周建国")
    await menu(page, "各单位汇总")
    await bot_said(page, "河口乡卫生院")
    await expect(page.locator(".msg.bot", has_text="各单位整改落实汇总").last).to_contain_text("城关镇卫生院")
    await shot(page, "8-supervisor-rollup")


# ---- acting in the page -------------------------------------------------------------------


async def be(page: Page, name: str) -> None:
    await page.locator(f'button.person[data-name="{name}"]').click()
    await expect(page.locator("#who")).to_contain_text(name)


async def menu(page: Page, label: str) -> None:
    if not await page.locator("#keyboard").is_visible():  # folded earlier: opened, as a person would
        await page.locator("#keyboard-button").click()
        await expect(page.locator("#keyboard")).to_be_visible()
    before = await page.locator("#messages").inner_html()
    await page.locator(".kb-btn", has_text=label).first.click()
    await _answered(page, before)


async def press(page: Page, label: str) -> None:
    button = page.locator(".msg.bot .inline-btn", has_text=label).last
    await expect(button).to_be_visible(timeout=WAIT_MS)
    before = await page.locator("#messages").inner_html()
    await button.click()
    await _answered(page, before)


async def say(page: Page, text: str) -> None:
    before = await page.locator("#messages").inner_html()
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")
    await _answered(page, before)


async def _answered(page: Page, before: str) -> None:
    """Until the bot has answered: the last message in the chat is the bot's, and the chat
    is not what it was before the action (a new message or an edit)."""
    await page.wait_for_function(
        "before => { const box = document.getElementById('messages');"
        " const last = box.lastElementChild;"
        " return box.innerHTML !== before && last && !last.classList.contains('user'); }",
        arg=before,
        timeout=WAIT_MS,
    )


async def send_photo(page: Page, path: Path) -> None:
    before = await page.locator("#messages").inner_html()
    await page.locator("#file").set_input_files(path)
    await _answered(page, before)
    await expect(page.locator(".msg.user img").last).to_be_visible()  # shown in the chat too


def _photo(path: Path) -> Path:
    Image.new("RGB", (320, 240), (90, 140, 200)).save(path, "JPEG")
    return path


async def bot_said(page: Page, needle: str) -> None:
    await expect(page.locator(".msg.bot", has_text=needle).last).to_be_visible(timeout=WAIT_MS)


async def advance(page: Page, button: str) -> None:
    before = await page.locator("#clock").inner_text()
    await page.locator(f"#{button}").click()
    await expect(page.locator(f"#{button}")).to_be_enabled(timeout=60_000)
    assert await page.locator("#clock").inner_text() != before


async def shot(page: Page, name: str) -> None:
    await page.evaluate("document.getElementById('toast').hidden = true")
    await page.screenshot(path=SHOTS / f"{name}.png")


async def test_a_questionnaires_pop_ups_as_a_nurse_sees_them(demo):
    """提交's thanks is an alert: in Telegram it stays until 确定 and leaves no trace in the
    chat, so that her chat reads as that of anyone who has not answered (README 问卷调查)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 860})
        await page.goto(demo)
        try:
            await be(page, "赵文静")
            await say(page, "/survey 门诊环境调查 | 2026-12-20 17:30 | 门诊部\n1. 单选：满意吗？｜满意/一般")
            await press(page, "确认发出")
            await be(page, "黄婷")
            await press(page, "开始填写")
            await press(page, "满意")
            await page.locator(".msg.bot .inline-btn", has_text="提交").last.click()
            alert = page.locator("#toast")
            await expect(alert).to_contain_text("已提交问卷", timeout=WAIT_MS)
            await page.wait_for_timeout(4_000)  # a toast is gone by now; an alert waits for her
            await expect(alert).to_be_visible()
            await alert.get_by_role("button", name="确定").click()
            await expect(alert).to_be_hidden()
            await expect(page.locator("#messages")).not_to_contain_text("已提交")
        finally:
            await browser.close()


PAIRS_BROKEN = """message => {
  const broken = [], found = [];
  const walker = document.createTreeWalker(message, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/(\\S+) (好|较好|一般|差)/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
      found.push(match[0]);
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return {found, broken};
}"""


async def test_a_raters_review_at_phone_width(demo):
    """On a phone (390 px) the review names each grade's item, two to a line, and no item and its
    grade are split across two lines (five in a row wrapped mid-item: 总 / 体评价 好). 提交's
    thanks is an alert, and the chat is the invitation again, no grade in it."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        await page.goto(demo)
        try:
            await phone_be(page, "赵文静")
            await say(page, "/newsheet 科室测评 | 门诊部 住院部 | 7天 | 全体")
            await press(page, "确认发出")
            await phone_be(page, "黄婷")
            await press(page, "开始评议")
            for grade in ("好", "较好", "一般", "差", "好", "差", "一般", "较好", "好", "一般"):
                await press_grade(page, grade)
            review = page.locator(".msg.bot").last
            await expect(review).to_contain_text("请核对后提交")
            laid = await review.evaluate(PAIRS_BROKEN)
            assert len(laid["found"]) == 10 and not laid["broken"], laid
            SHOTS.mkdir(exist_ok=True)
            await page.screenshot(path=SHOTS / "phone-review.png")
            await review.locator(".inline-btn", has_text="提交").click()
            alert = page.locator("#toast")
            await expect(alert).to_contain_text("已提交", timeout=WAIT_MS)
            await alert.get_by_role("button", name="确定").click()
            await expect(page.locator("#messages")).not_to_contain_text("党建重视")
            await expect(page.locator(".msg.bot").last).to_contain_text("请参加民主评议")
        finally:
            await browser.close()


async def phone_be(page: Page, name: str) -> None:
    """Who you are, from the list at the top, as a phone shows the roster."""
    value = await page.locator("#roster-select option", has_text=name).first.get_attribute("value")
    await page.locator("#roster-select").select_option(value)
    await expect(page.locator("#who")).to_contain_text(name)


async def press_grade(page: Page, grade: str) -> None:
    """The grade button by its whole label (好 is also in 较好)."""
    button = page.locator(".msg.bot .inline-btn").filter(has_text=re.compile(f"^{grade}$")).last
    before = await page.locator("#messages").inner_html()
    await button.click()
    await _answered(page, before)
