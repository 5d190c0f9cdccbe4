"""The house's layering, checked: no SQL outside storage/ (handlers, jobs, documents and the
command line call named storage functions and pass filter objects, never SQL), and storage/
never imports telegram."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_STORAGE = [
    *ROOT.glob("handlers/**/*.py"),
    *ROOT.glob("jobs/*.py"),
    *ROOT.glob("documents/*.py"),
    ROOT / "cli.py",
    ROOT / "bot.py",
]
SQL = re.compile(
    r"\.(execute|executescript|query)\(|\bupdate \w+ set\b|\bpr\.\w+ (=|in\b|is\b)"
    r"|\b(select|insert into|delete from)\b .*\b(from|values|where)\b",
    re.IGNORECASE,
)


def test_no_sql_outside_storage():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in OUTSIDE_STORAGE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SQL.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


def test_storage_never_imports_telegram():
    found = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("storage/*.py")
        if re.search(r"^\s*(from|import) telegram", path.read_text(), re.MULTILINE)
    ]
    assert found == []
