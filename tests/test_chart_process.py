"""The chart process: started once, by the bot's start or by the first chart, whichever comes
first; a digest drawn after the start does not start another."""

from __future__ import annotations

import asyncio
import multiprocessing
import os

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
