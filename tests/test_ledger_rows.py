"""The ledger's per-row cells that come from other tables (the latest progress report, the
latest decided look-back and its satisfaction, extensions) are read a chunk of rows at a time:
the cells must be the same as one query per row gave, across chunk boundaries."""

from __future__ import annotations

import secrets
from datetime import date
from zoneinfo import ZoneInfo

import openpyxl

from documents import ledger_workbook
from storage import problems

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _ballots(db, lookback_id: int, **counts: int) -> None:
    for choice, n in counts.items():
        for _ in range(n):
            db.execute(
                "insert into lookback_ballots values (?, ?, ?)", [secrets.token_hex(8), lookback_id, choice]
            )


def _lookback(db, problem_id: int, round_: str, result: str | None) -> int:
    return db.execute(
        "insert into lookbacks (problem_id, round, opens_on, closes_on, result) "
        "values (?, ?, '2026-10-01', '2026-10-15', ?)",
        [problem_id, round_, result],
    ).lastrowid


def _seed(db) -> dict[str, int]:
    author = db.execute("select id from people where name = '刘洋'").fetchone()[0]
    ids = {}
    for n in range(7):
        title = f"问题{n}"
        ids[title] = problems.create(db, title, None)
        db.execute(
            "update problems set status = 'closed', closed_at = '2026-09-01T02:00:00+00:00', "
            "progress = 100 where id = ?",
            [ids[title]],
        )
    held = _lookback(db, ids["问题0"], "30d", "reopened")
    _ballots(db, held, unsatisfied=3, satisfied=1)
    latest = _lookback(db, ids["问题0"], "90d", "held")  # the latest decided round counts
    _ballots(db, latest, satisfied=3, basic=1, unsatisfied=1, unknown=5)
    _lookback(db, ids["问题1"], "30d", "too_few")
    decided = _lookback(db, ids["问题2"], "30d", "held")
    _ballots(db, decided, basic=2)
    _lookback(db, ids["问题2"], "90d", None)  # still open: not a result yet
    _lookback(db, ids["问题3"], "30d", "held")  # held with no ballot counted: no share
    report = "insert into problem_reports (problem_id, author_id, text, percent, at) values (?, ?, ?, ?, ?)"
    for text, at in (("第一次", "2026-08-01T02:00:00+00:00"), ("最后一次汇报", "2026-08-20T02:00:00+00:00")):
        db.execute(report, [ids["问题4"], author, text, 80, at])
    db.execute(report, [ids["问题6"], author, "x" * 300, 50, "2026-08-02T02:00:00+00:00"])
    db.conn.commit()
    return ids


def test_each_row_shows_its_own_latest_report_and_look_back_across_chunks(db, invited, tmp_path, monkeypatch):
    ids = _seed(db)
    monkeypatch.setattr(problems, "CHUNK", 3)  # seven rows in three chunks
    path = tmp_path / "ledger.xlsx"
    assert ledger_workbook.write(db, path, date(2026, 11, 23), SHANGHAI) == 7
    sheet = openpyxl.load_workbook(path).active
    rows = {r[4]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows["问题0"][14], rows["问题0"][15]) == ("效果保持", 0.8)  # (3 + 1) / 5; 不了解 not counted
    assert (rows["问题1"][14], rows["问题1"][15]) == ("票数不足", None)
    assert (rows["问题2"][14], rows["问题2"][15]) == ("效果保持", 1)
    assert (rows["问题3"][14], rows["问题3"][15]) == ("效果保持", None)
    assert (rows["问题5"][14], rows["问题5"][15]) == (None, None)
    assert rows["问题4"][11] == "100%（2026年8月20日）最后一次汇报"
    assert rows["问题6"][11] == "100%（2026年8月2日）" + "x" * 200 + "…"
    assert rows["问题5"][11] == "100%"
    assert sorted(r[1] for r in rows.values()) == sorted(ids.values())


def test_the_tally_reads_the_ballots_from_their_index(db):
    plan = " ".join(
        r[3]
        for r in db.execute(
            "explain query plan select choice, count(*) from lookback_ballots where lookback_id = ? "
            "group by choice",
            [1],
        )
    )
    assert "USING COVERING INDEX lookback_ballots_lookback" in plan
