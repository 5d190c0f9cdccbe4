"""What people feel while the hot-spot index is rebuilt after a restart.

The first release after a restart rebuilds the institution's index from the stored groups, in a
worker thread (jobs/hotspots.py): 46.9 s of pure Python at 100,000 opinions (hotspots_speed.py
--full). The event loop is not blocked, but it shares the interpreter's lock with that thread:
every time the loop gives the lock up for a system call (a socket write or read), it may wait
up to the switch interval (5 ms by default) to get it back. This benchmark times, in one
process, the event loop's lag and ten round trips over a local socket (twenty system calls, as
a reply to a person makes several), idle and while the index of N opinions is rebuilt.

    .venv/bin/python bench/hotspots_rebuild.py                      # N = 10,000
    .venv/bin/python bench/hotspots_rebuild.py --switch 0.0002      # a shorter switch interval
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hotspots_speed  # noqa: E402

from hotspots.grouping import Grouper  # noqa: E402


def quantile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))] * 1000


async def measure(grouped: list[tuple[str, str, str]]) -> str:
    a, b = socket.socketpair()
    read_a, write_a = await asyncio.open_connection(sock=a)
    read_b, write_b = await asyncio.open_connection(sock=b)
    lags: list[float] = []
    trips: list[float] = []
    running = True

    async def echo() -> None:
        while data := await read_b.read(100):
            write_b.write(data)
            await write_b.drain()

    async def lag() -> None:
        while running:
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append(time.perf_counter() - started - 0.01)

    async def ping() -> None:
        while running:
            started = time.perf_counter()
            for _ in range(10):
                write_a.write(b"x")
                await write_a.drain()
                await read_a.read(100)
            trips.append(time.perf_counter() - started)
            await asyncio.sleep(0.005)

    echoing = asyncio.create_task(echo())
    tasks = [asyncio.create_task(lag()), asyncio.create_task(ping())]
    await asyncio.sleep(1.0)
    idle_lags, idle_trips = lags[:], trips[:]
    lags.clear(), trips.clear()
    started = time.perf_counter()
    await asyncio.to_thread(Grouper(lambda: "new").place, [], grouped, ())
    took = time.perf_counter() - started
    running = False
    await asyncio.gather(*tasks)
    echoing.cancel()
    return (
        f"rebuilt {len(grouped):,} opinions in {took:.1f} s; "
        f"loop lag p99 / max idle {quantile(idle_lags, 0.99):.1f} / {max(idle_lags) * 1000:.1f} ms, "
        f"during {quantile(lags, 0.99):.1f} / {max(lags) * 1000:.1f} ms; "
        f"ten round trips p50 / p99 idle {quantile(idle_trips, 0.5):.1f} / {quantile(idle_trips, 0.99):.1f} ms, "
        f"during {quantile(trips, 0.5):.1f} / {quantile(trips, 0.99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--opinions", type=int, default=10_000)
    parser.add_argument("--switch", type=float, help="sys.setswitchinterval, seconds (default 0.005)")
    arguments = parser.parse_args()
    if arguments.switch:
        sys.setswitchinterval(arguments.switch)
    texts = hotspots_speed.opinions(arguments.opinions, random.Random(1))
    grouped = [(f"o{n}", f"g{n % 3000}", text) for n, text in enumerate(texts)]
    print(f"switch interval {sys.getswitchinterval() * 1000:g} ms: " + asyncio.run(measure(grouped)))


if __name__ == "__main__":
    main()
