"""Rating slips (评议票) on paper: A4 pages of 12 slips to cut apart (2 x 6), each a ticket with
the QR code of its one-time link on the left and, beside it, what it is (评议票 · 限用一次), the
institution, the sheet's title, and a line saying that it is anonymous and good for one rating;
a number in the corner to count them out. Each page has a head (the sheet, the institution, the
page, how to cut) and dashed cutting lines with marks in the margin. More slips make more pages.

Drawn like the poster (documents/poster.py): vector QR squares, the charts' CJK font, straight
to PDF. The codes on these pages are kept nowhere else: the database holds keyed hashes only.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from documents.charts import cjk_font
from documents.poster import MM_PER_INCH, PAPER_MM, ems, qr_path
from texts import Raw, say

COLUMNS, ROWS = 2, 6
PER_PAGE = COLUMNS * ROWS
MARGIN = 12.0  # mm of paper around the grid: most office printers cannot print the outer 5 mm
HEAD = 12.0  # mm above the grid for the page's head
QR_MM = 36.0  # the QR code with its quiet zone: about 0.9 mm a module, read at arm's length
POINT_MM = 25.4 / 72
CUT = "#808080"


@dataclass(frozen=True)
class SlipText:
    heading: str  # 评议票 · 限用一次
    title: str  # the sheet's title
    institution: str
    note: str  # anonymous, one rating, void once used
    hint: str  # under the QR code: 扫码匿名评议
    number: str  # "No.{n}"
    lang: str = "zh-CN"  # of the page's head
    quoted_title: str = ""  # 《title》, or “title” in English

    def head(self, page: int, pages: int, count: int) -> tuple[str, str]:
        """The page's head: the sheet and the institution; the page, how many, how to cut
        (plain text: a PDF, not HTML, so nothing is escaped)."""
        sheet = say(
            self.lang, "evaluation.slip.page", title=Raw(self.title), institution=Raw(self.institution)
        )
        return sheet, say(self.lang, "evaluation.slip.cut", page=page, pages=pages, count=count)


def slip_text(lang: str, title: str, institution: str) -> SlipText:
    """The words on the slips, from the catalog (chat and the command line print the same)."""
    return SlipText(
        heading=say(lang, "evaluation.slip.heading"),
        title=title,
        institution=institution or say(lang, "public.our_institution"),
        note=say(lang, "evaluation.slip.note"),
        hint=say(lang, "evaluation.slip.hint"),
        number="No.{n}",
        lang=lang,
        quoted_title=say(lang, "evaluation.slip.title", title=Raw(title)),
    )


_width = ems  # a line's width in ems, as the poster measures it


CLOSING = set("》）」』】〕〉”’、。，；：！？）),.;:!?")  # never the first character of a line


LATIN_WORD = re.compile(r"[\x21-\u2e7f]+\s*|\s+|.")


def wrap(text: str, ems: float, lines: int) -> list[str]:
    """`text` in at most `lines` lines of about `ems` each: Chinese breaks between any two
    characters (a closing mark stays on its line, as Chinese typesetting keeps it), Latin
    between words; the last line ends in … when cut."""
    found, current = [], ""
    pieces = [
        part
        for word in LATIN_WORD.findall(text)  # a word longer than a line breaks anywhere
        for part in (word if _width(word.rstrip()) > ems else [word])
    ]
    for piece in pieces:
        if _width(current + piece.rstrip()) > ems and current.strip() and piece[0] not in CLOSING:
            found.append(current.rstrip())
            current = ""
        current += piece
    found.append(current.rstrip())
    if len(found) > lines:
        last = found[lines - 1]
        while last and _width(last + "…") > ems:
            last = last[:-1]
        found = [*found[: lines - 1], last + "…"]
    return [line for line in found if line]


def _cut_lines(axes, width: float, cell_w: float, cell_h: float, top: float, rows: int) -> None:
    """Dashed lines where the scissors go, around the rows that hold slips, and solid marks in
    the margin at the end of each, so that a guillotine can be set from the edge of the stack."""
    bottom = top - rows * cell_h
    for c in range(COLUMNS + 1):
        x = MARGIN + c * cell_w
        axes.plot([x, x], [bottom, top], color=CUT, linewidth=0.5, linestyle=(0, (4, 3)))
        for y0, y1 in ((top + 1, top + 3.5), (bottom - 6, bottom - 2)):  # under the page's head
            axes.plot([x, x], [y0, y1], color="black", linewidth=0.4)
    for r in range(rows + 1):
        y = top - r * cell_h
        axes.plot([MARGIN, width - MARGIN], [y, y], color=CUT, linewidth=0.5, linestyle=(0, (4, 3)))
        for x0, x1 in ((MARGIN - 6, MARGIN - 2), (width - MARGIN + 2, width - MARGIN + 6)):
            axes.plot([x0, x1], [y, y], color="black", linewidth=0.4)


def _slip(
    axes,
    link: str,
    number: int,
    left: float,
    top: float,
    cell_w: float,
    cell_h: float,
    text: SlipText,
    family: str,
) -> None:
    qr_left, qr_top = left + 3, top - (cell_h - QR_MM - 4) / 2
    path, _ = qr_path(link, qr_left, qr_top - QR_MM, QR_MM)
    axes.add_patch(PathPatch(path, facecolor="black", edgecolor="none", linewidth=0))
    axes.text(
        qr_left + QR_MM / 2,
        qr_top - QR_MM - 0.5,
        text.hint,
        ha="center",
        va="top",
        fontsize=7,
        fontfamily=family,
        color="#333333",
    )
    x = qr_left + QR_MM + 3
    ems = lambda points: (left + cell_w - 3 - x) / (points * POINT_MM)  # noqa: E731 - a line's room
    y = top - 4.5

    def write(words: str, points: float, colour: str = "#111111") -> None:
        nonlocal y
        axes.text(x, y, words, ha="left", va="top", fontsize=points, fontfamily=family, color=colour)
        y -= points * POINT_MM * 1.45

    # the number top right, beside the heading: counted out from the top of a stack
    axes.text(
        left + cell_w - 3,
        top - 4.5,
        text.number.format(n=number),
        ha="right",
        va="top",
        fontsize=7.5,
        fontfamily=family,
        color="#555555",
    )
    write(text.heading, 10.5, colour="#b71c1c")
    for line in wrap(text.institution, ems(8), 1):
        write(line, 8, colour="#333333")
    y -= 0.8
    for line in wrap(text.quoted_title, ems(9), 2):  # whole in the page's head
        write(line, 9)
    y -= 0.8
    room = int((y - (top - cell_h + 2)) / (7.5 * POINT_MM * 1.45))  # the note's lines: what is left
    for line in wrap(text.note, ems(7.5), room):
        write(line, 7.5, colour="#333333")


def _page(
    links: list[str], first: int, page: int, pages: int, count: int, text: SlipText, family: str
) -> Figure:
    width, height = PAPER_MM["A4"]
    figure = Figure(figsize=(width / MM_PER_INCH, height / MM_PER_INCH))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    sheet, cutting = text.head(page, pages, count)
    room = (width - 2 * MARGIN) / (9 * POINT_MM)
    axes.text(
        width / 2,
        height - MARGIN - 1.5,
        wrap(sheet, room, 1)[0],
        ha="center",
        va="center",
        fontsize=9,
        fontfamily=family,
        color="#111111",
    )
    axes.text(
        width / 2,
        height - MARGIN - 5.5,
        cutting,
        ha="center",
        va="center",
        fontsize=8,
        fontfamily=family,
        color="#555555",
    )
    top = height - MARGIN - HEAD
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (top - MARGIN) / ROWS
    _cut_lines(axes, width, cell_w, cell_h, top, -(-len(links) // COLUMNS))
    for index, link in enumerate(links):
        column, row = index % COLUMNS, index // COLUMNS
        _slip(
            axes,
            link,
            first + index,
            MARGIN + column * cell_w,
            top - row * cell_h,
            cell_w,
            cell_h,
            text,
            family,
        )
    return figure


def pages(links: list[str], text: SlipText) -> list[Figure]:
    """The pages, PER_PAGE slips to each, numbered from 1 in the order given."""
    family = cjk_font()
    total = -(-len(links) // PER_PAGE)
    return [
        _page(
            links[start : start + PER_PAGE], start + 1, start // PER_PAGE + 1, total, len(links), text, family
        )
        for start in range(0, len(links), PER_PAGE)
    ]


def slips_pdf(links: list[str], text: SlipText) -> bytes:
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Creator": "整改通", "Producer": None, "Title": text.title}) as pdf:
        for figure in pages(links, text):
            pdf.savefig(figure)
    return buffer.getvalue()
