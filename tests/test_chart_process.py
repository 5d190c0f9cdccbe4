"""The chart process: started once, by the bot's start or by the first chart, whichever comes
first; a digest drawn after the start does not start another."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from documents import charts


async def test_started_at_the_start_then_used_by_charts_and_never_twice():
    charts.stop_drawing()
    for _ in range(100):  # a chart process an earlier test stopped may take a moment to end
        if not multiprocessing.active_children():
            break
        await asyncio.sleep(0.1)
    before = len(multiprocessing.active_children())
    try:
        await asyncio.gather(charts.start_drawing(), charts.start_drawing())  # a start and a chart at once
        started = charts._pool
        assert started is not None and len(multiprocessing.active_children()) == before + 1
        png = await charts.apart(
            charts.status_by_department,
            [charts.DepartmentLights("门诊部", {"red": 2, "green": 3})],
            "门诊部",
            {"red": "逾期", "green": "正常"},
        )
        assert png.startswith(b"\x89PNG") and charts._pool is started
        # below the bot's priority: the 08:30 digests' work does not take the bot's core
        assert started.submit(os.nice, 0).result() == min(19, os.nice(0) + charts.NICENESS)
    finally:
        charts.stop_drawing()
    assert charts._pool is None


async def _no_chart_process(seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while multiprocessing.active_children() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return not multiprocessing.active_children()


@pytest.mark.parametrize("after", [0.0, 0.3])
async def test_a_stop_while_the_chart_process_starts_ends_it_rather_than_waiting(after):
    """The bot stopping in its first seconds (a restart, `docker stop`): the process still
    starting is ended, not waited for (it held the bot's exit 6-10 s on a busy machine)."""
    charts.stop_drawing()
    assert await _no_chart_process()
    drawing = asyncio.create_task(charts.start_drawing())
    await asyncio.sleep(after)  # before the start's thread got going, or while the process starts
    charts.stop_drawing()
    await asyncio.wait_for(drawing, 60)  # ends, without an error
    assert charts._pool is None and await _no_chart_process()
    png = await charts.apart(  # the next chart starts another
        charts.status_by_department,
        [charts.DepartmentLights("门诊部", {"red": 1})],
        "门诊部",
        {"red": "逾期"},
    )
    assert png.startswith(b"\x89PNG")
    charts.stop_drawing()


async def test_a_start_asked_for_before_a_stop_does_not_go_on_after_it():
    """The start's worker thread may begin only after the stop: it starts nothing then."""
    asked = charts._stops
    charts.stop_drawing()
    with pytest.raises(RuntimeError):
        charts._ready(asked)
    assert charts._pool is None and await _no_chart_process()


def test_the_chart_process_ends_when_the_bot_is_killed(tmp_path):
    """A bot killed outright (SIGKILL: no shutdown runs) leaves no chart process behind."""
    script = tmp_path / "killed_bot.py"
    script.write_text(
        "import os, signal, multiprocessing\n"
        "from documents import charts\n"
        "if __name__ == '__main__':\n"
        "    charts._ready()\n"
        "    print(*(p.pid for p in multiprocessing.active_children()), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    root = Path(__file__).resolve().parent.parent
    printed = tmp_path / "printed"
    # files, not pipes: a chart process left behind would hold a pipe open
    with printed.open("w") as out, (tmp_path / "errors").open("w") as errors:
        ran = subprocess.run(
            [sys.executable, str(script)],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            stdout=out,
            stderr=errors,
            timeout=120,
        )
    assert ran.returncode == -signal.SIGKILL, (tmp_path / "errors").read_text()
    children = [int(pid) for pid in printed.read_text().split()]
    assert children  # the chart process and the resource tracker
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False
