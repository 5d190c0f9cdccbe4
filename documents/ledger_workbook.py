"""The ledger (整改台账) as the Excel sheet offices keep and report upward: Chinese headers as
offices use them, header frozen, widths set, the status cell coloured, dates as real dates.
Written in openpyxl's write-only mode so that memory stays flat for large ledgers."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from storage import lookbacks, problems
from storage.problems import Problem
from texts import say

HEADERS = ("序号", "编号", "问题来源", "问题类别", "问题描述", "整改措施", "责任领导", "责任科室", "完成时限",
           "整改类型", "近中远期", "整改进展", "完成情况", "销号时间", "回头看结果", "群众满意度", "状态")
WIDTHS = (6, 8, 12, 12, 40, 40, 10, 14, 12, 10, 8, 10, 12, 12, 12, 12, 8)
FILLS = {problems.RED: "FFC7CE", problems.AMBER: "FFEB9C", problems.GREEN: "C6EFCE", problems.DONE: "DDEBF7"}
LIGHT_NAMES = {problems.RED: "红灯", problems.AMBER: "黄灯", problems.GREEN: "绿灯", problems.DONE: "已完成"}
LANGUAGE = "zh-CN"  # the ledger goes upward in the office's own language


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
    return label, f"{(counts['satisfied'] + counts['basic']) / counted:.0%}" if counted else ""


def _cell(sheet, value, fill: str | None = None, wrap: bool = False, number_format: str | None = None):
    cell = WriteOnlyCell(sheet, value=value)
    if fill:
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if number_format:
        cell.number_format = number_format
    return cell


def _row(sheet, db, number: int, problem: Problem, today: date, zone: ZoneInfo, amber: int, stale: int):
    light = problems.light(problem, today, amber, stale)
    lookback, satisfaction = _lookback_cells(db, problem.id)
    closed = problem.closed_at.astimezone(zone).date() if problem.closed_at else None
    return [
        _cell(sheet, number), _cell(sheet, problem.id),
        _cell(sheet, say(LANGUAGE, f"problem.source.{problem.source}")), _cell(sheet, problem.category or ""),
        _cell(sheet, problem.description or problem.title, wrap=True),
        _cell(sheet, problem.measures or "", wrap=True), _cell(sheet, problem.leader or ""),
        _cell(sheet, problem.department or ""),
        _cell(sheet, problem.deadline, number_format="yyyy-mm-dd"),
        _cell(sheet, say(LANGUAGE, f"problem.kind.{problem.kind}")),
        _cell(sheet, say(LANGUAGE, f"problem.horizon.{problem.horizon}")),
        _cell(sheet, problem.progress / 100, number_format="0%"),
        _cell(sheet, say(LANGUAGE, f"problem.status.{problem.status}"), fill=FILLS[light]),
        _cell(sheet, closed, number_format="yyyy-mm-dd"),
        _cell(sheet, lookback), _cell(sheet, satisfaction),
        _cell(sheet, LIGHT_NAMES[light], fill=FILLS[light]),
    ]


def write(db: sqlite_utils.Database, out, today: date, zone: ZoneInfo, *,
          which: problems.Filter = problems.EVERYTHING, amber: int = 3, stale: int = 14) -> int:
    """Write the ledger of the problems `which` covers to `out` (a path or a binary file);
    returns the number of problems."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("整改台账")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    bold = Font(bold=True)
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for problem in problems.each(db, which, by_deadline=True):
        count += 1
        sheet.append(_row(sheet, db, count, problem, today, zone, amber, stale))
    book.save(out)
    return count


def to_bytes(db: sqlite_utils.Database, today: date, zone: ZoneInfo, **options) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    count = write(db, buffer, today, zone, **options)
    return buffer.getvalue(), count
