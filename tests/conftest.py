"""The end-to-end harness: the real bot, polling over real HTTP, against the sandbox's fake
Bot API; a client that acts as many people at once; a real SQLite file."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot  # noqa: E402
import config  # noqa: E402
from sandbox.app import SandboxServer  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402
from storage import invitations, roster  # noqa: E402
from storage.clock import clock  # noqa: E402
from storage.db import open_database  # noqa: E402

TOKEN = "123456:test-token"

ROSTER_CSV = """姓名,科室,角色
张伟,门诊部,职工
李娜,院办,班子成员
王芳,组织人事科,活动办
刘洋,门诊部,科室负责人
"""


class BotUnderTest:
    """The bot process's life in a test: start, stop, start again on the same database."""

    def __init__(self, server: SandboxServer, db_path: Path) -> None:
        self.server, self.db_path = server, db_path
        self.app = None
        self.db = None

    @property
    def settings(self) -> config.Settings:
        return config.load(env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.server.url,
            "DATABASE_PATH": str(self.db_path),
        })

    async def start(self) -> None:
        self.db = open_database(self.db_path)
        self.app = bot.build_application(self.settings, self.db)
        await bot.start_polling(self.app, poll_timeout=1)

    async def stop(self) -> None:
        if self.app is not None:
            await bot.stop_polling(self.app)
            self.db.close()
            self.app = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture(autouse=True)
def office_hours():
    """Every test starts at 10:00 in Shanghai on today's date, with the clock running, so that
    quiet hours (22:00-08:00) never hold a notice back because of when CI happens to run."""
    today = datetime.now(UTC).date()
    clock.travel_to(datetime.combine(today, time(2, 0), tzinfo=UTC))
    yield
    clock.reset()


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


@pytest.fixture
async def running_bot(server, db_path):
    under_test = BotUnderTest(server, db_path)
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
    return {t: sorted(db.query(f"select * from [{t}]"), key=lambda row: repr(sorted(row.items())))
            for t in tables}


RECEIPT = re.compile(r"<code>([0-9A-Z-]+)</code>")


async def submit_opinion(person, text: str, *, anonymous: bool = True, category: str = "形式主义",
                         department: str | None = "门诊部", photos: tuple[bytes, ...] = ()):
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


async def join(client, invited, user_id: int, name: str, language_code: str = "zh-hans"):
    person = await client.user(user_id, name, language_code)
    await person.send(f"/start {invited[name]}")
    return person
