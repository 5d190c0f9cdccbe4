"""Reading the CSV files offices make in Excel: UTF-8 with or without BOM, or GBK; headers in
Chinese or English; every problem reported with its line number, nothing applied on error."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator


class FileRejected(Exception):
    """The file cannot be imported; `line` is the file's line number (the header is line 1)."""

    def __init__(self, reason: str, line: int | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.detail = detail


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) first; GB18030, a superset of GBK, as Chinese Excel saves."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise FileRejected("encoding") from None


def _columns(header: list[str], words: dict[str, set[str]], required: tuple[str, ...]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = title.strip().lower()
        for column, names in words.items():
            if title in names and column not in columns:
                columns[column] = index
    missing = [c for c in required if c not in columns]
    if missing:
        raise FileRejected("header", line=1, detail=", ".join(missing))
    return columns


def rows(raw: bytes, words: dict[str, set[str]], required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(line number, {column: stripped cell}) for every non-empty row."""
    reader = csv.reader(io.StringIO(decode(raw), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("empty") from None
    columns = _columns(header, words, required)
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            yield reader.line_num, {
                column: cells[index].strip() if index < len(cells) else ""
                for column, index in columns.items()
            }
    except csv.Error as error:
        raise FileRejected("csv", line=reader.line_num, detail=str(error)) from None
