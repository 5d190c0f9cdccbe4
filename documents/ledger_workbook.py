"""The ledger (整改台账) as the Excel sheet offices keep and report upward: Chinese headers as
offices use them, header frozen and repeated on every printed page, A4 landscape fitted to the
page width, long text wrapped with rows tall enough to show it, the status cell coloured, dates
as real dates, satisfaction as a number; a second sheet sums it up by department.
Written in openpyxl's write-only mode so that memory stays flat for large ledgers."""

from __future__ import annotations

import io
import itertools
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from copy import copy
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from storage import extensions, lookbacks, problems
from storage.problems import Problem
from texts import say

HEADERS = ("序号", "编号", "问题来源", "问题类别", "问题描述", "整改措施", "责任领导", "责任科室", "完成时限",
           "整改类型", "近中远期", "整改进展", "完成情况", "销号时间", "回头看结果", "群众满意度", "状态",
           "说明原因", "复查日期", "延期次数")
WIDTHS = (5, 6, 10, 10, 30, 30, 9, 11, 11, 10, 6, 24, 10, 11, 10, 8, 8, 20, 11, 6)
WRAPPED = {4, 5, 11, 17}  # columns of free text: wrapped, and the row made tall enough
FILLS = {problems.RED: "FFC7CE", problems.AMBER: "FFEB9C", problems.GREEN: "C6EFCE", problems.DONE: "DDEBF7",
         problems.EXPLAINED: "E4DFEC"}
LIGHT_NAMES = {problems.RED: "红灯", problems.AMBER: "黄灯", problems.GREEN: "绿灯", problems.DONE: "已完成",
               problems.EXPLAINED: "已说明原因"}
SUMMARY_HEADERS = ("责任科室", "问题数", "已完成", "整改中", "逾期", "已说明原因", "延期次数", "完成率")
LANGUAGE = "zh-CN"  # the ledger goes upward in the office's own language
LINE_HEIGHT = 18  # points per line of 11-point text in a CJK font (measured in LibreOffice)
TOP = Alignment(vertical="top")
NO_DEPARTMENT = "（未定科室）"  # listed or claimed, not yet dispatched
PROGRESS_TEXT = 200  # characters of the latest report shown beside its percentage


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


def _cell(sheet, value, fill: str | None = None, wrap: bool = False, number_format: str | None = None,
          top: bool = False):
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
    return f"{problem.progress}%（{latest.at.astimezone(zone).date().isoformat()}）{text}"


FORMATS = {8: "yyyy-mm-dd", 13: "yyyy-mm-dd", 15: "0%", 18: "yyyy-mm-dd"}


@dataclass(frozen=True)
class _Looked:
    """What a row shows besides the problem itself, read for a chunk of rows at once."""
    reports: dict[int, problems.Report]
    lookbacks: dict[int, tuple[str, dict[str, int]]]
    extended: dict[int, int]


def _row(sheet, number: int, problem: Problem, light: str, looked: _Looked, zone: ZoneInfo):
    lookback, satisfaction = _lookback_cells(looked.lookbacks.get(problem.id))
    closed = problem.closed_at.astimezone(zone).date() if problem.closed_at else None
    explained = problem.status == problems.EXPLAINED
    values = [
        number, problem.id, say(LANGUAGE, f"problem.source.{problem.source}"), problem.category or "",
        problem.description or problem.title, problem.measures or "", problem.leader or "",
        problem.department or "", problem.deadline, say(LANGUAGE, f"problem.kind.{problem.kind}"),
        say(LANGUAGE, f"problem.horizon.{problem.horizon}"),
        _progress_text(problem, looked.reports.get(problem.id), zone),
        say(LANGUAGE, f"problem.status.{problem.status}"), closed, lookback, satisfaction,
        LIGHT_NAMES[light], (problem.explanation or "") if explained else "",
        problem.review_on if explained else None, looked.extended.get(problem.id, 0),
    ]
    # a tall row reads from its top line, short cells included
    return [_cell(sheet, value, fill=FILLS[light] if index in (12, 16) else None, wrap=index in WRAPPED,
                  number_format=FORMATS.get(index) if value not in (None, "") else None, top=True)
            for index, value in enumerate(values)]


def display_width(text: str) -> float:
    """Width in Excel's character units (the width of a digit): a Chinese character takes a
    little over two (14 fit a column 30 wide, in LibreOffice and in Excel)."""
    return sum(2.2 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def row_height(values: list) -> float:
    """Points that show every wrapped cell whole (Excel does not grow rows it did not lay out)."""
    lines = 1
    for index in WRAPPED:
        text = str(values[index] or "")
        room = max(WIDTHS[index] - 1, 1)
        lines = max(lines, sum(max(1, math.ceil(display_width(part) / room)) for part in text.split("\n")))
    return lines * LINE_HEIGHT


def _print_setup(sheet) -> None:
    """A4 landscape, fitted to the page width, the header row repeated on every page."""
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
    bold = Font(bold=True)
    header = []
    for title in titles:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header.append(cell)
    lines = [math.ceil(display_width(title) / max(width - 1, 1))
             for title, width in zip(titles, widths, strict=True)]
    sheet.row_dimensions[1].height = LINE_HEIGHT * max(lines)
    sheet.append(header)


class _Tally:
    """The by-department summary, counted while the rows are written."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, problem: Problem, light: str, extended: int) -> None:
        row = self.rows[problem.department or NO_DEPARTMENT]
        row["total"] += 1
        row["done"] += light == problems.DONE
        row["working"] += problem.status in problems.WORKING
        row["overdue"] += light == problems.RED
        row["explained"] += light == problems.EXPLAINED
        row["extended"] += extended

    def write(self, book) -> None:
        sheet = book.create_sheet("按科室汇总")
        _print_setup(sheet)
        _header(sheet, SUMMARY_HEADERS, (16, 8, 8, 8, 8, 10, 10, 10))
        order = sorted(self.rows.items(), key=lambda item: (-item[1]["total"], item[0]))
        totals: dict[str, int] = defaultdict(int)
        for name, row in order:
            for key, value in row.items():
                totals[key] += value
            sheet.append(self._cells(sheet, name, row))
        if order:
            sheet.append(self._cells(sheet, "合计", totals, bold=True))

    @staticmethod
    def _cells(sheet, name: str, row: dict, bold: bool = False) -> list:
        values = [name, row["total"], row["done"], row["working"], row["overdue"], row["explained"],
                  row["extended"], row["done"] / row["total"] if row["total"] else 0]
        cells = [_cell(sheet, value, number_format="0.0%" if index == 7 else None)
                 for index, value in enumerate(values)]
        if bold:
            for cell in cells:
                cell.font = Font(bold=True)
        return cells


def _chunks(found: Iterator[Problem]) -> Iterator[list[Problem]]:
    while chunk := list(itertools.islice(found, problems.CHUNK)):
        yield chunk


def write(db: sqlite_utils.Database, out, today: date, zone: ZoneInfo, *,
          which: problems.Filter = problems.EVERYTHING, amber: int = 3, stale: int = 14) -> int:
    """Write the ledger of the problems `which` covers to `out` (a path or a binary file);
    returns the number of problems. The problems are read in keyset chunks, and each chunk's
    latest reports and look-backs in one query each: no query per row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("整改台账")
    _print_setup(sheet)
    _header(sheet, HEADERS, WIDTHS)
    extended = extensions.approved_counts(db)
    tally = _Tally()
    count = 0
    for chunk in _chunks(problems.each(db, which, by_deadline=True)):
        ids = [p.id for p in chunk]
        looked = _Looked(problems.latest_reports(db, ids), lookbacks.latest_results(db, ids), extended)
        for problem in chunk:
            count += 1
            light = problems.light(problem, today, amber, stale)
            cells = _row(sheet, count, problem, light, looked, zone)
            sheet.row_dimensions[count + 1].height = row_height([c.value for c in cells])
            sheet.append(cells)
            # the row is written out: its height need not stay in memory 100,000 times
            del sheet.row_dimensions[count + 1]
            tally.add(problem, light, extended.get(problem.id, 0))
    tally.write(book)
    book.save(out)
    return count


def to_bytes(db: sqlite_utils.Database, today: date, zone: ZoneInfo, **options) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    count = write(db, buffer, today, zone, **options)
    return buffer.getvalue(), count
