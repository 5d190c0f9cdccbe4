"""What the benchmarks share: the fake Bot API, a roster of N people joined to the real bot,
and a lean driver that acts as a person without the test client's pauses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot  # noqa: E402
import config  # noqa: E402
from sandbox.app import SandboxServer  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402

TOKEN = "123456:bench-token"
bot.quiet_libraries()  # the library logging a deployed bot has, not its every warning


def machine() -> str:
    cpus = os.cpu_count()
    return f"{sys.platform}, Python {sys.version.split()[0]}, {cpus} CPU(s)"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.asynccontextmanager
async def sandbox():
    server = SandboxServer(TOKEN)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


HELD_NOTED = 0.05  # a harness process's own loop held this long is told on stderr


async def note_own_holds(name: str) -> None:
    """The harness's processes (the fake API, the people) say on stderr when their own loop was
    held (a 10 ms sleep waking HELD_NOTED late) and when their garbage collector's full pass
    took that long, with the wall time: a reply can be slow there and not in the bot.

    They also keep their collector's full passes short, as the bot does (bot.settle_heap): once
    a second the young generations are collected and what survived is frozen. The fake API
    keeps every message it was sent, and its full passes over them (219-552 ms at full size in
    bench/stall.py) held every person's reply in flight: the slowest replies of both passes,
    which were the harness's, not the bot's."""
    import gc

    started: list[float] = []
    settled = time.perf_counter()

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started and info["generation"] == 2 and time.perf_counter() - started[0] > HELD_NOTED:
            took = time.perf_counter() - started[0]
            print(
                f"{name}: {time.strftime('%H:%M:%S')} full collection {took * 1000:.0f} ms", file=sys.stderr
            )

    gc.callbacks.append(timed)
    while True:
        start = time.perf_counter()
        await asyncio.sleep(0.01)
        late = time.perf_counter() - start - 0.01
        if late > HELD_NOTED:
            print(f"{name}: {time.strftime('%H:%M:%S')} loop held {late * 1000:.0f} ms", file=sys.stderr)
        if time.perf_counter() - settled >= 1:
            gc.collect(1)
            gc.freeze()
            settled = time.perf_counter()


async def serve_api(latency_ms: float, prepare=None, report=None) -> None:
    """The fake Bot API in this process, for a bot in another (run as `SCRIPT --serve-api`):
    `prepare(api)` sets it up, its URL is printed, then each line read on stdin is answered with
    `report(api)` as one line of JSON, until the parent closes stdin. Its arrival times are then
    its own: in the bot's process they included the bot's own delays on the shared event loop."""
    server = SandboxServer(TOKEN)
    server.latency = latency_ms / 1000
    if prepare:
        prepare(server.api)
    await server.start()
    print(server.url, flush=True)
    noting = asyncio.create_task(note_own_holds("the fake Bot API"))
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline):
        print(json.dumps(report(server.api) if report else None), flush=True)
    noting.cancel()
    await server.stop()


class ApiProcess:
    """Starts `script --serve-api --latency MS [options]` (a script that calls serve_api) and
    reads its URL."""

    def __init__(self, script: Path, latency_ms: float = 0.0, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(script), "--serve-api", "--latency", str(latency_ms), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self.process.stdout.readline().strip()
        self.pid = self.process.pid

    def report(self):
        """What the script's `report` makes of the fake API now (blocks: not while timing)."""
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process (the fake API, the people) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settings_for(server, db_path: Path, **env) -> config.Settings:
    return config.load(
        env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": server.url,
            "DATABASE_PATH": str(db_path),
            "QUIET_HOURS": "00:00-00:00",
            **env,
        },
        dotenv=False,
    )


def temporary_database() -> Path:
    return Path(tempfile.mkdtemp(prefix="rectify-bench-")) / "rectify.db"


PATIENCE = 120  # seconds a simulated person waits for an answer before the benchmark gives up


class Person:
    """A member of staff at the HTTP level: send, press, and wait for the bot's answer, with
    none of the test client's pauses."""

    def __init__(self, client: SandboxClient, user_id: int) -> None:
        self.client, self.id, self.seen = client, user_id, 0
        self.messages: dict[int, dict] = {}  # message id -> newest version

    async def _more(self) -> None:
        for _ in range(PATIENCE // 10):  # 500 people at once behind one connection wait their turn
            data = await self.client.get(f"/sandbox/users/{self.id}/events", {"after": self.seen, "wait": 10})
            if data["events"]:
                break
        else:
            raise AssertionError(f"user {self.id}: the bot said nothing for {PATIENCE} s")
        self.seen = data["next"]
        for event in data["events"]:
            if event["kind"] == "deleted":  # the bot deletes what an anonymous author typed
                self.messages.pop(event["message_id"], None)
            else:
                self.messages[event["message"]["message_id"]] = event["message"]

    async def send(self, text: str) -> None:
        await self.client.post(f"/sandbox/users/{self.id}/text", {"text": text})
        await self._more()

    async def press(self, label: str) -> None:
        for _ in range(20):
            for message_id in sorted(self.messages, reverse=True):
                for row in (self.messages[message_id].get("reply_markup") or {}).get("inline_keyboard", []):
                    for button in row:
                        if label in button["text"]:
                            pressed = {"message_id": message_id, "data": button["callback_data"]}
                            await self.client.post(f"/sandbox/users/{self.id}/press", pressed)
                            await self._more()
                            return
            await self._more()  # the button is in a message still on its way
        raise AssertionError(f"user {self.id}: no button {label!r}")


async def timed(coroutine) -> float:
    start = time.perf_counter()
    await coroutine
    return time.perf_counter() - start
