"""Reads that run on the event loop for every person who asks stay index reads: `/ledger`
counts the public problems (to say how many pages) and reads one page of them on every ask.
At full size (100,000 problems) a count over the index took 12 ms and a page that sorted every
public problem 120 ms, on the loop, per ask."""

from __future__ import annotations

from storage import problems


def _statements(db, read) -> tuple[object, list[str]]:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        found = read()
    finally:
        db.conn.set_trace_callback(None)
    return found, [s for s in statements if s.lstrip().lower().startswith("select")]


def _plan(db, sql: str) -> str:
    return " / ".join(row[3] for row in db.execute(f"explain query plan {sql}"))


def test_counting_the_public_problems_reads_one_row(db):
    for n in range(30):
        problems.create(db, f"问题{n}", None, public=n % 3 != 0)
    found, [sql] = _statements(db, lambda: problems.count(db, problems.PUBLIC))
    assert found == 20
    assert "problem_counts" in sql and "SEARCH problem_counts USING INTEGER PRIMARY KEY" in _plan(db, sql)


def test_the_public_count_follows_every_write(db):
    ids = [problems.create(db, f"问题{n}", None, public=n % 2 == 0) for n in range(10)]

    def counted() -> tuple[int, int]:
        return problems.count(db, problems.PUBLIC), problems.count(db, problems.Filter(public=False))

    def scanned() -> tuple[int, int]:
        sql = "select count(*) from problems where public = ?"
        return tuple(db.execute(sql, [flag]).fetchone()[0] for flag in (1, 0))

    assert counted() == scanned() == (5, 5)
    db.execute("update problems set public = 0 where id in (?, ?)", ids[:2])  # one public, one not
    db.execute("update problems set title = '改过' where id = ?", [ids[2]])  # no change of public
    assert counted() == scanned() == (4, 6)
    db.execute("delete from problems where id = ?", [ids[4]])
    assert counted() == scanned() == (3, 6)


def test_a_page_of_the_public_ledger_is_read_in_index_order(db):
    for n in range(30):
        problems.create(db, f"问题{n}", None, public=n % 3 != 0)
    first, [sql] = _statements(db, lambda: problems.page(db, problems.PUBLIC, 10))
    plan = _plan(db, sql)
    assert "problems_public_page" in plan and "TEMP B-TREE" not in plan
    following, [sql] = _statements(db, lambda: problems.page(db, problems.PUBLIC, 10, first.after))
    assert "problems_public_page" in _plan(db, sql) and "TEMP B-TREE" not in _plan(db, sql)
    assert not {p.id for p in first.problems} & {p.id for p in following.problems}


def test_a_count_by_department_name_still_reads_the_departments(db):
    problems.create(db, "问题", None)
    found, [sql] = _statements(db, lambda: problems.count(db, problems.Filter(department="门诊部")))
    assert found == 0 and " d " in f" {_plan(db, sql)} "


def _working_and_not(db, count: int) -> None:
    for n in range(count):
        problem_id = problems.create(db, f"问题{n}", None)
        db.execute("update problems set status = ? where id = ?", [problems.STATES[n % 8], problem_id])


def test_a_job_reads_every_problem_in_ranges_of_numbers_each_bounded(db, monkeypatch):
    """The 09:00 reminders read every working problem (three statuses): each chunk is a range
    of CHUNK numbers, not "the next CHUNK after the last", which made SQLite sort every
    remaining match for each chunk."""
    monkeypatch.setattr(problems, "CHUNK", 4)
    _working_and_not(db, 30)
    expected = [
        row[0]
        for row in db.execute(
            "select id from problems where status in ('dispatched', 'in_progress', 'returned') order by id"
        )
    ]
    found, statements = _statements(db, lambda: [p.id for p in problems.each(db, problems.WORKING_FILTER)])
    assert found == expected and len(found) > 4
    reads = [s for s in statements if "from problems pr" in s]
    assert len(reads) == 8  # numbers 1-30 in ranges of 4
    for sql in reads:
        assert "rowid>? AND rowid<?" in _plan(db, sql)  # a range: its cost does not grow with the table


def test_a_job_reads_problems_added_while_it_reads(db, monkeypatch):
    monkeypatch.setattr(problems, "CHUNK", 4)
    _working_and_not(db, 10)
    seen = []
    for problem in problems.each(db):
        seen.append(problem.id)
        if len(seen) == 1:
            later = problems.create(db, "后来的问题", None)
    assert seen == sorted(seen) and seen[-1] == later and len(seen) == 11


def test_the_main_connection_keeps_a_page_cache_for_the_full_size(db):
    """SQLite's default (2 MiB) made the 09:00 pass read index pages again from the OS."""
    from storage.db import CACHE_KIB

    assert db.execute("pragma cache_size").fetchone()[0] == -CACHE_KIB


def test_checkpoints_run_in_a_thread_of_their_own_not_in_the_bots_commits(db, db_path):
    """At full size the 09:00 pass writes hundreds of MB of WAL: by default every few slices a
    commit on the event loop also copied 1,000 pages into the file and waited for its fsync."""
    import time

    from storage.db import AUTOCHECKPOINT_PAGES, Checkpointer

    checkpoints = Checkpointer(db, seconds=0.01).start()
    try:
        assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == 0  # the bot's commits never do
        before = db_path.stat().st_size
        with db.atomic():
            db.execute("create table filler (text)")
            db.conn.executemany("insert into filler values (?)", [("x" * 2000,)] * 3000)  # > 1,000 pages
        deadline = time.monotonic() + 10

        def copied() -> bool:  # the file grows during the thread's checkpoint, before it counts it
            return db_path.stat().st_size >= before + 3000 * 2000 and checkpoints.rounds > 0

        while not copied() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert db_path.stat().st_size >= before + 3000 * 2000  # copied into the file by the thread
        assert checkpoints.rounds
    finally:
        checkpoints.stop()
    assert db.execute("pragma wal_autocheckpoint").fetchone()[0] == AUTOCHECKPOINT_PAGES
    assert db.execute("select count(*) from filler").fetchone()[0] == 3000


def test_an_in_memory_database_gets_no_checkpointer():
    from storage.db import Checkpointer, open_database

    memory = open_database(":memory:")
    checkpoints = Checkpointer(memory).start()
    checkpoints.stop()
    assert checkpoints.rounds == 0


def test_the_cut_after_an_anonymous_batch_waits_for_the_checkpointers_round(db, db_path):
    """SQLite turns a second checkpoint away at once: the pool's cut of the WAL after a batch
    failed whenever the checkpointer's round was running, leaving the batch's commit in the
    WAL until the sweeper's next try. It waits for the round now, a moment at most."""
    import threading
    import time

    from storage.anonymous_pool import SETTLE_WAIT_MS, settle
    from storage.db import Checkpointer, checkpointing

    wal = db_path.with_name(db_path.name + "-wal")
    checkpoints = Checkpointer(db, seconds=0.01).start()
    round_running = checkpointing(db_path)
    try:
        with round_running:  # as the checkpointer's round holds it
            with db.atomic():
                db.execute("create table batch (text)")
                db.conn.executemany("insert into batch values (?)", [("x" * 500,)] * 200)
            time.sleep(0.1)
            assert checkpoints.rounds == 0  # no round while another checkpoint runs
            assert wal.stat().st_size > 0
            assert not settle(db)  # a round longer than the moment: the sweeper tries again
            threading.Timer(SETTLE_WAIT_MS / 1000 / 4, round_running.release).start()
            assert settle(db)  # a round that ends within the moment is waited for
            assert wal.stat().st_size == 0
            round_running.acquire()  # for the with-block's release
    finally:
        checkpoints.stop()
    assert db.execute("select count(*) from batch").fetchone()[0] == 200
