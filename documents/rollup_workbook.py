"""督导's roll-up as an Excel workbook for the supervising body: a summary sheet that ranks the
institutions side by side, then one sheet per institution with its figures and its overdue
problems. Chinese headers, as the ledger (documents/ledger_workbook.py) has them."""

from __future__ import annotations

import io
import math
import re
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from documents import chinese_date
from documents.ledger_workbook import LINE_HEIGHT, MAX_LINES, bold, display_width
from storage import problems
from storage.orders import OrderFigures
from storage.rollup import Figures
from texts import say

LANGUAGE = "zh-CN"
SUMMARY = "汇总"
HEADERS = (
    "排名",
    "单位",
    "问题数",
    "已销号",
    "销号率",
    "红灯",
    "黄灯",
    "绿灯",
    "超期",
    "最长超期（天）",
    "最长超期问题",
    "延期次数",
    "回头看满意度",
    "计票",
    "自查（已审定/全部）",
    "自查逾期",
    "督办在办",
    "督办超期",
    "通知",
    "提醒",
    "告诫",
    "约谈",
)
WIDTHS = (6, 16, 8, 8, 8, 6, 6, 6, 6, 10, 30, 8, 10, 6, 12, 8, 8, 8, 6, 6, 6, 6)
BOLD = bold()
DATE_FORMAT = 'yyyy"年"m"月"d"日"'  # 2026年11月30日, as officials write a date
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP_LEFT = Alignment(horizontal="left", vertical="top")
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_LIMIT = 31  # Excel's limit on a sheet's name
WRAPPED = (2, 11)  # the institution's name and the longest-overdue problem's title
OVERDUE_WIDTHS = {"C": 17, "D": 10, "E": 16, "F": 10}  # C: 2026年10月31日 whole, not ###
OVERDUE_TITLE = "超期问题清单（超期最久的在前）"
NO_INSTITUTIONS = "目前还没有下属单位接入本系统，没有可以汇总的数据。"
OVERDUE_HEADERS = ("问题编号", "问题", "完成时限", "超期（天）", "责任科室", "责任领导")


def fit_height(sheet, row: int) -> None:
    """The row tall enough for its wrapped cells: neither Excel nor LibreOffice grows a row
    on opening a file, so a wrapped name was cut off at one line."""
    lines = 1
    for cell in sheet[row]:
        if cell.value is None or not (cell.alignment and cell.alignment.wrap_text):
            continue
        width = sheet.column_dimensions[cell.column_letter].width or 8.43
        lines = max(lines, math.ceil(display_width(str(cell.value)) / max(width - 1, 1)))
    if lines > 1:
        sheet.row_dimensions[row].height = min(lines, MAX_LINES) * LINE_HEIGHT  # Excel's greatest


def print_setup(sheet, landscape: bool, title_rows: str | None = None) -> None:
    """A4, fitted to the page's width and as many pages down as it takes, the header repeated
    on each: without it the summary of 60 institutions printed on 246 portrait pages."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.gridLines = True
    if title_rows:
        sheet.print_title_rows = title_rows


def _sheet_name(name: str, taken: set[str]) -> str:
    base = SHEET_NAME.sub("_", name).strip("'")[:SHEET_LIMIT] or "单位"
    found, number = base, 2
    while found in taken or found == SUMMARY:
        suffix = f"({number})"
        found, number = base[: SHEET_LIMIT - len(suffix)] + suffix, number + 1
    taken.add(found)
    return found


def _summary_row(rank: int, f: Figures, orders: OrderFigures) -> list:
    steps = orders.by_step or {}
    approved = f.self_checks.get("approved", 0)
    return [
        rank,
        f.institution,
        f.total,
        f.closed,
        f.closure_rate if f.closure_rate is not None else "",
        *(f.by_light.get(light, 0) for light in (problems.RED, problems.AMBER, problems.GREEN)),
        f.overdue,
        f.longest_overdue_days or "",
        f.longest_overdue_title,
        f.extensions,
        f.satisfaction if f.satisfaction is not None else "",
        f.counted or "",
        f"{approved}/{sum(f.self_checks.values())}",
        f.self_checks_late,
        orders.open + orders.confirming,
        orders.overdue,
        *(steps.get(s, 0) for s in (1, 2, 3, 4)),
    ]


def _institution_sheet(sheet, f: Figures, orders: OrderFigures) -> None:
    print_setup(sheet, landscape=False)
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 22, 40
    for column, width in OVERDUE_WIDTHS.items():
        sheet.column_dimensions[column].width = width
    rows: list[tuple[str, object]] = [
        ("单位", f.institution),
        ("问题数", f.total),
        ("已销号", f.closed),
        ("销号率", f.closure_rate if f.closure_rate is not None else ""),
    ]
    rows += [(say(LANGUAGE, f"problem.status.{s}"), f.by_status.get(s, 0)) for s in problems.STATES]
    rows += [
        ("红灯", f.by_light.get(problems.RED, 0)),
        ("黄灯", f.by_light.get(problems.AMBER, 0)),
        ("绿灯", f.by_light.get(problems.GREEN, 0)),
        ("超期问题数", f.overdue),
        ("最长超期（天）", f.longest_overdue_days or ""),
        ("延期次数", f.extensions),
        ("回头看满意度", f.satisfaction if f.satisfaction is not None else "不足法定票数，不公布"),
        ("自查逾期", f.self_checks_late),
        ("督办在办", orders.open + orders.confirming),
        ("督办超期", orders.overdue),
    ]
    rows += [(f"评议参评：{title}", f"{voted}/{eligible}") for title, voted, eligible in f.turnout]
    rows += [(f"意见：{category}", count) for category, count in f.opinions.items()]
    rows += [(f"其中群众意见：{category}", count) for category, count in f.opinions_public.items()]
    for label, value in rows:
        sheet.append([label, value])
        if label in ("销号率", "回头看满意度") and isinstance(value, float):
            sheet.cell(sheet.max_row, 2).number_format = "0.0%"
    for row in sheet.iter_rows(min_col=2, max_col=2):
        row[0].alignment = WRAP
        fit_height(sheet, row[0].row)
    if f.overdue_list:
        sheet.append([])
        # A title over the list, and 问题编号 over the ids: 超期问题 above a column of numbers
        # (12, 34) read on paper as how many problems were overdue.
        sheet.append([OVERDUE_TITLE])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=6)
        sheet.cell(sheet.max_row, 1).font = BOLD
        sheet.append(list(OVERDUE_HEADERS))
        for cell in sheet[sheet.max_row]:
            cell.font, cell.alignment = BOLD, WRAP
        fit_height(sheet, sheet.max_row)
        sheet.print_title_rows = f"{sheet.max_row}:{sheet.max_row}"
        for item in f.overdue_list:
            sheet.append(
                [
                    item["id"],
                    item["title"],
                    date.fromisoformat(item["deadline"]),
                    item["days"],
                    item["department"] or "",
                    item["leader"] or "",
                ]
            )
            sheet.cell(sheet.max_row, 3).number_format = DATE_FORMAT
            for column in (2, 5, 6):
                sheet.cell(sheet.max_row, column).alignment = WRAP
            for column in (1, 3, 4):  # on the first line of a wrapped title, not under its last
                sheet.cell(sheet.max_row, column).alignment = TOP_LEFT
            fit_height(sheet, sheet.max_row)
        left_out = f.overdue - len(f.overdue_list)
        if left_out > 0:  # the roll-up keeps the oldest; the rest are in the institution's ledger
            shown = len(f.overdue_list)
            note = f"另有 {left_out} 项超期问题未列出（此处列出超期最久的 {shown} 项），"
            sheet.append([note + "完整清单见该单位整改台账。"])
            row = sheet.max_row
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=6)
            sheet.cell(row, 1).alignment = WRAP
            sheet.row_dimensions[row].height = 32


def to_bytes(ranked: list[Figures], orders: dict[str, OrderFigures], today: date) -> bytes:
    """`ranked`: best first (storage.rollup.ranked); `orders`: by institution name."""
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY
    print_setup(summary, landscape=True, title_rows="1:2")
    summary.append([f"各单位整改落实情况汇总（截至{chinese_date(today)}）"])
    summary["A1"].font = bold(14)
    summary.append(list(HEADERS))
    for cell in summary[2]:
        cell.font, cell.fill, cell.alignment = BOLD, HEAD_FILL, WRAP
    for index, width in enumerate(WIDTHS, start=1):
        summary.column_dimensions[get_column_letter(index)].width = width
    fit_height(summary, 2)
    summary.freeze_panes = "C3"
    if not ranked:  # headers over nothing read as a sheet cut off in printing
        summary.append([NO_INSTITUTIONS])
        summary.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(HEADERS))
    taken: set[str] = set()
    for rank, f in enumerate(ranked, start=1):
        none = OrderFigures(by_step={})
        summary.append(_summary_row(rank, f, orders.get(f.institution, none)))
        for column in (5, 13):
            summary.cell(summary.max_row, column).number_format = "0.0%"
        for column in WRAPPED:
            summary.cell(summary.max_row, column).alignment = WRAP
        fit_height(summary, summary.max_row)
        _institution_sheet(
            book.create_sheet(_sheet_name(f.institution, taken)), f, orders.get(f.institution, none)
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
