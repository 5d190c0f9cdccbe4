"""A questionnaire's results on paper: one bar chart per question with choices (PNG), and an
Excel workbook with the counts of every question and the free-text answers. Built only from
results that met k (storage/surveys.py withholds the rest)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment

from documents.charts import _figure, _png, cjk_font, drawable
from documents.ledger_workbook import FORMULA_STARTS, MAX_LINES, bold, display_width
from documents.rollup_workbook import fit_height, print_setup
from storage.surveys import MULTIPLE, SCALE, TEXT, QuestionResult

TITLE_WIDTH, TITLE_LINES = 80, 4  # half-width characters a line (of 6.4 inches at 10 pt); lines


def _lines(title: str) -> str:
    """The question as the chart's title in lines that fit the picture (on one line a long
    question ran off its right edge); past four lines it ends in …."""
    lines, line = [], ""
    for ch in title:
        if display_width(line + ch) > TITLE_WIDTH:
            lines.append(line)
            line = ""
        line += ch
    lines.append(line)
    if len(lines) > TITLE_LINES:
        lines = [*lines[: TITLE_LINES - 1], lines[TITLE_LINES - 1][:-1] + "…"]
    return "\n".join(lines)


def chart(result: QuestionResult, title: str) -> bytes:
    """Horizontal bars: respondents per choice (per point of a scale)."""
    family = cjk_font()
    labels = [drawable(choice) for choice in result.question.choices]
    figure = _figure(6.4, max(1.8, 0.42 * len(labels) + 1.2))
    axes = figure.add_subplot()
    axes.barh(labels, result.counts, color="#337ab7")
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    for tick in axes.get_yticklabels():
        tick.set_fontfamily(family)
    # over the whole picture, from its left edge: above the bars alone a long choice's label
    # left the title half the width
    figure.suptitle(_lines(drawable(title)), x=0.02, ha="left", fontfamily=family, fontsize=10)
    for y, count in enumerate(result.counts):
        axes.text(count, y, f" {count}", va="center", fontsize=8)
    return _png(figure)


WRAP = Alignment(wrap_text=True, vertical="top")


def _wrapped(sheet, columns: tuple[int, ...], first: int) -> None:
    """Questions, choices and answers wrapped in rows tall enough to print them whole (a
    500-character answer was one line, cut at the page's edge)."""
    for row in range(first, sheet.max_row + 1):
        for column in columns:
            sheet.cell(row, column).alignment = WRAP
        fit_height(sheet, row)


ANSWER_WIDTH = 60
GOES_ON = "（续）"


def pieces(answer: str, width: int) -> list[str]:
    """The answer in rows that each print whole: a row is at most Excel's greatest height, and
    an answer of 1,000 characters needs nearly two of them; the rows after the first say 续."""
    found, rest = [], answer
    room = (width - 1) * MAX_LINES
    while True:
        marked = GOES_ON + rest if found else rest
        if _width(marked) <= room:
            return [*found, marked]
        low, high = 1, len(rest)
        while low < high:  # the longest beginning that fits
            middle = (low + high + 1) // 2
            if _width((GOES_ON if found else "") + rest[:middle]) <= room:
                low = middle
            else:
                high = middle - 1
        found.append((GOES_ON if found else "") + rest[:low])
        rest = rest[low:]


def _width(text: str) -> float:
    """The width of the lines the text takes, each line counted whole (a wide character does
    not break across lines)."""
    return display_width(text) + 2.2 * MAX_LINES


def workbook(title: str, respondents: int, found: list[QuestionResult], headers: dict[str, str]) -> bytes:
    """Sheet 1: every question, each choice with its count and share; sheet 2: the free text."""
    book = Workbook()
    counts = book.active
    counts.title = headers["counts"]
    counts.append([title])
    counts["A1"].font = bold(13)
    counts.append([headers["respondents"], respondents])
    counts.append([])
    counts.append([headers[h] for h in ("number", "question", "choice", "count", "share")])
    for cell in counts[4]:
        cell.font = bold()
    for column, width in zip("ABCDE", (6, 40, 20, 10, 10), strict=True):
        counts.column_dimensions[column].width = width
    for result in found:
        if result.question.kind == TEXT:
            counts.append(
                [
                    result.question.position + 1,
                    result.question.text,
                    headers["text_answers"],
                    result.answered,
                    None,
                ]
            )
            continue
        base = respondents if result.question.kind == MULTIPLE else result.answered
        for choice, count in zip(result.question.choices, result.counts, strict=True):
            counts.append(
                [
                    result.question.position + 1,
                    result.question.text,
                    choice,
                    count,
                    round(count / base, 4) if base else None,
                ]
            )
            counts.cell(counts.max_row, 5).number_format = "0.0%"
        if result.question.kind == SCALE and result.average is not None:
            counts.append(
                [
                    result.question.position + 1,
                    result.question.text,
                    headers["average"],
                    round(result.average, 2),
                    None,
                ]
            )
    _wrapped(counts, (2, 3), first=5)
    print_setup(counts, landscape=False, title_rows="4:4")
    texts = book.create_sheet(headers["texts"])
    texts.append([headers["number"], headers["question"], headers["answer"]])
    for cell in texts[1]:
        cell.font = bold()
    for result in found:
        for answer in result.texts:
            for piece in pieces(answer, ANSWER_WIDTH):
                texts.append([result.question.position + 1, result.question.text, piece])
                # what people typed stays text, never a formula (as in the ledger workbook)
                cell = texts.cell(texts.max_row, 3)
                cell.data_type = "s"
                cell.quotePrefix = piece.startswith(FORMULA_STARTS)
    texts.column_dimensions["B"].width = 30
    texts.column_dimensions["C"].width = ANSWER_WIDTH
    _wrapped(texts, (2, 3), first=2)
    print_setup(texts, landscape=False, title_rows="1:1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
