"""Opinion rules against a real SQLite file: receipts, batches, what each action allows."""

from __future__ import annotations

from datetime import date

import pytest

from storage import opinions
from storage.keys import Keys, load_keys
from storage.opinions import Draft, OpinionError

KEYS = Keys(b"k" * 32)
DAY = date(2026, 11, 22)


def _submit(db, text="t", anonymous=True, department_id=None):
    draft = Draft(anonymous=anonymous, category="其他", department_id=department_id, text=text)
    return opinions.submit(db, draft, None if anonymous else 1, KEYS, DAY)


def test_receipts_are_found_by_their_code_in_any_spelling(db):
    opinion_id, receipt = _submit(db)
    pretty = opinions.format_receipt(receipt)
    for typed in (receipt, pretty, pretty.lower(), " ".join(pretty.split("-"))):
        assert opinions.by_receipt(db, KEYS, typed).id == opinion_id
    assert opinions.by_receipt(db, KEYS, "0" * 20) is None
    assert opinions.by_receipt(db, Keys(b"x" * 32), receipt) is None  # the key matters
    stored = db.execute("select receipt_hash from opinions").fetchone()[0]
    assert receipt not in stored and len(stored) == 64


def test_ids_are_random_and_receipts_carry_100_bits(db):
    ids = [_submit(db)[0] for _ in range(50)]
    assert len(set(ids)) == 50 and ids != sorted(ids)  # not handed out in any order
    assert len(opinions.RECEIPT_ALPHABET) ** opinions.RECEIPT_LENGTH >= 2**100


def test_the_office_sees_opinions_only_after_a_batch(db):
    opinion_id, _ = _submit(db)
    assert opinions.inbox(db, None, 10) == ([], 0, 0)
    with pytest.raises(OpinionError):
        opinions.reply(db, opinion_id, 1, "r", DAY)  # unreleased: not there for the office
    assert opinions.release_batch(db) == (1, 0)
    assert opinions.release_batch(db) == (0, 0)
    assert [o.id for o in opinions.inbox(db, None, 10)[0]] == [opinion_id]


def test_follow_ups_wait_for_the_batch_too(db, invited):
    opinion_id, _ = _submit(db)
    opinions.release_batch(db)
    opinions.mark_read(db, opinion_id)
    opinions.write_back(db, opinion_id, "追加", DAY)
    assert opinions.thread(db, opinion_id, office_view=True) == []
    assert opinions.release_batch(db) == (0, 1)
    assert [m.text for m in opinions.thread(db, opinion_id, office_view=True)] == ["追加"]
    assert opinions.get(db, opinion_id).unread


def test_closed_and_duplicate_opinions_take_no_more_actions(db, invited):
    first, _ = _submit(db, "a")
    second, _ = _submit(db, "b")
    opinions.release_batch(db)
    opinions.mark_duplicate(db, second, first, 1)
    opinions.close(db, first, 1, "答复", DAY)
    actions = (
        lambda i: opinions.reply(db, i, 1, "x", DAY),
        lambda i: opinions.close(db, i, 1, "x", DAY),
        lambda i: opinions.send_to_leader(db, i, 1, 1),
        lambda i: opinions.write_back(db, i, "x", DAY),
    )
    for opinion_id, refused in ((first, actions), (second, actions[1:3])):
        for action in refused:
            with pytest.raises(OpinionError):
                action(opinion_id)
    # a duplicate's holder may still write back, and the office answer (issue 18)
    opinions.write_back(db, second, "我的情况不太一样", DAY)
    opinions.reply(db, second, 1, "已转入原意见一并处理", DAY)
    assert opinions.get(db, second).status == opinions.DUPLICATE
    with pytest.raises(OpinionError):
        opinions.publish(db, second, 1)
    opinions.publish(db, first, 1)
    with pytest.raises(OpinionError):
        opinions.publish(db, first, 1)


def test_a_duplicate_needs_an_existing_other_opinion(db):
    opinion_id, _ = _submit(db)
    opinions.release_batch(db)
    for other in (opinion_id, "NOSUCHID"):
        with pytest.raises(OpinionError, match="no_original"):
            opinions.mark_duplicate(db, opinion_id, other, 1)


def test_counts_are_by_the_department_concerned(db, invited):
    outpatient = db.execute("select id from departments where name = '门诊部'").fetchone()[0]
    _submit(db, department_id=outpatient)
    _submit(db, department_id=outpatient)
    _submit(db)
    assert opinions.counts_by_department(db) == {}  # counted only once released to the office
    opinions.release_batch(db)
    assert opinions.counts_by_department(db) == {"门诊部": 2, None: 1}


def test_sealed_links_open_only_with_the_key(tmp_path):
    key_file = tmp_path / "keys" / "secret.key"
    keys = load_keys(None, tmp_path / "db.sqlite", key_file)
    assert key_file.stat().st_mode & 0o077 == 0 and not (tmp_path / "secret.key").exists()
    assert load_keys(None, tmp_path / "db.sqlite", key_file) == keys  # the same key after a restart
    sealed = keys.seal("7310000001")
    assert "7310000001" not in sealed and keys.unseal(sealed) == "7310000001"
    assert Keys(b"other" * 8).unseal(sealed) is None


def test_the_report_counts_an_opinion_on_the_problem_list_as_listed(db, invited):
    """Issue 18: an opinion turned into a problem is not 待处理 in the summary report."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from storage import problems, summary
    from storage.clock import clock

    listed, _ = _submit(db, "叫号屏黑屏")
    _submit(db, "食堂太咸")
    opinions.release_batch(db)
    # listed within the period: the report counts statuses as they stood at its end
    clock.freeze(datetime.combine(DAY, time(10), tzinfo=ZoneInfo("Asia/Shanghai")))
    problems.from_opinion(db, listed, 1)
    figures = summary.summarize(db, DAY, DAY, ZoneInfo("Asia/Shanghai"))
    assert figures.opinions_by_status == {"new": 1, "on_list": 1}
