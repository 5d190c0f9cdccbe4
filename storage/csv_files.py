"""Reading the tables offices make in Excel: a CSV saved as UTF-8 (with or without BOM), GBK or
"Unicode text" (UTF-16, tab-separated), with commas, semicolons, tabs or full-width commas
between cells; or the .xlsx workbook itself (its first sheet). Headers in Chinese or English,
possibly below a title row. Every problem is reported with its line number (for a workbook, the
row number Excel shows) and nothing is applied on error."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from storage import names

# Rows above the header that may hold a title ("2026年整改落实人员名单") or a note.
HEADER_SEARCH_ROWS = 10
# A roster, a findings list or a calendar is a few thousand rows at most; a file past this is
# not one of them (and a tiny .xlsx can unpack into millions of rows).
MAX_ROWS = 20_000
MAX_COLUMNS = 60
SEPARATORS = (",", "\t", ";", "，", "；")
XLSX_MAGIC = b"PK\x03\x04"
# The old binary Excel format (.xls, also what WPS saves by default): an OLE2 compound file.
XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"


class FileRejected(Exception):
    """The file cannot be imported; `line` is the file's line number (the header is line 1).
    For a missing column, `detail` lists the missing columns' identifiers, comma-separated: the
    caller words them in the reader's language."""

    def __init__(self, reason: str, line: int | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.detail = detail


def decode(raw: bytes) -> str:
    """UTF-16 when it says so (a BOM, as Excel's "Unicode text" writes) or looks like it; then
    UTF-8 (with or without BOM); then GB18030, a superset of GBK, as Chinese Excel saves."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise FileRejected("encoding") from None
    top = raw[:4096]
    if b"\x00" in top:
        # No text file in UTF-8 or GBK holds a NUL; UTF-16 without BOM does, beside every ASCII
        # character (separators, line ends): on the odd side for little-endian.
        odd = top[1::2].count(0) >= top[0::2].count(0)
        try:
            return raw.decode("utf-16-le" if odd else "utf-16-be")
        except UnicodeDecodeError:
            raise FileRejected("encoding") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected("encoding") from None


def _recognised(header: list[str], words: dict[str, set[str]]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = names.header(title)
        for column, spellings in words.items():
            if column not in columns and title in {names.header(s) for s in spellings}:
                columns[column] = index
    return columns


def _cell(value: object) -> str:
    """A workbook cell as the text a CSV would hold: dates as ISO dates (a date with a time of day
    keeps its time), whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _merged_down(raw: bytes, sheet_path: str) -> dict[int, list[tuple[int, int]]]:
    """Row -> [(column, row of the merge's first cell)] for every cell a merge spans below its
    first row, in the merge's first column. Offices merge a department's cell over its people's
    rows; Excel keeps the value in the top cell only. A merge across columns (a title, a note
    row) is not spread sideways: that would put a title in every column."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import range_boundaries

    below: dict[int, list[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book, book.open(sheet_path) as sheet:
            for _, element in iterparse(sheet):  # streamed: the merges come after the rows
                if element.tag == _MERGE_TAG:
                    column, top, _, bottom = range_boundaries(element.get("ref", ""))
                    for row in range(top + 1, min(bottom, MAX_ROWS + HEADER_SEARCH_ROWS) + 1):
                        below.setdefault(row, []).append((column, top))
                element.clear()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, SyntaxError):
        return {}  # no merges to read: the rows as they are
    return below


def _workbook_rows(raw: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRejected("xlsx") from None
    try:
        sheet = book.worksheets[0]
        # read-only sheets do not read merges; openpyxl names the sheet's part in the file
        below = _merged_down(raw, getattr(sheet, "_worksheet_path", ""))
        tops = {(top, column) for spans in below.values() for column, top in spans}
        kept: dict[tuple[int, int], str] = {}  # a merge's first cell's text, by (row, column)
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
            cells = [_cell(v) for v in values]
            for column, top in below.get(number, ()):
                if column <= len(cells) and not cells[column - 1]:
                    cells[column - 1] = kept.get((top, column), "")
            for column, text in enumerate(cells, 1):
                if (number, column) in tops:
                    kept[(number, column)] = text
            while cells and not cells[-1]:
                cells.pop()
            yield number, cells
    finally:
        book.close()


def _text_rows(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as error:
        raise FileRejected("csv", line=reader.line_num, detail=str(error)) from None


def _separator(text: str, words: dict[str, set[str]]) -> str:
    """The separator under which the top of the file shows the most known column titles."""
    top = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])

    def score(separator: str) -> int:
        try:
            return max((len(_recognised(cells, words)) for _, cells in _text_rows(top, separator)), default=0)
        except FileRejected:
            return 0

    return max(SEPARATORS, key=score)  # ties: the first, a comma


def table(raw: bytes, words: dict[str, set[str]]) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every row of the file, a workbook or a text file."""
    if raw.startswith(XLSX_MAGIC):
        return _workbook_rows(raw)
    if raw.startswith(XLS_MAGIC):
        raise FileRejected("xls")  # the office saves it again as .xlsx or CSV
    text = decode(raw)
    return _text_rows(text, _separator(text, words))


def rows(raw: bytes, words: dict[str, set[str]], required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(line number, {column: stripped cell}) for every non-empty row below the header, which is
    the first of the top rows to name every required column."""
    columns: dict[str, int] | None = None
    best: tuple[int, dict[str, int]] | None = None
    seen = 0
    for line, cells in table(raw, words):
        if not any(c.strip() for c in cells):
            continue
        seen += 1
        if seen > MAX_ROWS:
            raise FileRejected("too_many_rows", line=line, detail=str(MAX_ROWS))
        if columns is None:
            found = _recognised(cells, words)
            if all(c in found for c in required):
                columns = found
                continue
            if best is None or len(found) > len(best[1]):
                best = (line, found)
            if seen < HEADER_SEARCH_ROWS:
                continue
            break
        yield (
            line,
            {column: cells[index].strip() if index < len(cells) else "" for column, index in columns.items()},
        )
    if columns is None:
        if best is None:
            raise FileRejected("empty")
        raise FileRejected("header", line=best[0], detail=",".join(c for c in required if c not in best[1]))
