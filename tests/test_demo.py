"""The demo behind `make run` without a token: its seeded campaign, and a restart that keeps
its people and its clock. (The browser test walks through it; this checks what it stands on.)"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from demo_process import DemoProcess

from sandbox import demo_campaign
from storage import problems
from storage.db import open_database
from storage.keys import load_keys

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_demo_campaign_has_every_state_and_no_author(tmp_path):
    db = open_database(tmp_path / "rectify.db")
    keys = load_keys(None, tmp_path / "rectify.db", tmp_path / "k")
    demo_campaign.seed(db, keys, date(2026, 11, 23), SHANGHAI)

    statuses = {row[0] for row in db.execute("select status from problems")}
    assert statuses == set(problems.STATES)
    results = {row[0] for row in db.execute("select result from lookbacks")}
    assert results == {"held", "reopened", None}  # one held, one reopened, one still voting
    departments = {row[0] for row in db.execute("select name from departments")}
    assert departments == {"门诊部", "住院部", "后勤保障科", "医务科", "护理部", "组织人事科", "院办"}
    assert 20 <= db.execute("select count(*) from people").fetchone()[0] <= 25
    opinions = db.execute("select count(*), count(author_id) from opinions where anonymous = 1").fetchone()
    assert opinions[0] >= 8 and opinions[1] == 0
    seeded = db.execute("select count(*) from problems").fetchone()[0]
    keys = load_keys(None, tmp_path / "rectify.db", tmp_path / "k")
    demo_campaign.seed(db, keys, date(2026, 11, 23), SHANGHAI)
    assert db.execute("select count(*) from problems").fetchone()[0] == seeded  # once only


@pytest.mark.slow
async def test_a_restarted_demo_keeps_its_people_and_its_clock(tmp_path):
    async with aiohttp.ClientSession() as http:
        url = await DemoProcess.start(tmp_path)
        async with http.post(f"{url.address}/sandbox/clock", json={"by": "week"}) as answer:
            moved = datetime.fromisoformat((await answer.json())["now"])
        async with http.post(f"{url.address}/sandbox/clock", json={"by": "year"}) as answer:
            assert answer.status == 400
        await url.stop()

        url = await DemoProcess.start(tmp_path)
        async with http.get(f"{url.address}/sandbox/clock") as answer:
            assert datetime.fromisoformat((await answer.json())["now"]) >= moved
        async with http.get(f"{url.address}/sandbox/people") as answer:
            people = (await answer.json())["people"]
        # the hospital, the county around it (sandbox/demo_county.py), and a patient off the roster
        assert len(people) == 22 + 11 + 1
        patient = people[-1]
        assert (patient["name"], patient["roles"]) == ("患者家属", ["public"])
        async with http.get(
            f"{url.address}/sandbox/users/{patient['id']}/timeline", params={"after": 1, "wait": 10}
        ) as answer:
            scanned = [e["message"].get("text", "") for e in (await answer.json())["entries"]]
        assert any("群众意见箱" in text for text in scanned), scanned  # where the lobby poster leads
        chen = next(p for p in people if p["name"] == "陈刚")
        async with http.get(
            f"{url.address}/sandbox/users/{chen['id']}/timeline", params={"after": 1, "wait": 10}
        ) as answer:
            back = await answer.json()
        assert back["keyboard"]["keyboard"]  # /start brought the menu back; no new invitation
        await url.stop()
    assert db_problems(tmp_path) == 12


@pytest.mark.slow
async def test_the_first_run_keeps_the_demo_clock_while_the_campaign_is_seeded(tmp_path):
    # An offset set before the first run stands for the move to office hours a first run makes
    # at night: seeding the campaign (which moves the clock through its past) must not undo it.
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "sandbox_clock.json").write_text(json.dumps({"offset_seconds": 3 * 86400}))
    demo = await DemoProcess.start(tmp_path)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{demo.address}/sandbox/clock") as answer:
            shown = datetime.fromisoformat((await answer.json())["now"])
    finally:
        await demo.stop()
    assert shown - datetime.now(UTC) > timedelta(days=2, hours=23)


def db_problems(tmp_path: Path) -> int:
    db = open_database(tmp_path / "sandbox" / "rectify.db")
    return db.execute("select count(*) from problems").fetchone()[0]
