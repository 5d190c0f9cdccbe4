"""The digests' charts alone (documents/charts.py), against a floor measured in the same run:
an empty matplotlib figure of the same size saved as PNG (what any chart of that size costs).

- the body's roll-up chart of N institutions (jobs/supervision.draw_chart), drawn here and in
  the chart process (`charts.apart`, as the 09:00 pass draws it): the first chart, which starts
  the process, and later ones;
- one leader's digest chart of D departments (jobs/digests' chart), drawn here.

No database: the figures are made up, each institution with problems in every light.

    python bench/charts.py [--institutions 50 --departments 12 --runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import time

from harness import machine
from matplotlib.figure import Figure

from documents import charts
from jobs import supervision
from storage.rollup import Figures

PLACES = ("市", "县", "区", "镇", "乡")
KINDS = ("人民医院", "中医医院", "妇幼保健院", "卫生院", "社区卫生服务中心", "第二人民医院")


def institutions(count: int) -> list[Figures]:
    """`count` institutions with Chinese names of 5 to 14 characters, ranked as the roll-up does."""
    rng = random.Random(21)
    found = []
    for n in range(1, count + 1):
        lights = {
            "red": rng.randint(0, 900),
            "amber": rng.randint(0, 900),
            "green": rng.randint(0, 3000),
            "done": rng.randint(0, 5000),
            "explained": rng.randint(0, 300),
        }
        name = f"{PLACES[n % len(PLACES)]}{n}{KINDS[n % len(KINDS)]}"
        found.append(Figures(name, total=sum(lights.values()), by_light=lights))
    return found


def departments(count: int) -> tuple:
    rng = random.Random(24)
    rows = [
        charts.DepartmentLights(f"科室{n}", {light: rng.randint(0, 40) for light in charts.LIGHT_COLOURS})
        for n in range(1, count + 1)
    ]
    labels = {name: name for name in charts.LIGHT_COLOURS}
    return rows, "各科室整改状态", labels


def empty_png(rows: int) -> float:
    """The floor: an empty figure the size of a chart of `rows` bars, saved as PNG."""
    figure = Figure(figsize=(7.0, max(2.4, 0.45 * rows + 1.4)), dpi=110)
    started = time.perf_counter()
    figure.savefig(io.BytesIO(), format="png")
    return time.perf_counter() - started


def best(runs: int, draw) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        draw()
        times.append(time.perf_counter() - started)
    return min(times)


async def apart(ranked: list[Figures], runs: int) -> tuple[float, float]:
    """The roll-up chart in the chart process: the first one (which starts the process) and
    the best of the later ones."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        await supervision.draw_chart_apart("zh-CN", ranked)
        times.append(time.perf_counter() - started)
    charts.stop_drawing()
    return times[0], min(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--institutions", type=int, default=50)
    parser.add_argument("--departments", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    charts.cjk_font()
    ranked = institutions(args.institutions)
    department_chart = departments(args.departments)
    supervision.draw_chart("zh-CN", ranked)  # this process's font and glyphs read once
    results = {
        f"the roll-up chart of {args.institutions} institutions, drawn here": (
            best(args.runs, lambda: supervision.draw_chart("zh-CN", ranked)),
            min(empty_png(args.institutions) for _ in range(args.runs)),
        ),
        f"a leader's digest chart of {args.departments} departments, drawn here": (
            best(args.runs, lambda: charts.status_by_department(*department_chart)),
            min(empty_png(args.departments) for _ in range(args.runs)),
        ),
    }
    first, later = asyncio.run(apart(ranked, args.runs))
    floor = min(empty_png(args.institutions) for _ in range(args.runs))
    results["the roll-up chart in the chart process, the first (the process started for it)"] = (first, floor)
    results["the roll-up chart in the chart process, later ones (best)"] = (later, floor)
    png = supervision.draw_chart("zh-CN", ranked)
    print(f"the roll-up chart: {len(png) / 1024:.0f} KB")
    for name, (value, base) in results.items():
        print(f"{name}: {value * 1000:,.1f} ms = {value / base:.1f} × floor ({base * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
