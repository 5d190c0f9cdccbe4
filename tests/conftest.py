"""The end-to-end harness: the real bot, over real HTTP, against the sandbox's fake Bot API; a
client that acts as many people at once; a real SQLite file.

The bot takes its updates by long polling or by webhook (the sandbox then POSTs them to it as
Telegram does). BOT_MODES chooses which end-to-end tests run in which mode:
  core (default)  the core flows (CORE_FLOWS) in both modes, every other test by polling
  all             every end-to-end test in both modes
  polling, webhook   every end-to-end test in that one mode
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot  # noqa: E402
import config  # noqa: E402
from sandbox.app import SandboxServer  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402
from sandbox.webhook import free_port  # noqa: E402
from storage import dates, holiday_notice, invitations, roster  # noqa: E402
from storage.clock import clock  # noqa: E402
from storage.db import open_database  # noqa: E402

TOKEN = "123456:test-token"
MODES = ("polling", "webhook")
# The flows every deployment depends on, run in both modes by default: joining, the opinion
# box, the problem flow, reminders, and a restart (the webhook set again, nothing lost).
CORE_FLOWS = {"test_joining", "test_opinion_box", "test_problem_flow", "test_reminders", "test_restart"}

ROSTER_CSV = """姓名,科室,角色
张伟,门诊部,职工
李娜,院办,班子成员
王芳,组织人事科,活动办
刘洋,门诊部,科室负责人
"""


class BotUnderTest:
    """The bot process's life in a test: start, stop, start again on the same database."""

    def __init__(self, server: SandboxServer, db_path: Path, mode: str = "polling") -> None:
        self.server, self.db_path, self.mode = server, db_path, mode
        self.app = None
        self.db = None
        # One port for the bot's life, so a restart sets the same webhook again.
        self.webhook_port = free_port() if mode == "webhook" else None

    @property
    def settings(self) -> config.Settings:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.server.url,
            "DATABASE_PATH": str(self.db_path),
            # tests act faster than people; test_throttle sets its own limit
            "RATE_LIMIT_BURST": "100000",
            "SECRET_KEY_FILE": str(self.db_path.parent / "keys" / "secret.key"),
        }
        if self.mode == "webhook":
            env |= {
                "WEBHOOK_URL": f"http://127.0.0.1:{self.webhook_port}/telegram",
                "WEBHOOK_PORT": str(self.webhook_port),
            }
        return config.load(env=env, dotenv=False)

    async def start(self) -> None:
        self.db = open_database(self.db_path)
        self.app = bot.build_application(self.settings, self.db)
        await bot.start_polling(self.app, poll_timeout=1)
        hold_daily_jobs(self.app)

    async def stop(self) -> None:
        if self.app is not None:
            await bot.stop_polling(self.app)
            self.db.close()
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


def hold_daily_jobs(app) -> None:
    """Pause the jobs set for a time of day (the opinion batches, the nightly backup). APScheduler
    fires them on the machine's clock, not on storage.clock that the tests move: a test that
    happened to run across 09:00 in Shanghai saw a batch released in its middle (CI, stop 34).
    Tests that want a batch or a backup call its function; the repeating jobs keep running."""
    for job in app.job_queue.jobs():
        if isinstance(job.job.trigger, CronTrigger):
            job.enabled = False


@pytest.fixture(autouse=True)
def office_hours():
    """Every test starts at 10:00 in Shanghai on today's date, with the clock running, so that
    quiet hours (22:00-08:00) never hold a notice back because of when CI happens to run."""
    today = datetime.now(UTC).date()
    clock.travel_to(datetime.combine(today, time(2, 0), tzinfo=UTC))
    yield
    clock.reset()
    dates.forget_imported_holidays()  # a test's imported notice is not the next test's calendar


@pytest.fixture
def holidays_known():
    """Makes this year's and next year's holidays known, as the doctor wants them whatever today
    is (from November it asks for next year's, which chinese-calendar may not have yet)."""

    def known(settings: config.Settings) -> None:
        year = clock.now().year
        holiday_notice.path_for(settings.database_path).write_text(
            f"{year}-01-01\t休\t元旦\n{year + 1}-01-01\t休\t元旦\n", encoding="utf-8"
        )

    return known


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "rectify.db"


@pytest.fixture
def db(db_path: Path):
    database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
async def server():
    sandbox = SandboxServer(TOKEN)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


def modes_for(module: str) -> tuple[str, ...]:
    chosen = os.environ.get("BOT_MODES", "core").strip().lower() or "core"
    if chosen in MODES:
        return (chosen,)
    if chosen == "all":
        return MODES
    if chosen != "core":
        raise pytest.UsageError(f"BOT_MODES must be core, all, polling or webhook, not {chosen!r}")
    return MODES if module in CORE_FLOWS else ("polling",)


def pytest_generate_tests(metafunc):
    chosen_here = any(
        m.args and m.args[0] == "bot_mode" for m in metafunc.definition.iter_markers("parametrize")
    )
    if "running_bot" in metafunc.fixturenames and not chosen_here:
        modes = modes_for(metafunc.module.__name__.rsplit(".", 1)[-1])
        metafunc.parametrize("bot_mode", modes, indirect=True, ids=list(modes))


@pytest.fixture
def bot_mode(request) -> str:
    """How the bot takes its updates (see the module's docstring)."""
    return getattr(request, "param", "polling")


@pytest.fixture
async def running_bot(server, db_path, bot_mode):
    under_test = BotUnderTest(server, db_path, bot_mode)
    await under_test.start()
    yield under_test
    await under_test.stop()


@pytest.fixture
async def fast_bot(db_path):
    """The fast tier (tests/fast.py): the real bot over the fake Bot API in process."""
    from fast import FastBot

    under_test = FastBot(db_path)
    await under_test.start()
    yield under_test
    await under_test.stop()


@pytest.fixture
def fast_client(fast_bot):
    from fast import FastClient

    return FastClient(fast_bot)


@pytest.fixture
async def client(server):
    sandbox_client = SandboxClient(server.url)
    yield sandbox_client
    await sandbox_client.close()


@pytest.fixture
def invited(db):
    """The test roster imported; returns name -> invitation code."""
    roster.apply(db, roster.parse(ROSTER_CSV.encode()), None)
    issued = invitations.issue(db, [p.id for p in invitations.unbound(db)], ttl_days=14)
    return {i.person.name: i.code for i in issued}


def dump(db, *tables: str) -> dict[str, list[dict]]:
    """Every row of the tables, to compare a database before and after (sorted, since some
    tables have no rowid to order by)."""
    return {
        t: sorted(db.query(f"select * from [{t}]"), key=lambda row: repr(sorted(row.items()))) for t in tables
    }


RECEIPT = re.compile(r"<code>([0-9A-Z-]+)</code>")


async def submit_opinion(
    person,
    text: str,
    *,
    anonymous: bool = True,
    category: str = "形式主义",
    department: str | None = "门诊部",
    photos: tuple[bytes, ...] = (),
):
    """Walk the opinion flow as a person would; returns the receipt (anonymous) or the reply."""
    await person.send("/opinion")
    await person.press("匿名提交" if anonymous else "署名提交")
    await person.press(category)
    await person.press(department or "不指定科室")
    await person.send(text)
    for photo in photos:
        await person.send_file(photo, "photo.jpg", kind="photo")
    if len(photos) < 3:
        await person.press("完成，预览")
    reply = await person.press("提交")
    found = RECEIPT.search(reply[-1].text or "")
    return found.group(1) if found else reply[-1].text


async def confirmed(user, command: str):
    """A one-liner held for 确认 (handlers/held_commands.py: /order, /meeting, /phase …) and its
    preview's ✅ 确认 pressed: what the bot said after the press, the preview aside."""
    preview = held_preview(await user.send(command))
    after = await user.press("确认", message=preview)
    return [m for m in after if m.message_id != preview.message_id]  # not the preview losing its buttons


def held_preview(replies):
    """The preview among a command's replies: notices delivered meanwhile may come after it."""
    found = [m for m in replies if m.buttons]
    assert found, [m.text for m in replies]
    return found[-1]


async def join(client, invited, user_id: int, name: str, language_code: str = "zh-hans"):
    person = await client.user(user_id, name, language_code)
    await person.send(f"/start {invited[name]}")
    return person


def change_settings(app, **changes) -> config.Settings:
    """Change a running bot's settings where handlers and jobs read them (its Services), and
    under the old bot_data name that the harness and a few helpers still read."""
    import dataclasses

    import services

    held = services.of(app)
    held.settings = dataclasses.replace(held.settings, **changes)
    app.bot_data["settings"] = held.settings
    return held.settings
