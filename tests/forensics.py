"""A forensic reader of SQLite's files, as an operator holding them would read them: every
b-tree page of a database (or backup) file, and its WAL frame by frame, grouped into commits.

Written from SQLite's documented formats (https://www.sqlite.org/fileformat2.html, sections
1.3 the header, 1.6 b-tree pages, 2.1 records, 4 the WAL), without asking SQLite anything: what
it shows is what is in the bytes, including rows in pages that no longer belong to any table.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR = 13, 5, 10, 2


def varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = buf[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise AssertionError("unreachable")


def record(payload: bytes) -> list:
    """A record's values (section 2.1): a header of serial types, then the values."""
    header_size, pos = varint(payload, 0)
    types = []
    while pos < header_size:
        serial, pos = varint(payload, pos)
        types.append(serial)
    values, body = [], header_size
    for serial in types:
        if serial == 0:
            values.append(None)
        elif serial in (1, 2, 3, 4, 5, 6):
            size = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(payload[body : body + size], "big", signed=True))
            body += size
        elif serial == 7:
            values.append(struct.unpack(">d", payload[body : body + 8])[0])
            body += 8
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial >= 12:
            size = (serial - 12) // 2
            raw = payload[body : body + size]
            values.append(raw if serial % 2 == 0 else raw.decode("utf-8", "replace"))
            body += size
        else:
            values.append(None)  # 10, 11: reserved
    return values


@dataclass
class Cell:
    page: int
    pointer_index: int  # its place in the cell pointer array (key order)
    offset: int  # where its content sits in the page: lower is written later
    rowid: int | None
    values: list


@dataclass
class Image:
    """A database as pages: page number (from 1) -> bytes."""

    page_size: int
    pages: dict[int, bytes]
    reserved: int = 0
    _memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of_file(cls, path: Path) -> Image:
        data = Path(path).read_bytes()
        page_size = struct.unpack(">H", data[16:18])[0]
        page_size = 65536 if page_size == 1 else page_size
        pages = {n + 1: data[i : i + page_size] for n, i in enumerate(range(0, len(data), page_size))}
        return cls(page_size, pages, data[20])

    def overlaid(self, frames: dict[int, bytes]) -> Image:
        return Image(self.page_size, {**self.pages, **frames}, self.reserved)

    @property
    def usable(self) -> int:
        return self.page_size - self.reserved

    # ---- b-tree pages (section 1.6) ---------------------------------------------------

    def _header(self, number: int) -> tuple[bytes, int]:
        return self.pages[number], 100 if number == 1 else 0

    def kind(self, number: int) -> int | None:
        if number not in self.pages:
            return None
        page, start = self._header(number)
        kind = page[start]
        return kind if kind in (TABLE_LEAF, TABLE_INTERIOR, INDEX_LEAF, INDEX_INTERIOR) else None

    def cells(self, number: int) -> list[Cell]:
        """A leaf page's cells in pointer order, each decoded (overflow followed)."""
        page, start = self._header(number)
        kind = page[start]
        count = struct.unpack(">H", page[start + 3 : start + 5])[0]
        pointers = start + (12 if kind in (TABLE_INTERIOR, INDEX_INTERIOR) else 8)
        found = []
        for index in range(count):
            offset = struct.unpack(">H", page[pointers + 2 * index : pointers + 2 * index + 2])[0]
            if kind == TABLE_LEAF:
                size, pos = varint(page, offset)
                rowid, pos = varint(page, pos)
                found.append(Cell(number, index, offset, rowid, record(self._payload(page, pos, size, True))))
            elif kind == INDEX_LEAF:
                size, pos = varint(page, offset)
                found.append(Cell(number, index, offset, None, record(self._payload(page, pos, size, False))))
        return found

    def _payload(self, page: bytes, pos: int, size: int, table: bool) -> bytes:
        usable = self.usable
        most = usable - 35 if table else ((usable - 12) * 64 // 255) - 23
        if size <= most:
            return page[pos : pos + size]
        least = ((usable - 12) * 32 // 255) - 23
        local = least + ((size - least) % (usable - 4))
        local = local if local <= most else least
        data = bytearray(page[pos : pos + local])
        overflow = struct.unpack(">I", page[pos + local : pos + local + 4])[0]
        while overflow and len(data) < size and overflow in self.pages:
            chunk = self.pages[overflow]
            data += chunk[4 : 4 + min(usable - 4, size - len(data))]
            overflow = struct.unpack(">I", chunk[:4])[0]
        return bytes(data)

    def children(self, number: int) -> list[int]:
        page, start = self._header(number)
        kind = page[start]
        if kind not in (TABLE_INTERIOR, INDEX_INTERIOR):
            return []
        count = struct.unpack(">H", page[start + 3 : start + 5])[0]
        found = []
        for index in range(count):
            offset = struct.unpack(">H", page[start + 12 + 2 * index : start + 14 + 2 * index])[0]
            found.append(struct.unpack(">I", page[offset : offset + 4])[0])
        return found + [struct.unpack(">I", page[start + 8 : start + 12])[0]]  # the right-most last

    def leaves(self, root: int) -> list[int]:
        """The leaf pages of one b-tree, left to right."""
        found, stack, seen = [], [root], set()
        while stack:
            number = stack.pop(0)
            if number in seen or self.kind(number) is None:
                continue
            seen.add(number)
            children = self.children(number)
            if children:
                stack = children + stack
            else:
                found.append(number)
        return found

    # ---- the schema ---------------------------------------------------------------------

    def schema(self) -> list[dict]:
        """sqlite_master's rows: type, name, tbl_name, rootpage, sql."""
        rows = []
        for leaf in self.leaves(1):
            for cell in self.cells(leaf):
                if len(cell.values) >= 5:
                    kind, name, table, root, sql = cell.values[:5]
                    rows.append(
                        {"type": kind, "name": name, "tbl_name": table, "rootpage": root, "sql": sql or ""}
                    )
        return rows

    def owners(self) -> dict[int, str]:
        """Which table (or the table of which index) each b-tree page belongs to."""
        if "owners" not in self._memo:
            self._memo["owners"] = self._owners()
        return self._memo["owners"]

    def _owners(self) -> dict[int, str]:
        owner = {}
        for row in self.schema():
            if row["rootpage"]:
                for number in self._tree(row["rootpage"]):
                    index = "" if row["type"] == "table" else f"#{row['name']}"
                    owner[number] = f"{row['tbl_name']}{index}"
        for number in self._tree(1):
            owner[number] = "sqlite_master"
        return owner

    def _tree(self, root: int) -> list[int]:
        found, stack = [], [root]
        while stack:
            number = stack.pop()
            if number in found or self.kind(number) is None:
                continue
            found.append(number)
            stack += self.children(number)
        return found

    def rows(self, table: str) -> list[Cell]:
        """A table's rows as they lie on its leaf pages, page by page, in pointer order."""
        root = next(r["rootpage"] for r in self.schema() if r["type"] == "table" and r["name"] == table)
        return [cell for leaf in self.leaves(root) for cell in self.cells(leaf)]

    def key_width(self) -> dict[str, int]:
        """How many leading values make the key of each WITHOUT ROWID table (0: a rowid table)."""
        if "widths" in self._memo:
            return self._memo["widths"]
        widths = self._memo["widths"] = {}
        for row in self.schema():
            if row["type"] != "table":
                continue
            sql = row["sql"].lower()
            if "without rowid" not in sql:
                widths[row["name"]] = 0
                continue
            found = re.search(r"primary key\s*\(([^)]*)\)", sql)
            widths[row["name"]] = len(found.group(1).split(",")) if found else 1
        return widths

    def all_cells(self) -> list[tuple[str, Cell]]:
        """Every cell of every leaf page in the file, with its owner ('?' for a page no table
        owns now: free pages still hold what they held)."""
        owner = self.owners()
        found = []
        for number in sorted(self.pages):
            if self.kind(number) in (TABLE_LEAF, INDEX_LEAF):
                try:
                    cells = self.cells(number)
                except (IndexError, struct.error, UnicodeDecodeError):
                    continue
                found += [(owner.get(number, "?"), cell) for cell in cells]
        return found


# ---- the WAL (section 4) ---------------------------------------------------------------


@dataclass
class Commit:
    frames: dict[int, bytes] = field(default_factory=dict)
    current: bool = True  # False: frames of an earlier WAL generation, still in the file


def wal_commits(path: Path) -> list[Commit]:
    """The WAL's frames grouped into commits, in order. Frames whose salt is not the header's
    are what an earlier generation left behind; they are returned too (first), since they are
    in the file."""
    path = Path(path)
    if not path.exists() or path.stat().st_size < 32:
        return []
    data = path.read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    stale, current, open_commit = [], [], {True: Commit(), False: Commit(current=False)}
    frame = 24 + page_size
    for start in range(32, len(data) - frame + 1, frame):
        number, size_after = struct.unpack(">II", data[start : start + 8])
        is_current = data[start + 8 : start + 16] == salts
        commit = open_commit[is_current]
        commit.frames[number] = data[start + 24 : start + frame]
        if size_after:
            (current if is_current else stale).append(commit)
            open_commit[is_current] = Commit(current=is_current)
    return stale + current


def wal_page_size(path: Path) -> int | None:
    data = Path(path).read_bytes()[:12] if Path(path).exists() else b""
    return struct.unpack(">I", data[8:12])[0] if len(data) == 12 else None
