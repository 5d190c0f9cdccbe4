"""Safe upgrades: pending migrations run only after a backup; a failing migration leaves the
database as it was and says how to roll back; `migrate --dry-run` lists what would run; a
database made by the first release (tests/data/first-release.db, made by that release's own
code) upgrades to this one and the bot runs on it."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import BotUnderTest, dump

import bot
from storage import backups, upgrades
from storage.db import open_database
from storage.migrations import migrations

FIRST_RELEASE = Path(__file__).parent / "data" / "first-release.db"
FIRST_MIGRATIONS = ["m001_people", "m002_invitations", "m003_audit", "m004_bot_state"]


@pytest.fixture
def old_database(tmp_path: Path) -> Path:
    path = tmp_path / "rectify.db"
    shutil.copyfile(FIRST_RELEASE, path)
    return path


def _applied(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("select name from _sqlite_migrations order by id")]
    finally:
        connection.close()


@pytest.fixture
def broken_migration():
    """A migration that changes things, then fails halfway (executescript commits as it goes,
    so the database cannot roll it back by itself)."""

    def m999_broken(db):
        db.executescript(
            "create table half_done (x); insert into half_done values (1);update people set name = 'changed';"
        )
        raise RuntimeError("the disk said no")

    migrations._migrations.append(migrations._Migration("m999_broken", m999_broken))
    yield
    migrations._migrations.pop()


def test_the_first_releases_database_is_upgraded_after_a_backup(old_database):
    assert _applied(old_database) == FIRST_MIGRATIONS
    planned = upgrades.planned(old_database)
    assert [s.name for s in planned] == [m.name for m in migrations._migrations][4:]
    assert _applied(old_database) == FIRST_MIGRATIONS  # looking changed nothing

    db = open_database(old_database)
    try:
        assert _applied(old_database) == [m.name for m in migrations._migrations]
        people = {
            r["name"]: r["telegram_user_id"] for r in db.query("select name, telegram_user_id from people")
        }
        assert people == {"张伟": 101, "李娜": None, "王芳": 103, "刘洋": None}
    finally:
        db.close()
    [backup] = backups.existing(old_database.parent / "backups")
    assert _applied(backup) == FIRST_MIGRATIONS  # the copy to go back to is the old one
    assert not upgrades.snapshot_of(old_database).exists()

    again = open_database(old_database)  # up to date: no second backup
    again.close()
    assert len(backups.existing(old_database.parent / "backups")) == 1


async def test_the_bot_runs_on_an_upgraded_first_release_database(old_database, server, client):
    under_test = BotUnderTest(server, old_database)
    await under_test.start()
    try:
        staff = await client.user(101, "Zhang")
        reply = await staff.send("/me")  # joined under the first release, still joined
        assert "张伟" in reply[-1].text and "门诊部" in reply[-1].text
    finally:
        await under_test.stop()


def test_a_failing_migration_leaves_the_database_as_it_was_and_says_how_to_go_back(
    old_database, broken_migration
):
    before = dump(open_database_readonly(old_database), "people", "invitations", "audit")
    with pytest.raises(upgrades.UpgradeFailed) as failed:
        open_database(old_database)
    message = str(failed.value)
    assert "m999_broken" in message and "the disk said no" in message
    assert "Nothing was changed" in message and "roll back" in message
    [backup] = backups.existing(old_database.parent / "backups")
    assert str(backup) in message

    assert _applied(old_database) == FIRST_MIGRATIONS  # not even the good migrations remain
    after = open_database_readonly(old_database)
    assert dump(after, "people", "invitations", "audit") == before
    assert "half_done" not in after.table_names() and "opinions" not in after.table_names()
    assert not upgrades.snapshot_of(old_database).exists()

    for _ in range(3):  # a supervisor restarting the bot again and again: no new backup each time
        with pytest.raises(upgrades.UpgradeFailed):
            open_database(old_database)
    assert backups.existing(old_database.parent / "backups") == [backup]
    writer = sqlite3.connect(old_database)  # something wrote to the database meanwhile
    writer.execute("update people set language = 'en' where name = '李娜'")
    writer.commit()
    writer.close()
    with pytest.raises(upgrades.UpgradeFailed) as again:
        open_database(old_database)
    assert len(backups.existing(old_database.parent / "backups")) == 2
    assert str(again.value.backup) != str(backup)


def test_no_backup_no_upgrade(old_database):
    (old_database.parent / "backups").write_text("a file where the backup folder should be")
    with pytest.raises(upgrades.UpgradeFailed) as failed:
        open_database(old_database)
    assert "upgrade not started: the copies before it failed" in str(failed.value)
    assert "Nothing was changed" in str(failed.value)
    assert _applied(old_database) == FIRST_MIGRATIONS
    assert not upgrades.snapshot_of(old_database).exists()


def test_an_upgrade_cut_short_is_put_back_at_the_next_start(old_database, tmp_path):
    snapshot = upgrades.snapshot_of(old_database)
    shutil.copyfile(old_database, snapshot)  # as the upgrade left it when the machine stopped
    half = sqlite3.connect(old_database)
    half.executescript("create table half_done (x); update people set name = 'changed';")
    half.close()

    db = open_database(old_database)
    try:
        assert "half_done" not in db.table_names()
        assert "changed" not in {r["name"] for r in db.query("select name from people")}
        assert _applied(old_database) == [m.name for m in migrations._migrations]
    finally:
        db.close()
    assert not snapshot.exists()


def test_a_new_database_needs_no_backup(tmp_path):
    open_database(tmp_path / "new.db").close()
    assert backups.existing(tmp_path / "backups") == []


def test_migrate_dry_run_lists_what_would_run_and_changes_nothing(old_database, capsys, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:test-token")
    monkeypatch.setenv("DATABASE_PATH", str(old_database))
    image = old_database.read_bytes()
    assert bot.main(["migrate", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert f"{len(migrations._migrations) - 4} migration(s) would run" in said
    assert "m005_opinions" in said and "m001_people" not in said
    assert old_database.read_bytes() == image and not (old_database.parent / "backups").exists()

    assert bot.main(["migrate"]) == 0
    said = capsys.readouterr().out
    assert "ran m005_opinions" in said and "the backup taken before" in said
    assert bot.main(["migrate", "--dry-run"]) == 0
    assert "up to date: no migration would run" in capsys.readouterr().out

    monkeypatch.setenv("DATABASE_PATH", str(old_database.parent / "none.db"))
    assert bot.main(["migrate", "--dry-run"]) == 0
    assert "no database" in capsys.readouterr().out
    assert not (old_database.parent / "none.db").exists()


def test_migrate_reports_a_failure_with_exit_code_3(old_database, capsys, monkeypatch, broken_migration):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:test-token")
    monkeypatch.setenv("DATABASE_PATH", str(old_database))
    assert bot.main(["migrate"]) == 3
    assert "upgrade failed in migration m999_broken" in capsys.readouterr().err
    assert bot.main(["backup"]) == 3  # any command that opens the database says the same
    assert "upgrade failed in migration m999_broken" in capsys.readouterr().err
    assert _applied(old_database) == FIRST_MIGRATIONS


def open_database_readonly(path: Path):
    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True))
