"""督导: the operator's checks cover every institution's database, not the main one only.
`python bot.py doctor` and `migrate` (and `migrate --dry-run`) pass over each institution of the
directory, each said by name; the health endpoint reads each institution's database and
delivery. One institution whose file is broken is reported, and the others are still examined."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import cli
import config
from health import server as health_server
from health.vitals import Vitals
from jobs import institutions
from storage import backups, roster
from storage import institutions as directory
from storage.clock import clock
from storage.db import open_database
from storage.keys import load_keys

COUNTY = """姓名,单位,科室,角色
周督导,县卫生健康局,督导组,督导组
郑秘书,县卫生健康局,局办公室,活动办
甲办,甲医院,院办,活动办
乙办,乙医院,院办,活动办
"""
FIRST_RELEASE = Path(__file__).parent / "data" / "first-release.db"


def _settings(tmp_path) -> config.Settings:
    return config.load(
        env={
            "DATABASE_PATH": str(tmp_path / "data" / "rectify.db"),
            "SECRET_KEY_FILE": str(tmp_path / "keys" / "secret.key"),
        },
        dotenv=False,
    )


@pytest.fixture
def umask():
    old = os.umask(0o077)  # as the bot runs (bot._private_files)
    yield
    os.umask(old)


@pytest.fixture
def county(tmp_path, umask):
    """A bureau (the main database) and two hospitals, each its own file: name -> file."""
    settings = _settings(tmp_path)
    db = open_database(settings.database_path)
    directory.import_roster(db, settings.database_path, roster.parse(COUNTY.encode()), "")
    files = {unit.name: unit.file(settings.database_path) for unit in directory.listed(db)}
    db.close()
    load_keys(None, settings.database_path, settings.secret_key_file)
    return settings, files


def _run(settings, *words) -> int:
    return cli.run(settings, cli.parser().parse_args(list(words)))


def _break(path: Path) -> None:
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 200)


def test_the_doctor_examines_every_institution_by_name(county, capsys, holidays_known):
    settings, files = county
    assert _run(settings, "backup") == 0
    for name in ("甲医院", "乙医院"):
        assert _run(settings, "--institution", name, "backup") == 0
    capsys.readouterr()
    holidays_known(settings)
    assert _run(settings, "doctor") == 0, capsys.readouterr().out
    said = capsys.readouterr().out
    for name in ("县卫生健康局", "甲医院", "乙医院"):
        assert f"== {name} ({files[name]})" in said
    assert said.count("ok        integrity") == 3
    assert "3 institutions examined; all ok" in said

    _break(files["甲医院"])
    assert _run(settings, "doctor") == 1
    said = capsys.readouterr().out
    sections = {part.split(" ", 1)[0]: part for part in said.split("== ")[1:]}
    assert "ATTENTION integrity" in sections["甲医院"]
    for fine in ("县卫生健康局", "乙医院"):  # still examined, and fine
        assert "ATTENTION" not in sections[fine] and "ok        integrity" in sections[fine]
    assert said.rstrip().endswith("needing attention: 甲医院")


def test_the_bot_tightens_every_institutions_files(county):
    import bot

    settings, files = county
    os.umask(0o022)
    files["乙医院"].chmod(0o644)
    bot._private_files(settings)
    assert files["乙医院"].stat().st_mode & 0o077 == 0


def test_the_doctor_of_one_institution_deployment_says_what_it_said(tmp_path, capsys):
    settings = _settings(tmp_path)
    open_database(settings.database_path).close()
    _run(settings, "doctor")
    said = capsys.readouterr().out
    assert "==" not in said and "institutions examined" not in said and "integrity" in said


def test_migrate_passes_over_every_institution_and_reports_a_failing_one(county, capsys):
    settings, files = county
    shutil.copyfile(FIRST_RELEASE, files["甲医院"])  # an institution still on the first release
    for leftover in ("-wal", "-shm"):
        Path(f"{files['甲医院']}{leftover}").unlink(missing_ok=True)
    image = files["甲医院"].read_bytes()
    assert _run(settings, "migrate", "--dry-run") == 0
    said = capsys.readouterr().out
    assert f"县卫生健康局: {settings.database_path} is up to date" in said
    assert "甲医院: " in said and "migration(s) would run" in said.split("甲医院: ")[1].split("\n")[0]
    assert f"乙医院: {files['乙医院']} is up to date" in said
    assert files["甲医院"].read_bytes() == image  # looking changed nothing

    _break(files["乙医院"])
    assert _run(settings, "migrate") == 3
    out, err = capsys.readouterr()
    assert "甲医院: ran m005_opinions" in out and f"甲医院: {files['甲医院']} is up to date" in out
    assert "乙医院: " in err and "cannot be opened" in err
    assert f"县卫生健康局: {settings.database_path} is up to date" in out
    folder = Path(institutions.unit_settings(settings, _unit(settings, "甲医院")).backup_dir)
    assert backups.existing(folder), "the upgrade of 甲医院 was backed up in its own folder"
    assert _run(settings, "migrate", "--dry-run") == 1  # 乙医院 cannot be read, and says so
    out, err = capsys.readouterr()
    assert "甲医院: " + str(files["甲医院"]) + " is up to date" in out and "乙医院: " in err


def _unit(settings, name):
    return next(u for u in directory.on_disk(settings.database_path) if u.name == name)


async def test_health_reads_every_institution_and_names_a_broken_one(fast_bot, db_path):
    directory.import_roster(fast_bot.db, db_path, roster.parse(COUNTY.encode()), "")
    institutions.attach(fast_bot.app)
    fast_bot.app.bot_data.setdefault("vitals", Vitals())
    main, units = health_server.read_every(fast_bot.app, clock.now())
    assert {u.name for u in units} == {"县卫生健康局", "甲医院", "乙医院"}
    assert all(u.reading.error is None for u in units)
    others = [u for u in units if u.reading is not main]
    assert health_server.every_problem(fast_bot.app, main, others, clock.now()) == []
    families = {f.name: f for f in health_server.institution_families(units, clock.now())}
    up = {s.labels["institution"]: s.value for s in families["rectify_institution_database_up"].samples}
    assert up == {"县卫生健康局": 1, "甲医院": 1, "乙医院": 1}

    b = institutions.view_named(fast_bot.app, "乙医院")
    _break(Path(b.bot_data["settings"].database_path))
    main, units = health_server.read_every(fast_bot.app, clock.now())
    others = [u for u in units if u.reading is not main]
    found = health_server.every_problem(fast_bot.app, main, others, clock.now())
    assert len(found) == 1 and found[0].startswith("乙医院: the database does not answer"), found
    families = {f.name: f for f in health_server.institution_families(units, clock.now())}
    up = {s.labels["institution"]: s.value for s in families["rectify_institution_database_up"].samples}
    assert up == {"县卫生健康局": 1, "甲医院": 1, "乙医院": 0}
