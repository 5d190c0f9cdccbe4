"""`bot.py` as `make run` starts it without a token (the demo), as a real process on a free
port; shared by the demo and browser tests."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class DemoProcess:
    def __init__(self, process: asyncio.subprocess.Process, address: str, drain: asyncio.Task) -> None:
        self.process, self.address, self._drain = process, address, drain

    @classmethod
    async def start(cls, folder: Path) -> DemoProcess:
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        env.update(
            SANDBOX_PORT="0",
            DATABASE_PATH=str(folder / "sandbox" / "rectify.db"),
            BACKUP_DIR=str(folder / "backups"),
            PYTHONUNBUFFERED="1",
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "bot.py",
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        seen: list[str] = []
        while line := (await asyncio.wait_for(process.stdout.readline(), 60)).decode():
            seen.append(line)
            if found := re.search(r"open (http://\S+) in a browser", line):
                return cls(process, found.group(1), asyncio.create_task(_drain(process)))
        raise AssertionError("bot.py ended without opening the demo:\n" + "".join(seen[-30:]))

    async def stop(self) -> None:
        self.process.terminate()
        await self.process.wait()
        await self._drain


async def _drain(process: asyncio.subprocess.Process) -> None:
    # The bot logs as it runs; a pipe nobody reads would fill up and stall it.
    while await process.stdout.readline():
        pass
