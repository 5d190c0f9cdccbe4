"""The ledger (整改台账) as the Excel sheet offices keep and report upward: Chinese headers as
offices use them, header frozen and repeated on every printed page, A4 landscape fitted to the
page width, long text wrapped with rows tall enough to show it, the status cell coloured, dates
as real dates, satisfaction as a number; a second sheet sums it up by department.
Written in openpyxl's write-only mode so that memory stays flat for large ledgers."""

from __future__ import annotations

import io
import math
import unicodedata
from collections import defaultdict
from copy import copy
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


def _lookback_cells(db: sqlite_utils.Database, problem_id: int) -> tuple[str, str]:
    row = lookbacks.latest_result(db, problem_id)
    if row is None:
        return "", ""
    lookback_id, result = row
    label = {"held": "效果保持", "reopened": "重新整改", "too_few": "票数不足"}[result]
    if result == "too_few":
        return label, ""  # too few votes: no share is published
    counts = lookbacks.tally(db, lookback_id)
    counted = sum(counts[c] for c in lookbacks.COUNTED)
    return label, (counts["satisfied"] + counts["basic"]) / counted if counted else ""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(sheet, value, fill: str | None = None, wrap: bool = False, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl stores any string starting with "=" as a formula, and Excel re-reads a typed
        # "+", "-" or "@" as one: text people typed stays text (and shows as typed).
        cell.data_type = "s"
        cell.quotePrefix = value.startswith(FORMULA_STARTS)
    if fill:
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if number_format:
        cell.number_format = number_format
    return cell


def _progress_text(db, problem: Problem, zone: ZoneInfo) -> str:
    """The percentage, and what the latest report said and when: a bare 70% tells the superior
    body nothing."""
    latest = problems.latest_report(db, problem.id)
    if latest is None:
        return f"{problem.progress}%"
    text = latest.text if len(latest.text) <= PROGRESS_TEXT else latest.text[:PROGRESS_TEXT] + "…"
    return f"{problem.progress}%（{latest.at.astimezone(zone).date().isoformat()}）{text}"


def _row(sheet, db, number: int, problem: Problem, today: date, zone: ZoneInfo, amber: int, stale: int,
         extended: int = 0):
    light = problems.light(problem, today, amber, stale)
    lookback, satisfaction = _lookback_cells(db, problem.id)
    closed = problem.closed_at.astimezone(zone).date() if problem.closed_at else None
    explained = problem.status == problems.EXPLAINED
    values = [
        number, problem.id, say(LANGUAGE, f"problem.source.{problem.source}"), problem.category or "",
        problem.description or problem.title, problem.measures or "", problem.leader or "",
        problem.department or "", problem.deadline, say(LANGUAGE, f"problem.kind.{problem.kind}"),
        say(LANGUAGE, f"problem.horizon.{problem.horizon}"), _progress_text(db, problem, zone),
        say(LANGUAGE, f"problem.status.{problem.status}"), closed, lookback, satisfaction,
        LIGHT_NAMES[light], (problem.explanation or "") if explained else "",
        problem.review_on if explained else None, extended,
    ]
    formats = {8: "yyyy-mm-dd", 13: "yyyy-mm-dd", 15: "0%", 18: "yyyy-mm-dd"}
    cells = [_cell(sheet, value, fill=FILLS[light] if index in (12, 16) else None, wrap=index in WRAPPED,
                   number_format=formats.get(index) if value not in (None, "") else None)
             for index, value in enumerate(values)]
    top = _top_style(sheet)
    for index, cell in enumerate(cells):  # a tall row reads from its top line, short cells included
        if index not in WRAPPED:
            if cell.has_style:
                cell.alignment = TOP
            else:  # a plain cell takes the style ready-made: assigning one costs a hash per cell
                cell._style = copy(top)
    return cells


def _top_style(sheet):
    """The style of a plain top-aligned cell, registered once per workbook."""
    book = sheet.parent
    if not hasattr(book, "_ledger_top_style"):
        prototype = WriteOnlyCell(sheet)
        prototype.alignment = TOP
        book._ledger_top_style = prototype._style
    return book._ledger_top_style


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


def write(db: sqlite_utils.Database, out, today: date, zone: ZoneInfo, *,
          which: problems.Filter = problems.EVERYTHING, amber: int = 3, stale: int = 14) -> int:
    """Write the ledger of the problems `which` covers to `out` (a path or a binary file);
    returns the number of problems."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("整改台账")
    _print_setup(sheet)
    _header(sheet, HEADERS, WIDTHS)
    extended = extensions.approved_counts(db)
    tally = _Tally()
    count = 0
    for problem in problems.each(db, which, by_deadline=True):
        count += 1
        cells = _row(sheet, db, count, problem, today, zone, amber, stale, extended.get(problem.id, 0))
        sheet.row_dimensions[count + 1].height = row_height([c.value for c in cells])
        sheet.append(cells)
        tally.add(problem, problems.light(problem, today, amber, stale), extended.get(problem.id, 0))
    tally.write(book)
    book.save(out)
    return count


def to_bytes(db: sqlite_utils.Database, today: date, zone: ZoneInfo, **options) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    count = write(db, buffer, today, zone, **options)
    return buffer.getvalue(), count
