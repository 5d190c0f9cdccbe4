"""The public box's poster for the lobby (群众意见箱): A4 and A3 PDFs with the QR code of the
box's link, three lines on what happens to an opinion and that it stays anonymous, and the
institution's name. Drawn with matplotlib (already the charts' library, with the CJK font it
looks for) straight to PDF: the QR code as vector squares, so that it prints sharp at any size;
no office suite needed on the server.

Rendering is CPU work: the bot runs it through `asyncio.to_thread`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as DrawnPath

from documents.charts import cjk_font

MM_PER_INCH = 25.4
MM_PER_POINT = MM_PER_INCH / 72
TEXT_ROOM_MM = 190  # of the A4 page's 210: a line of text never reaches its edges


def ems(text: str) -> float:
    """A line's width in ems: a Chinese character is one, a Latin letter or digit about half."""
    return sum(0.55 if ord(c) < 0x2E80 else 1.0 for c in text)


def fitted_points(text: str, points: float) -> float:
    """The size a line is printed at on the A4 page: as asked, or smaller where the line (a
    long institution's name) would run past the page's edges."""
    return min(points, TEXT_ROOM_MM / (max(ems(text), 1) * MM_PER_POINT))


PAPER_MM = {"A4": (210, 297), "A3": (297, 420)}


@dataclass(frozen=True)
class PosterText:
    """The words on the poster, in the institution's language (texts/ catalogs)."""

    title: str
    institution: str
    lines: tuple[str, str, str]
    scan: str


def qr_path(link: str, left: float, bottom: float, size: float) -> tuple[DrawnPath, int]:
    """The dark modules of the link's QR code (quiet zone included) as one compound path of
    squares filling `size` x `size` from (left, bottom); and how many modules it spans."""
    code = segno.make(link, error="m")
    rows = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    span = len(rows)
    unit = size / span
    vertices, codes = [], []
    for r, row in enumerate(rows):
        c = 0
        while c < span:  # one rectangle per run of dark modules: fewer shapes, no hairline gaps
            if not row[c]:
                c += 1
                continue
            start = c
            while c < span and row[c]:
                c += 1
            x0, x1 = left + start * unit, left + c * unit
            y1 = bottom + size - r * unit
            y0 = y1 - unit
            vertices += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
            codes += [
                DrawnPath.MOVETO,
                DrawnPath.LINETO,
                DrawnPath.LINETO,
                DrawnPath.LINETO,
                DrawnPath.CLOSEPOLY,
            ]
    return DrawnPath(vertices, codes), span


def poster_pdf(link: str, text: PosterText, paper: str = "A4") -> bytes:
    """One page of `paper` (A4 or A3), portrait. Coordinates are millimetres of the A4 page,
    scaled for A3, so both sizes look the same."""
    width_mm, height_mm = PAPER_MM[paper]
    scale = width_mm / PAPER_MM["A4"][0]
    family = cjk_font()
    figure = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 210)
    axes.set_ylim(0, 297)
    axes.set_axis_off()

    def write(y: float, words: str, points: float, colour: str = "#111111"):
        size = fitted_points(words, points) * scale
        axes.text(105, y, words, ha="center", va="center", fontsize=size, fontfamily=family, color=colour)

    axes.add_patch(Rectangle((0, 262), 210, 35, color="#b71c1c", linewidth=0))
    write(282, text.title, 40, colour="white")
    write(269, text.institution, 18, colour="white")
    size = 120
    path, _ = qr_path(link, 105 - size / 2, 124, size)
    axes.add_patch(PathPatch(path, facecolor="black", edgecolor="none", linewidth=0))
    write(116, text.scan, 15, colour="#b71c1c")
    for index, line in enumerate(text.lines):
        write(96 - index * 16, line, 15.5)
    axes.add_patch(Rectangle((20, 36), 170, 0.4, color="#999999", linewidth=0))
    write(26, link, 10, colour="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", metadata={"Creator": "整改通", "Producer": None})
    return buffer.getvalue()


def qr_png(link: str) -> bytes:
    """The link's QR code alone, as a PNG large enough to print (a questionnaire's public link,
    which the office puts on a poster of its own)."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=4)
    return buffer.getvalue()


def posters(link: str, text: PosterText) -> dict[str, bytes]:
    """The A4 and A3 posters, by paper size."""
    return {paper: poster_pdf(link, text, paper) for paper in PAPER_MM}
