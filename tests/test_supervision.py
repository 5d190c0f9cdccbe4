"""督导: a supervising body and its institutions in one deployment. Each institution is a
database of its own (storage/institutions.py, jobs/institutions.py): a person of one sees
nothing of another, whether they read the ledger, the inbox, the history or a digest.

Fast tier (tests/fast.py), over the in-process fake Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import submit_opinion

from jobs import digests, institutions, opinion_batches
from storage import institutions as directory
from storage import invitations, outbox, problems, roster
from storage.clock import clock
from storage.db import open_database

COUNTY_CSV = """姓名,单位,科室,角色
周督导,县卫生健康局,督导组,督导组
吴局长,县卫生健康局,局领导,委领导
郑秘书,县卫生健康局,局办公室,活动办
甲职工,甲医院,门诊部,职工
甲院长,甲医院,院办,班子成员
甲办,甲医院,院办,活动办
乙职工,乙医院,门诊部,职工
乙院长,乙医院,院办,班子成员
乙办,乙医院,院办,活动办
"""

PEOPLE = {"周督导": 901, "吴局长": 902, "郑秘书": 903, "甲职工": 911, "甲院长": 912, "甲办": 913,
          "乙职工": 921, "乙院长": 922, "乙办": 923}


def county(db, db_path) -> dict[str, str]:
    """The county imported (the main database becomes the bureau's) and everyone invited:
    name -> invitation code."""
    institutions_seen = directory.import_roster(db, db_path, roster.parse(COUNTY_CSV.encode()), "")
    assert set(institutions_seen) == {"县卫生健康局", "甲医院", "乙医院"}
    codes = {}
    for unit in directory.listed(db):
        unit_db = db if unit.is_main else open_database(unit.file(db_path))
        for invitation in invitations.issue(unit_db, [p.id for p in invitations.unbound(unit_db)], 14):
            codes[invitation.person.name] = invitation.code
        if unit_db is not db:
            unit_db.close()
    return codes


async def everyone_joins(fast_client, codes):
    joined = {}
    for name, user_id in PEOPLE.items():
        person = await fast_client.user(user_id, name)
        replies = await person.send(f"/start {codes[name]}")
        assert name in replies[-1].text, replies[-1].text
        joined[name] = person
    return joined


def view(fast_bot, name):
    found = institutions.view_named(fast_bot.app, name)
    assert found is not None, name
    return found


def test_roster_by_institution_and_the_body(db, db_path):
    county(db, db_path)
    units = {u.name: u for u in directory.listed(db)}
    assert units["县卫生健康局"].is_body and units["县卫生健康局"].is_main
    assert not units["甲医院"].is_body and units["甲医院"].file(db_path).exists()
    # the bureau's database holds the bureau's people only
    names = {r["name"] for r in db.query("select name from people")}
    assert names == {"周督导", "吴局长", "郑秘书"}


def test_a_roster_that_names_two_bodies_is_refused(db, db_path):
    bad = COUNTY_CSV + "钱督导,乙医院,院办,督导组\n"
    with pytest.raises(roster.RosterError) as refused:
        directory.import_roster(db, db_path, roster.parse(bad.encode()), "")
    assert refused.value.reason == "two_bodies"
    assert not directory.listed(db)


def test_a_file_that_writes_departments_under_danwei_still_reads(db):
    rows = roster.parse("姓名,单位,角色\n张伟,门诊部,职工\n".encode())
    assert rows[0].department == "门诊部" and rows[0].institution == ""


async def test_a_person_of_one_institution_sees_nothing_of_another(fast_bot, fast_client, db_path):
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    a, b = view(fast_bot, "甲医院"), view(fast_bot, "乙医院")
    assert institutions.view_for_user(fast_bot.app, PEOPLE["甲职工"]) is a
    problems.create(a.bot_data["db"], "甲医院食堂排队太久", None)
    problems.create(b.bot_data["db"], "乙医院停车位不足", None)

    ledger_a = " ".join(m.text for m in await people["甲职工"].send("/ledger"))
    ledger_b = " ".join(m.text for m in await people["乙职工"].send("/ledger"))
    assert "甲医院食堂排队太久" in ledger_a and "乙医院停车位不足" not in ledger_a
    assert "乙医院停车位不足" in ledger_b and "甲医院食堂排队太久" not in ledger_b

    # an anonymous opinion in 甲 reaches 甲's office only, through 甲's own mixing pool
    receipt = await submit_opinion(people["甲职工"], "门诊大厅的意见箱很久没人开过了", department="门诊部")
    assert receipt and "-" in receipt
    assert institutions.view_for_user(fast_bot.app, PEOPLE["乙职工"]) is b
    assert a.bot_data["anonymous_pool"] is not b.bot_data["anonymous_pool"]
    for unit in institutions.each(fast_bot.app):
        await opinion_batches.release_to_office(unit)
    inbox_a = " ".join(m.text or "" for m in await people["甲办"].send("/inbox"))
    inbox_b = " ".join(m.text or "" for m in await people["乙办"].send("/inbox"))
    assert "意见箱很久没人开过" in inbox_a
    assert "意见箱很久没人开过" not in inbox_b
    assert b.bot_data["db"].execute("select count(*) from opinions").fetchone()[0] == 0
    assert fast_bot.db.execute("select count(*) from opinions").fetchone()[0] == 0

    # the office digest of 乙 speaks of 乙 only; the receipt of 甲 is unknown in 乙
    history_b = " ".join(m.text or "" for m in await people["乙办"].send("/history"))
    assert "甲医院" not in history_b
    await people["乙职工"].send("/receipt")
    unknown = await people["乙职工"].send(receipt)
    assert "门诊大厅" not in " ".join(m.text or "" for m in unknown)
    digest_b = " ".join(m.text or m.caption or "" for m in await people["乙办"].send("/digest"))
    assert "乙医院停车位不足" in digest_b and "甲医院" not in digest_b
    # the scheduled digests: each institution's office and leaders, of their institution only
    now = clock.now()
    queued = {}
    for unit in institutions.each(fast_bot.app):
        queued[unit] = await digests.queue_due(unit, now - timedelta(days=7), now)
        texts = " ".join(row.text for row in outbox.due(unit.bot_data["db"], limit=1000))
        if unit is a:
            assert "乙医院" not in texts
        if unit is b:
            assert "甲医院" not in texts and "乙医院停车位不足" in texts
    assert queued[a] and queued[b]
