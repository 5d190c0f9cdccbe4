"""The ledger (整改台账) as the Excel sheet offices keep and report upward: Chinese headers as
offices use them, header frozen and repeated on every printed page, A4 landscape fitted to the
page width, long text wrapped with rows tall enough to show it, the status cell coloured, dates
as real dates, satisfaction as a number; a second sheet sums it up by department.

The workbook is openpyxl's (write-only mode: styles, print setup, the header, the summary
sheet), but the ledger's rows are written into the sheet's XML here, streamed into the file:
openpyxl's objects per cell (creating, type-checking and serialising each) were three
quarters of a 100,000-row export's 90 s. The cells are written as openpyxl writes them (inline
strings, the same checks on text, dates as serial numbers, the same styles by index), so the
file reads back the same; memory stays flat."""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import math
import os
import re
import sys
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.fonts import DEFAULT_FONT
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from documents import chinese_date
from storage import extensions, lookbacks, problems
from storage.problems import Problem
from texts import say

HEADERS = (
    "序号",
    "编号",
    "问题来源",
    "问题类别",
    "问题描述",
    "整改措施",
    "责任领导",
    "责任科室",
    "完成时限",
    "整改类型",
    "近中远期",
    "整改进展",
    "完成情况",
    "销号时间",
    "回头看结果",
    "群众满意度",
    "状态",
    "说明原因",
    "复查日期",
    "延期次数",
)
WIDTHS = (5, 6, 10, 10, 30, 30, 9, 11, 16, 10, 6, 24, 10, 16, 10, 8, 8, 20, 16, 6)  # dates: 2026年12月31日
# free text and names (a department may be 党委办公室（院长办公室）): wrapped, the row made tall enough
WRAPPED = {3, 4, 5, 6, 7, 11, 17}
FILLS = {
    problems.RED: "FFC7CE",
    problems.AMBER: "FFEB9C",
    problems.GREEN: "C6EFCE",
    problems.DONE: "DDEBF7",
    problems.EXPLAINED: "E4DFEC",
}
LIGHT_NAMES = {
    problems.RED: "红灯",
    problems.AMBER: "黄灯",
    problems.GREEN: "绿灯",
    problems.DONE: "已完成",
    problems.EXPLAINED: "已说明原因",
}
SUMMARY_HEADERS = ("责任科室", "问题数", "已完成", "整改中", "逾期", "已说明原因", "延期次数", "完成率")
LANGUAGE = "zh-CN"  # the ledger goes upward in the office's own language


def bold(size: float = DEFAULT_FONT.sz) -> Font:
    """The workbook's own font in bold: a bare Font(bold=True) names no face, and LibreOffice
    printed those cells (the header, 合计) in a serif face of another size."""
    return Font(
        name=DEFAULT_FONT.name, family=DEFAULT_FONT.family, scheme=DEFAULT_FONT.scheme, sz=size, bold=True
    )


LINE_HEIGHT = 18  # points per line of 11-point text in a CJK font (measured in LibreOffice)
TOP = Alignment(vertical="top")
NO_DEPARTMENT = "（未定科室）"  # listed or claimed, not yet dispatched
NOTHING = "（暂无符合条件的问题）"
PROGRESS_TEXT = 200  # characters of the latest report shown beside its percentage
MAX_ROW_HEIGHT = 409  # points: Excel's tallest row; a taller one is printed cut off at this
MAX_LINES = MAX_ROW_HEIGHT // LINE_HEIGHT


LOOKBACK_LABELS = {"held": "效果保持", "reopened": "重新整改", "too_few": "票数不足"}


def _lookback_cells(found: tuple[str, dict[str, int]] | None) -> tuple[str, object]:
    """The latest decided look-back's result and the share satisfied (满意 + 基本满意)."""
    if found is None:
        return "", ""
    result, counts = found
    if result == "too_few":
        return LOOKBACK_LABELS[result], ""  # too few votes: no share is published
    counted = sum(counts[c] for c in lookbacks.COUNTED)
    return LOOKBACK_LABELS[result], (counts["satisfied"] + counts["basic"]) / counted if counted else ""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(
    sheet,
    value,
    fill: str | None = None,
    wrap: bool = False,
    number_format: str | None = None,
    top: bool = False,
):
    cell = WriteOnlyCell(sheet, value=value)
    quoted = False
    if isinstance(value, str):
        # openpyxl stores any string starting with "=" as a formula, and Excel re-reads a typed
        # "+", "-" or "@" as one: text people typed stays text (and shows as typed).
        cell.data_type = "s"
        quoted = value.startswith(FORMULA_STARTS)
    if fill or wrap or number_format or top or quoted:
        # one style per combination, made once per workbook and copied: building and hashing
        # style objects per cell was a tenth of a large export's time
        cell._style = copy(_style(sheet, fill, wrap, number_format, top, quoted))
    return cell


def _style(sheet, fill: str | None, wrap: bool, number_format: str | None, top: bool, quoted: bool):
    styles = sheet.parent.__dict__.setdefault("_ledger_styles", {})
    key = (fill, wrap, number_format, top, quoted)
    if key not in styles:
        prototype = WriteOnlyCell(sheet)
        if fill:
            prototype.fill = PatternFill("solid", start_color=fill, end_color=fill)
        if wrap:
            prototype.alignment = Alignment(wrap_text=True, vertical="top")
        elif top:
            prototype.alignment = TOP
        if number_format:
            prototype.number_format = number_format
        prototype.quotePrefix = quoted
        styles[key] = prototype._style
    return styles[key]


def _progress_text(problem: Problem, latest: problems.Report | None, zone: ZoneInfo) -> str:
    """The percentage, and what the latest report said and when: a bare 70% tells the superior
    body nothing."""
    if latest is None:
        return f"{problem.progress}%"
    text = latest.text if len(latest.text) <= PROGRESS_TEXT else latest.text[:PROGRESS_TEXT] + "…"
    return f"{problem.progress}%（{chinese_date(latest.at.astimezone(zone).date())}）{text}"


CHINESE_DATE = 'yyyy"年"m"月"d"日"'  # as officials write a date, not 2026-12-31
FORMATS = {8: CHINESE_DATE, 13: CHINESE_DATE, 15: "0%", 18: CHINESE_DATE}


@dataclass(frozen=True)
class _Looked:
    """What a row shows besides the problem itself, read for a chunk of rows at once."""

    reports: dict[int, problems.Report]
    lookbacks: dict[int, tuple[str, dict[str, int]]]
    extended: dict[int, int]


@functools.cache
def _label(key: str) -> str:
    return say(LANGUAGE, key)


def _values(number: int, problem: Problem, light: str, looked: _Looked, zone: ZoneInfo) -> list:
    lookback, satisfaction = _lookback_cells(looked.lookbacks.get(problem.id))
    closed = problem.closed_at.astimezone(zone).date() if problem.closed_at else None
    explained = problem.status == problems.EXPLAINED
    return [
        number,
        problem.id,
        _label(f"problem.source.{problem.source}"),
        problem.category or "",
        fitting(problem.description or problem.title, 4, problem.id),
        fitting(problem.measures or "", 5, problem.id),
        problem.leader or "",
        problem.department or "",
        problem.deadline,
        _label(f"problem.kind.{problem.kind}"),
        _label(f"problem.horizon.{problem.horizon}"),
        fitting(_progress_text(problem, looked.reports.get(problem.id), zone), 11, problem.id),
        _label(f"problem.status.{problem.status}"),
        closed,
        lookback,
        satisfaction,
        LIGHT_NAMES[light],
        fitting(problem.explanation or "", 17, problem.id) if explained else "",
        problem.review_on if explained else None,
        looked.extended.get(problem.id, 0),
    ]


class _RowWriter:
    """The ledger's rows as the sheet's XML, cell by cell as openpyxl's write-only mode writes
    them; each combination of style is registered with the workbook once. A cell's XML after
    its reference is kept for the columns whose values repeat (labels, names, dates, counts):
    formatting two million cells one by one was most of a large export's time."""

    COLUMNS = [get_column_letter(index) for index in range(1, len(HEADERS) + 1)]
    REPEATING = frozenset({2, 3, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 18, 19})
    FILLED = frozenset({12, 16})
    KEPT = 50_000  # cells' XML kept at most (a deployment's names and dates are far fewer)

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.ids: dict[tuple, int] = {}
        self.kept: dict[tuple, str] = {}

    def style_id(self, key: tuple) -> int:
        if key not in self.ids:
            self.ids[key] = self.sheet.parent._cell_styles.add(_style(self.sheet, *key))
        return self.ids[key]

    def cell(self, index: int, value, light: str) -> str:
        quoted = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        # a tall row reads from its top line, short cells included
        key = (
            FILLS[light] if index in self.FILLED else None,
            index in WRAPPED,
            FORMATS.get(index) if value not in (None, "") else None,
            True,
            quoted,
        )
        return _cell_tail(self.style_id(key), value)

    def row(self, row_index: int, values: list, light: str) -> str:
        number = str(row_index)
        cells = [f'<row r="{number}" ht="{safe_string(float(row_height(values)))}" customHeight="1">']
        kept, repeating, filled = self.kept, self.REPEATING, self.FILLED
        for index, (column, value) in enumerate(zip(self.COLUMNS, values, strict=True)):
            if index in repeating:
                key = (index, light if index in filled else None, type(value), value)
                tail = kept.get(key)
                if tail is None:
                    if len(kept) >= self.KEPT:
                        kept.clear()
                    tail = kept[key] = self.cell(index, value, light)
            else:
                tail = self.cell(index, value, light)
            cells.append(f'<c r="{column}{number}"{tail}')
        cells.append("</row>")
        return "".join(cells)


def _escaped(text: str) -> str:
    """What openpyxl's XML writer makes of text (str.translate was three times slower)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cell_tail(style: int, value) -> str:
    """A cell's XML after its reference, as openpyxl's write-only mode writes it."""
    if value is None:
        return f' s="{style}" t="n"></c>'
    if isinstance(value, str):
        if value == "":
            return f' s="{style}" t="inlineStr"></c>'
        value = value[:32767]  # openpyxl's checks on text, kept
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f' s="{style}" t="inlineStr"><is><t{space}>{_escaped(value)}</t></is></c>'
    if isinstance(value, bool):
        raise TypeError("no yes/no cell in the ledger")
    if isinstance(value, date):
        value = to_excel(value)
    return f' s="{style}" t="n"><v>{safe_string(value)}</v></c>'


def display_width(text: str) -> float:
    """Width in Excel's character units (the width of a digit): a Chinese character takes a
    little over two (14 fit a column 30 wide, in LibreOffice and in Excel)."""
    if text.isascii():
        return 1.1 * len(text)
    narrow = sum(map(len, _narrow_runs().findall(text)))  # few runs in Chinese text, few objects
    return 1.1 * len(text) + 1.1 * (len(text) - narrow)


@functools.cache
def _wide() -> re.Pattern:
    """The characters Unicode calls wide or full-width, as one pattern (asking unicodedata
    character by character was a third of a large export's time)."""
    ranges, start = [], None
    for point in range(sys.maxunicode + 2):
        wide = point <= sys.maxunicode and unicodedata.east_asian_width(chr(point)) in "WF"
        if wide and start is None:
            start = point
        elif not wide and start is not None:
            ranges.append((start, point - 1))
            start = None
    return re.compile("[" + _wide_class(ranges) + "]")


@functools.cache
def _narrow_runs() -> re.Pattern:
    """Runs of the characters that are not wide: counting them (and the wide by difference)
    makes one match per run instead of one per Chinese character."""
    return re.compile("[^" + _wide().pattern[1:] + "+")


def _wide_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


def _lines(text: str, index: int) -> int:
    room = max(WIDTHS[index] - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / room)) for part in text.split("\n"))


def row_height(values: list) -> float:
    """Points that show every wrapped cell whole (Excel does not grow rows it did not lay out)."""
    lines = max(_lines(str(values[index] or ""), index) for index in WRAPPED)
    return min(lines, MAX_LINES) * LINE_HEIGHT


def fitting(text: str, index: int, problem_id: int) -> str:
    """The text, or as much of it as a row of Excel's greatest height shows and then where the
    rest is: a 2,000-character 整改措施 was printed cut off after some 300 with no word of it."""
    short = "\n" not in text and len(text) * 2.2 <= (WIDTHS[index] - 1) * MAX_LINES
    if short or _lines(text, index) <= MAX_LINES:  # the first test measures nothing
        return text
    rest = f"……（全文 {len(text)} 字，见整改通问题 #{problem_id}）"
    low, high = 0, len(text)
    while low < high:  # the longest beginning that fits with the note after it
        middle = (low + high + 1) // 2
        if _lines(text[:middle] + rest, index) <= MAX_LINES:
            low = middle
        else:
            high = middle - 1
    return text[:low] + rest


def _print_setup(sheet, title: str) -> None:
    """A4 landscape, fitted to the page width, the header row repeated on every page, the
    title at the head of every page and its number at the foot (a stack of 60 pages that
    falls apart can be put back in order)."""
    sheet.oddHeader.center.text = title
    sheet.oddHeader.center.size = 12
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.gridLines = True


def _header(sheet, titles, widths) -> None:
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold()
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header.append(cell)
    lines = [
        math.ceil(display_width(title) / max(width - 1, 1))
        for title, width in zip(titles, widths, strict=True)
    ]
    sheet.row_dimensions[1].height = LINE_HEIGHT * max(lines)
    sheet.append(header)


class _Tally:
    """The by-department summary, counted while the rows are written."""

    def __init__(self, today: date, institution: str = "") -> None:
        self.today, self.institution = today, institution
        self.rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, problem: Problem, light: str, extended: int) -> None:
        row = self.rows[problem.department or NO_DEPARTMENT]
        row["total"] += 1
        row["done"] += light == problems.DONE
        row["working"] += problem.status in problems.WORKING
        # red for its deadline (a listed problem nobody claimed is red too, but not late)
        row["overdue"] += light == problems.RED and bool(problem.deadline and problem.deadline < self.today)
        row["explained"] += light == problems.EXPLAINED
        row["extended"] += extended

    def write(self, book) -> None:
        sheet = book.create_sheet("按科室汇总")
        _print_setup(sheet, f"{self.institution}整改台账·按科室汇总（截至{chinese_date(self.today)}）")
        # the names column as wide as the longest name (党委办公室（院长办公室）), within a page
        longest = max(map(display_width, self.rows), default=0) + 1
        _header(sheet, SUMMARY_HEADERS, (min(max(16, math.ceil(longest)), 60), 8, 8, 8, 8, 10, 10, 10))
        order = sorted(self.rows.items(), key=lambda item: (-item[1]["total"], item[0]))
        totals: dict[str, int] = defaultdict(int)
        for name, row in order:
            for key, value in row.items():
                totals[key] += value
            sheet.append(self._cells(sheet, name, row))
        sheet.append(self._cells(sheet, "合计", totals, total=True))  # 0 when nothing was listed

    @staticmethod
    def _cells(sheet, name: str, row: dict, total: bool = False) -> list:
        values = [
            name,
            row["total"],
            row["done"],
            row["working"],
            row["overdue"],
            row["explained"],
            row["extended"],
            row["done"] / row["total"] if row["total"] else 0,
        ]
        cells = [
            _cell(sheet, value, number_format="0.0%" if index == 7 else None)
            for index, value in enumerate(values)
        ]
        if total:
            for cell in cells:
                cell.font = bold()
        return cells


def _chunks(found: Iterator[Problem]) -> Iterator[list[Problem]]:
    while chunk := list(itertools.islice(found, problems.CHUNK)):
        yield chunk


SHEET_XML = "xl/worksheets/sheet1.xml"


def _book(today: date, institution: str = "") -> tuple[Workbook, Worksheet]:
    """The workbook with the ledger's sheet set up and its header written; each printed page
    headed with whose ledger it is (a supervisor prints those of a dozen institutions)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("整改台账")
    _print_setup(sheet, f"{institution}整改台账（截至{chinese_date(today)}）")
    _header(sheet, HEADERS, WIDTHS)
    return book, sheet


def _frame(today: date, institution: str = "") -> tuple[bytes, bytes, list]:
    """The ledger sheet's XML before and after its rows, as openpyxl writes it for a sheet with
    the header alone (set up exactly as the real one), and the styles that header registered."""
    book, _ = _book(today, institution)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        xml = archive.read(SHEET_XML)
    cut = xml.rindex(b"</sheetData>")
    return xml[:cut], xml[cut:], list(book._cell_styles)


def write(
    db: sqlite_utils.Database,
    out,
    today: date,
    zone: ZoneInfo,
    *,
    which: problems.Filter = problems.EVERYTHING,
    amber: int = 3,
    stale: int = 14,
    unclaimed: tuple[int, int] = problems.UNCLAIMED_WORKING_DAYS,
    institution: str = "",
) -> int:
    """Write the ledger of the problems `which` covers to `out` (a path or a binary file);
    returns the number of problems. The problems are read in keyset chunks, and each chunk's
    latest reports and look-backs in one query each: no query per row. The rows stream into
    the file's sheet first; the rest of the workbook (styles, the summary) follows."""
    head, tail, framed = _frame(today, institution)
    book, sheet = _book(today, institution)
    try:
        if list(book._cell_styles) != framed:
            raise AssertionError("the ledger sheet's frame was set up differently")
        limits = (amber, stale, unclaimed)
        count = _stream(db, out, book, sheet, (head, tail), today, zone, which, limits, institution)
    except BaseException:
        with contextlib.suppress(Exception):
            sheet.close()  # the unsaved workbook's own stream (openpyxl complains when collected)
        if isinstance(out, str | os.PathLike):
            Path(out).unlink(missing_ok=True)  # no half-written file left behind
        raise
    return count


def _stream(
    db,
    out,
    book,
    sheet,
    frame: tuple[bytes, bytes],
    today: date,
    zone: ZoneInfo,
    which: problems.Filter,
    limits: tuple[int, int, tuple[int, int]],
    institution: str,
) -> int:
    rows = _RowWriter(sheet)
    extended = extensions.approved_counts(db)
    head, tail = frame
    tally = _Tally(today, institution)
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        with archive.open(SHEET_XML, "w", force_zip64=True) as stream:
            stream.write(head)
            for chunk in _chunks(problems.each(db, which, by_deadline=True)):
                ids = [p.id for p in chunk]
                looked = _Looked(
                    problems.latest_reports(db, ids), lookbacks.latest_results(db, ids), extended
                )
                written = []
                for problem in chunk:
                    count += 1
                    light = problems.light(problem, today, *limits)
                    written.append(rows.row(count + 1, _values(count, problem, light, looked, zone), light))
                    tally.add(problem, light, extended.get(problem.id, 0))
                stream.write("".join(written).encode())
            if not count:  # a printed sheet of headers alone reads as a page gone missing
                stream.write(
                    f'<row r="2"><c r="E2" t="inlineStr"><is><t>{NOTHING}</t></is></c></row>'.encode()
                )
            stream.write(tail)
        tally.write(book)
        rest = io.BytesIO()
        book.save(rest)
        with zipfile.ZipFile(rest) as saved:
            for member in saved.infolist():
                if member.filename != SHEET_XML:
                    archive.writestr(member, saved.read(member.filename), zipfile.ZIP_DEFLATED)
    return count


def to_bytes(db: sqlite_utils.Database, today: date, zone: ZoneInfo, **options) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    count = write(db, buffer, today, zone, **options)
    return buffer.getvalue(), count
