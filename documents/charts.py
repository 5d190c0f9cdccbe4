"""Charts for digests and the summary report, as PNG bytes.

Matplotlib's default font has no Chinese glyphs and draws empty boxes with only a warning, so
the bot looks for a CJK font once, at start, and refuses to start without one
(`require_cjk_font`). The pinned `mplfonts` package ships Noto Sans CJK SC, so a fresh
install always has one; a system font (Debian's fonts-noto-cjk) or CHART_FONT also works.

Rendering is CPU work, and Python work: in a thread of the bot's process it holds the
interpreter's lock in turns, so every reply waits a turn at each step while charts are drawn
(the 08:30 digests' charts doubled people's reply times). Callers on the event loop draw them
with `apart`, in a process of their own (spawned: nothing of the bot's state is inherited).
Each chart builds its own `Figure` (no pyplot state), so callers in threads share nothing.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.dates import num2date
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter
from PIL import Image

SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
)
PACKAGED_FONT = "fonts/NotoSansCJKsc-Regular.otf"
PROBE = "整改落实清单"

# One colour per traffic light, the same as the ledger workbook's status cells.
LIGHT_COLOURS = {
    "red": "#d9534f",
    "amber": "#f0ad4e",
    "green": "#5cb85c",
    "done": "#8c8c8c",
    "explained": "#5bc0de",
}


class FontMissing(RuntimeError):
    pass


def packaged_font() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / PACKAGED_FONT
        if path.is_file():
            return path
    return None


def _system_font() -> Path | None:
    for family in SYSTEM_FAMILIES:
        found = (
            font_manager.findfont(
                font_manager.FontProperties(family=family),
                fallback_to_default=False,
                rebuild_if_missing=False,
            )
            if _known(family)
            else None
        )
        if found:
            return Path(found)
    return None


def _known(family: str) -> bool:
    return any(entry.name == family for entry in font_manager.fontManager.ttflist)


def _covers_chinese(path: Path) -> bool:
    from matplotlib.ft2font import FT2Font

    font = FT2Font(str(path))
    return all(font.get_char_index(ord(ch)) for ch in PROBE)


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of a font that draws Chinese; registers the file with matplotlib."""
    chosen = os.environ.get("CHART_FONT", "").strip()
    candidates = [Path(chosen)] if chosen else [_system_font(), packaged_font()]
    for path in candidates:
        if path and path.is_file() and _covers_chinese(path):
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    raise FontMissing(
        "No font that draws Chinese was found for the charts. Install the pinned requirements "
        "(they include mplfonts with Noto Sans CJK SC), or `apt install fonts-noto-cjk`, or set "
        "CHART_FONT to a .otf/.ttf/.ttc file with Chinese glyphs."
        + (f" CHART_FONT={chosen} is missing or has no Chinese glyphs." if chosen else "")
    )


@lru_cache(maxsize=1)
def _drawn_characters() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    path = font_manager.findfont(font_manager.FontProperties(family=cjk_font()), fallback_to_default=False)
    return frozenset(FT2Font(path).get_charmap())


def drawable(text: str) -> str:
    """The text without the characters the chart's font has no glyph for: an emoji in a
    questionnaire's choice was printed as an empty box (and a warning logged)."""
    drawn = _drawn_characters()
    kept = "".join(ch for ch in text if ord(ch) in drawn or ch.isspace()).strip()
    return kept or text


def require_cjk_font() -> str:
    """Called at start so a missing font stops the bot at once, not at the first digest."""
    return cjk_font()


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=110)
    figure.set_layout_engine("constrained")
    return figure


def _png(figure: Figure) -> bytes:
    """The figure drawn once and encoded as an RGB PNG.

    Not `savefig`: with a layout engine it draws the figure twice (a rehearsal to lay it out,
    then the real one), and encodes an alpha channel that an opaque chart does not need. Here
    the one draw lays it out first, as `savefig`'s rehearsal does, so the pixels are the same.
    zlib's level 3, not its default 6: a tall chart encodes in half the time, 3% larger.
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", compress_level=3, dpi=(figure.dpi, figure.dpi))  # as savefig records it
    return buffer.getvalue()


@dataclass(frozen=True)
class DepartmentLights:
    department: str
    counts: dict[str, int]  # light -> problems


# Telegram's sendPhoto takes a photo whose width and height add up to at most 10,000 pixels, the
# one at most 20 times the other, of at most 10 MB; and shows it at most 1280 pixels on its
# long side, so a taller one is only scaled down past reading. A chart sent as a photo has at
# most PHOTO_ROWS bars (`fold`): at 200 departments one bar each was 11,209 px high, refused;
# 20 bars are 1,309 px, about what a phone shows without scaling the names down.
PHOTO_SIDES = 10_000
PHOTO_RATIO = 20
PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_ROWS = 20


@dataclass(frozen=True)
class Folded:
    """The bars a chart draws, and the departments it leaves out with their problems summed by
    light (none when every row has a bar): a caption names them, never a chart cut short in
    silence. Not a bar of their own: summed, it dwarfed every department's bar to a sliver."""

    rows: list[DepartmentLights]
    left_out: list[str]
    rest: dict[str, int]


def _need(row: DepartmentLights) -> tuple[int, int, int]:
    counts = row.counts
    return (-counts.get("red", 0), -counts.get("amber", 0), -sum(counts.values()))


def fold(rows: list[DepartmentLights], keep: int = PHOTO_ROWS) -> Folded:
    """At most `keep` bars. When there are more rows: the `keep` with the most red, then amber,
    then problems (what the reader must see first), in that order; the others' names (in the
    same order) and their problems by light, for the caption."""
    if len(rows) <= keep:
        return Folded(rows, [], {})
    ranked = sorted(rows, key=_need)  # stable: equal need keeps the caller's order
    shown, rest = ranked[:keep], ranked[keep:]
    summed: dict[str, int] = {}
    for row in rest:
        for light_name, count in row.counts.items():
            summed[light_name] = summed.get(light_name, 0) + count
    return Folded(shown, [row.department for row in rest], summed)


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header (IHDR)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def fits_a_photo(png: bytes) -> bool:
    """Whether Telegram's sendPhoto takes it (PHOTO_SIDES, PHOTO_RATIO, PHOTO_BYTES)."""
    width, height = png_size(png)
    return (
        width + height <= PHOTO_SIDES
        and max(width, height) <= PHOTO_RATIO * min(width, height)
        and len(png) <= PHOTO_BYTES
    )


# A digest's chart is read on a phone, where Telegram shows a photo about 300 points wide: at 7
# inches (770 px) the department names came out 5 points high, and the legend in the corner lay
# over the longest bars. The phone's chart is narrower, its text larger, its legend below it.
PHONE_WIDTH = 4.2
PHONE_TEXT = 11


def status_by_department(
    rows: list[DepartmentLights], title: str, labels: dict[str, str], phone: bool = False
) -> bytes:
    """Stacked horizontal bars: one bar per department, one segment per traffic light.

    Drawn as `barh` would draw them, pixel for pixel, but the segments are one collection, not a
    patch each: `barh` adds them one by one and re-reads the axes' limits for each, which was half
    the time of a 50-institution roll-up chart.
    """
    if len(rows) > MOST_ROWS:  # a caller's mistake: a chart is folded (`fold`) or split first
        raise ValueError(f"{len(rows)} bars would not fit a photo; fold them to {PHOTO_ROWS}")
    family = cjk_font()
    if phone:
        figure = _figure(PHONE_WIDTH, max(2.6, 0.5 * len(rows) + 1.9))
    else:
        figure = _figure(7.0, max(2.4, 0.45 * len(rows) + 1.4))
    axes = figure.add_subplot()
    boxes, colours, starts, handles = [], [], [], []
    left = [0] * len(rows)
    for light_name, colour in LIGHT_COLOURS.items():
        values = [row.counts.get(light_name, 0) for row in rows]
        if not any(values):  # a legend lists only what is drawn
            continue
        for y, (x, width) in enumerate(zip(left, values, strict=True)):
            boxes.append(_box(x, y, width))
            colours.append(colour)
        starts.extend(left)
        handles.append(Rectangle((0, 0), 1, 1, facecolor=colour, label=labels[light_name]))
        left = [a + b for a, b in zip(left, values, strict=True)]
    bars = PolyCollection(boxes, facecolors=colours, edgecolors="none")
    bars.sticky_edges.x.extend(starts)  # no margin beyond a segment's start, as with `barh`
    axes.add_collection(bars)
    axes.set_yticks(range(len(rows)), [drawable(row.department) for row in rows])
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    _label(axes, family, title)
    if phone:
        axes.tick_params(labelsize=PHONE_TEXT)
        axes.title.set_fontsize(PHONE_TEXT + 1)
        if handles:  # below the axis, never over the bars
            figure.legend(
                handles=handles,
                loc="outside lower center",
                ncols=min(len(handles), 3),
                prop={"family": family, "size": PHONE_TEXT - 1},
                frameon=False,
            )
    elif handles:  # beside the bars, not on them: inside it hid the last departments' bars
        axes.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), prop={"family": family}, fontsize=8
        )
    return _png(figure)


MOST_ROWS = 150  # bars a status chart can hold within PHOTO_SIDES and PHOTO_RATIO (84 inches)


def _box(x: float, y: int, width: float, height: float = 0.8) -> list[tuple[float, float]]:
    """A bar's corners, as `barh` draws it: centred on its row, 0.8 of a row high."""
    return [
        (x, y - height / 2),
        (x + width, y - height / 2),
        (x + width, y + height / 2),
        (x, y + height / 2),
    ]


def progress_over_time(
    days: list[date], listed: list[int], closed: list[int], title: str, labels: dict[str, str]
) -> bytes:
    """Problems on the list and problems closed, cumulative, day by day."""
    family = cjk_font()
    figure = _figure(7.0, 3.2)
    axes = figure.add_subplot()
    axes.plot(days, listed, color="#337ab7", label=labels["listed"])
    axes.fill_between(days, closed, color=LIGHT_COLOURS["green"], alpha=0.6, label=labels["closed"])
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)  # counts: no -0.04 below an empty period's line
    axes.xaxis.set_major_formatter(FuncFormatter(_month_day))  # 11月15日, as the report writes days
    figure.autofmt_xdate()
    _label(axes, family, title)
    axes.legend(loc="upper left", prop={"family": family}, fontsize=8)
    return _png(figure)


def _month_day(value: float, _position=None) -> str:
    day = num2date(value)
    return f"{day.month}月{day.day}日"


def _label(axes, family: str, title: str) -> None:
    # The title and the (empty) axis labels are placed, not left to matplotlib to find: finding
    # them measures every tick label again at each pass of the layout and of the drawing, which
    # for 50 names was a quarter of the time. The places are the ones it would find.
    axes.set_title(title, fontfamily=family, y=1.0)
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_label_coords(0.5, 0.5)
        axis.label.set_visible(False)
    axes.tick_params(labelfontfamily=family)
    axes.grid(axis="x", alpha=0.3)


# ---- drawing apart from the bot's process ----------------------------------------------------

_pool: ProcessPoolExecutor | None = None
_launching: ProcessPoolExecutor | None = None  # the process being started, not yet ready
_stops = 0  # how many times stop_drawing ran: a start that began before a stop does not go on
_launch_lock = threading.Lock()  # held for moments only, unlike _starting


def _started(stops: int) -> ProcessPoolExecutor:
    """The chart process, started and ready (its imports, font and a first chart done), made
    the one in use unless stop_drawing ran since `stops` was read: called in a worker thread,
    since starting a process and waiting for it would hold the event loop."""
    global _launching, _pool
    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_rehearse
    )
    with _launch_lock:
        stopped = _stops != stops  # the bot began to stop before this thread got here
        if not stopped:
            _launching = pool  # a stop while it starts ends it (stop_drawing), not waits for it
    if not stopped:
        try:
            pool.submit(int).result()
        finally:
            with _launch_lock:
                _launching = None
                stopped = _stops != stops
                if not stopped:
                    _pool = pool
    if stopped:
        _end(pool)
        raise RuntimeError("the chart process was stopped while it started")
    return pool


NICENESS = 5  # the chart process's priority below the bot's


def _rehearse() -> None:
    """A small chart drawn as the process starts, so the first real one does not also pay for
    reading the font's file and its glyphs, and loading the PNG encoder (a tenth of a second).
    The process also steps back in priority: it draws and writes out the 08:30 digests (a
    minute of CPU at full size), which must not take the core the bot answers people on."""
    os.nice(NICENESS)
    _leave_with_the_bot()
    status_by_department([DepartmentLights(PROBE, {"red": 1})], PROBE, {"red": PROBE})


def _leave_with_the_bot() -> None:
    """End this process when the bot's process ends, however it ends: a bot killed outright
    (out of memory, a second `kill -9`, a test's timeout) does not run the pool's shutdown, and
    its chart process would stay, one more at every restart under a supervisor."""
    bot = multiprocessing.parent_process()
    if bot is None:
        return

    def wait_for_the_bot() -> None:
        multiprocessing.connection.wait([bot.sentinel])
        os._exit(0)

    threading.Thread(target=wait_for_the_bot, name="leave-with-the-bot", daemon=True).start()


_starting = threading.Lock()  # a thread's lock: the process is started in worker threads


def _ready(stops: int | None = None) -> ProcessPoolExecutor:
    """The chart process, started by whoever asks first (the bot's start, or a chart).
    `stops`: stop_drawing's count when it was asked for (a thread may start after a stop)."""
    global _pool
    stops = _stops if stops is None else stops
    with _starting:
        return _pool or _started(stops)


async def start_drawing() -> None:
    """Start the chart process now, in a worker thread, so that the first digests after a
    start (the 08:30 pass, the body's roll-up) do not also wait for a process to start,
    matplotlib to load and the font to be read: about 2.4 s of the roll-up digest's 3.7 s at
    city scale. A stop while it starts ends it (the first chart then starts another)."""
    try:
        await asyncio.to_thread(_ready, _stops)
    except (BrokenProcessPool, RuntimeError):  # ended by stop_drawing while it started
        pass


Drawn = TypeVar("Drawn")  # what the chart process hands back: a chart's bytes, a prepared digest


async def apart(draw: Callable[..., Drawn], *args) -> Drawn:
    """`draw(*args)` in the chart process (started on first use if the bot's start has not
    started it; one process: charts come one after another, and a second core stays for the
    bot). A process that died is started again once."""
    global _pool
    loop = asyncio.get_running_loop()
    for attempt in range(2):
        pool = _pool or await asyncio.to_thread(_ready, _stops)
        try:
            return await loop.run_in_executor(pool, draw, *args)
        except BrokenProcessPool:
            with _launch_lock:
                if _pool is pool:
                    _pool = None
            if attempt:
                raise
    raise AssertionError("unreachable")


def stop_drawing() -> None:
    """End the chart process at once (the bot is stopping; the next chart starts another). It
    holds nothing to save, and is ended rather than asked to finish: a process still starting
    reads the request only once started, and started in the first seconds of a busy machine's
    bot (imports, matplotlib, the font: 6-10 s at a load of 5) it held the bot's exit past
    the 10 s `docker stop` allows."""
    global _pool, _stops
    with _launch_lock:
        _stops += 1
        ending = {_pool, _launching} - {None}
        _pool = None
    for pool in ending:
        _end(pool)


def _end(pool: ProcessPoolExecutor) -> None:
    # the executor's own list of its worker: the only handle on it before Python 3.14's
    # terminate_workers()
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
