"""The migrations live in storage/migrations.py so that sqlite-utils' own command finds them: a
fresh file migrated by `sqlite-utils migrate fresh.db storage/migrations.py` has the schema the
bot gives a fresh file when it starts (storage.db.open_database): the same tables, indexes,
triggers and views, each with the same SQL, and the same migrations marked applied."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.db import open_database

MIGRATIONS = Path(__file__).resolve().parent.parent / "storage" / "migrations.py"


def schema(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    return {
        (kind, name): sql
        for kind, name, sql in conn.execute(
            "select type, name, sql from sqlite_master where type in ('table', 'index', 'trigger', 'view')"
        )
    }


def applied(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {tuple(row) for row in conn.execute("select migration_set, name from _sqlite_migrations")}


def test_sqlite_utils_migrate_builds_the_schema_the_bot_builds(tmp_path):
    by_command = tmp_path / "fresh.db"
    subprocess.run(
        [sys.executable, "-m", "sqlite_utils", "migrate", str(by_command), str(MIGRATIONS)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
    )
    by_bot = open_database(tmp_path / "bot" / "fresh.db")
    try:
        with sqlite3.connect(by_command) as command_conn:
            built, expected = schema(command_conn), schema(by_bot.conn)
            assert {name for kind, name in expected if kind == "trigger"}  # the comparison covers triggers
            assert built == expected
            assert applied(command_conn) == applied(by_bot.conn)
            declared = re.findall(r"^def (m\d+\w*)\(", MIGRATIONS.read_text(), re.MULTILINE)
            assert {name for _, name in applied(command_conn)} == set(declared)  # every one of them
    finally:
        by_bot.close()
