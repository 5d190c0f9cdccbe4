"""Rating slips (评议票) on paper: one A4 page holds 24 slips to cut apart (4 x 6), each with the
QR code of its one-time link, the sheet's title and a line on what to do. More than 24 slips
make more pages. Drawn like the poster (documents/poster.py): vector QR squares, the charts'
CJK font, straight to PDF.

The codes on these pages are kept nowhere else: the database holds keyed hashes only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from documents.charts import cjk_font
from documents.poster import MM_PER_INCH, PAPER_MM, qr_path

COLUMNS, ROWS = 4, 6
PER_PAGE = COLUMNS * ROWS
MARGIN = 8.0  # mm around the grid


@dataclass(frozen=True)
class SlipText:
    heading: str  # 评议票 · 限用一次
    title: str  # the sheet's title
    hint: str  # 扫码评议，匿名
    number: str  # "No. {n}" template with {n}


def _page(links: list[str], first: int, text: SlipText, family: str) -> Figure:
    width, height = PAPER_MM["A4"]
    figure = Figure(figsize=(width / MM_PER_INCH, height / MM_PER_INCH))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN) / ROWS
    for c in range(COLUMNS + 1):  # cut lines
        x = MARGIN + c * cell_w
        axes.plot([x, x], [MARGIN, height - MARGIN], color="#999999", linewidth=0.5, linestyle=(0, (3, 3)))
    for r in range(ROWS + 1):
        y = MARGIN + r * cell_h
        axes.plot([MARGIN, width - MARGIN], [y, y], color="#999999", linewidth=0.5, linestyle=(0, (3, 3)))
    qr_size = min(cell_w, cell_h) - 16
    for index, link in enumerate(links):
        column, row = index % COLUMNS, index // COLUMNS
        left = MARGIN + column * cell_w
        top = height - MARGIN - row * cell_h
        centre = left + cell_w / 2
        axes.text(centre, top - 3.5, text.heading, ha="center", va="center", fontsize=8.5,
                  fontfamily=family, color="#b71c1c")
        axes.text(centre, top - 7.5, _short(text.title), ha="center", va="center", fontsize=7,
                  fontfamily=family)
        path, _ = qr_path(link, centre - qr_size / 2, top - 10 - qr_size, qr_size)
        axes.add_patch(PathPatch(path, facecolor="black", edgecolor="none", linewidth=0))
        axes.text(centre, top - cell_h + 3.5, f"{text.hint}  {text.number.format(n=first + index)}",
                  ha="center", va="center", fontsize=6.5, fontfamily=family, color="#333333")
    return figure


def _short(title: str, limit: int = 14) -> str:
    return title if len(title) <= limit else title[:limit - 1] + "…"


def slips_pdf(links: list[str], text: SlipText) -> bytes:
    """The slips, 24 to an A4 page, numbered from 1 in the order given."""
    family = cjk_font()
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Creator": "整改通", "Producer": None}) as pdf:
        for start in range(0, len(links), PER_PAGE):
            pdf.savefig(_page(links[start:start + PER_PAGE], start + 1, text, family))
    return buffer.getvalue()
