"""Roster import against a real SQLite file: encodings, idempotence, all-or-nothing."""

from __future__ import annotations

import pytest
from conftest import dump

import bot
from storage import people, roster
from storage.roster import RosterError

ROWS = [
    ("张伟", "门诊部", "职工"),
    ("李娜", "院办", "班子成员、职工"),
    ("王芳", "组织人事科", "活动办"),
    ("刘洋", "门诊部", "科室负责人"),
    ("陈静", "护理部", "staff"),
    ("赵强", "后勤保障科", "head, leader"),
    ("孙丽", "住院部", "职工"),
    ("周敏", "医务科", "职工"),
]
TABLES = ("people", "departments", "audit")


def csv_text(rows, header="姓名,科室,角色") -> str:
    return header + "\n" + "".join(",".join(f'"{c}"' for c in row) + "\n" for row in rows)


def people_seen(db) -> list[tuple]:
    return [(p.name, p.department, p.roles) for p in people.everyone(db)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_every_encoding_gives_the_same_people(db, encoding):
    roster.apply(db, roster.parse(csv_text(ROWS).encode(encoding)), None)
    assert sorted(people_seen(db)) == sorted(
        [
            ("张伟", "门诊部", frozenset({"staff"})),
            ("李娜", "院办", frozenset({"leader", "staff"})),
            ("王芳", "组织人事科", frozenset({"office", "staff"})),
            ("刘洋", "门诊部", frozenset({"head", "staff"})),
            ("陈静", "护理部", frozenset({"staff"})),
            ("赵强", "后勤保障科", frozenset({"head", "leader", "staff"})),
            ("孙丽", "住院部", frozenset({"staff"})),
            ("周敏", "医务科", frozenset({"staff"})),
        ]
    )


def test_windows_line_endings_and_english_headers(db):
    text = csv_text(ROWS, header="name,department,roles").replace("\n", "\r\n")
    roster.apply(db, roster.parse(text.encode("utf-8-sig")), None)
    assert len(people.everyone(db)) == len(ROWS)


def test_reimporting_the_same_file_changes_nothing(db):
    raw = csv_text(ROWS).encode("gbk")
    roster.apply(db, roster.parse(raw), None)
    before = dump(db, *TABLES)
    changes = roster.apply(db, roster.parse(raw), None)
    assert changes.empty and changes.unchanged == len(ROWS)
    assert dump(db, *TABLES) == before


def test_an_edited_row_updates_that_person_and_a_missing_one_is_deactivated(db):
    roster.apply(db, roster.parse(csv_text(ROWS).encode()), None)
    first_ids = {p.name: p.id for p in people.everyone(db)}
    edited = [("张伟", "住院部", "职工")] + ROWS[1:-1]  # 张伟 moved, 周敏 left
    changes = roster.apply(db, roster.parse(csv_text(edited).encode()), None)
    assert changes.updated == ["张伟"] and changes.deactivated == ["周敏"] and not changes.added
    zhang = next(p for p in people.everyone(db) if p.name == "张伟")
    assert zhang.department == "住院部" and zhang.id == first_ids["张伟"]
    assert "周敏" not in [p.name for p in people.everyone(db)]
    # deactivated, not deleted: the row and its history stay
    assert db.execute("select active from people where name = '周敏'").fetchone()[0] == 0
    # and coming back reactivates the same row
    roster.apply(db, roster.parse(csv_text(ROWS).encode()), None)
    assert db.execute("select id, active from people where name = '周敏'").fetchone() == (
        first_ids["周敏"],
        1,
    )


def test_a_bad_row_on_line_7_refuses_the_whole_file(db):
    roster.apply(db, roster.parse(csv_text(ROWS[:2]).encode()), None)
    before = dump(db, *TABLES)
    bad = list(ROWS)
    bad[5] = ("赵强", "后勤保障科", "董事长")  # data row 6 is line 7 of the file
    with pytest.raises(RosterError) as refused:
        roster.parse(csv_text(bad).encode("gbk"))
    assert refused.value.line == 7 and refused.value.detail == "董事长"
    assert dump(db, *TABLES) == before


@pytest.mark.parametrize(
    "row, reason",
    [
        (("", "门诊部", "职工"), "no_name"),
        (("某人", "", "职工"), "no_department"),
        (("张伟", "门诊部", "职工"), "duplicate"),
        (("长" * 60, "门诊部", "职工"), "long_name"),
    ],
)
def test_each_kind_of_bad_row_names_its_line(row, reason):
    with pytest.raises(RosterError) as refused:
        roster.parse(csv_text(ROWS[:3] + [row]).encode())
    assert (refused.value.reason, refused.value.line) == (reason, 5)


def test_missing_columns_and_empty_files_are_refused():
    with pytest.raises(RosterError, match="header"):
        roster.parse("姓名,电话\n张伟,123\n".encode())
    with pytest.raises(RosterError, match="empty"):
        roster.parse(b"")
    with pytest.raises(RosterError, match="empty"):
        roster.parse("姓名,科室,角色\n".encode())


def test_same_names_are_told_apart_by_staff_number(db):
    text = "工号,姓名,科室,角色\n001,张伟,门诊部,职工\n002,张伟,住院部,职工\n"
    roster.apply(db, roster.parse(text.encode("gbk")), None)
    assert sorted(p.department for p in people.everyone(db)) == ["住院部", "门诊部"]


def test_the_cli_import_applies_and_reports_line_numbers(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "cli.db"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_text(ROWS).encode("gbk"))
    bad.write_bytes(csv_text(ROWS[:5] + [("赵强", "后勤保障科", "董事长")]).encode())
    assert bot.main(["roster", "import", str(good)]) == 0
    assert "8 added" in capsys.readouterr().out
    assert bot.main(["roster", "import", str(good)]) == 0
    assert "0 added, 0 updated, 0 deactivated, 8 unchanged" in capsys.readouterr().out
    assert bot.main(["roster", "import", str(bad)]) == 1
    assert "第 7 行" in capsys.readouterr().err
