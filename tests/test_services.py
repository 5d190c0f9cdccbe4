"""Services, not string keys: handlers and jobs read what the bot holds through services.py's
typed fields (access.services(context), services.of(app)), never bot_data by a string key; each
institution (督导) has its own Services, sharing the deployment's part.

Fast tier (tests/fast.py) for the run-time half."""

from __future__ import annotations

import re
from pathlib import Path

from test_supervision import PEOPLE, county, everyone_joins, view

import services
from jobs import institutions
from services import Services, Shared

ROOT = Path(__file__).resolve().parent.parent
# the modules that build the Services (and the views that hold them), and persistence, whose
# get/update_bot_data are python-telegram-bot's own interface
BUILDERS = {"jobs/institutions.py", "handlers/persistence.py"}
READ = re.compile(r"bot_data\s*(\[|\.(get|setdefault|pop|update)\()")


def test_no_handler_or_job_reads_bot_data_by_a_string_key():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("jobs/*.py")]
        if str(path.relative_to(ROOT)) not in BUILDERS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if READ.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


async def test_the_services_are_typed_and_one_object_per_run(fast_bot):
    held = services.of(fast_bot.app)
    assert isinstance(held, Services) and isinstance(held.shared, Shared)
    assert held.db is fast_bot.db and held.keys is held.shared.keys
    assert held.anonymous_pool is not None
    assert services.of(fast_bot.app) is held  # built once, not per update


async def test_each_institution_has_its_own_services_and_shares_the_deployments(
    fast_bot, fast_client, db_path
):
    codes = county(fast_bot.db, db_path)
    people = await everyone_joins(fast_client, codes)
    main = services.of(fast_bot.app)
    a, b = services.of(view(fast_bot, "甲医院")), services.of(view(fast_bot, "乙医院"))
    # the institution's own: its database, settings, pool and what its handlers hold in memory
    assert len({id(s.db) for s in (main, a, b)}) == 3
    assert a.settings.institution == "甲医院" and b.settings.institution == "乙医院"
    assert a.anonymous_pool is not b.anonymous_pool
    assert a.drafts is not b.drafts and a.writing_back is not b.writing_back
    # the deployment's: one set of keys, one stop, one delivery lock, one throttle
    assert a.shared is b.shared is main.shared
    assert a.keys is main.keys

    # an opinion being written in 甲 is held in 甲's drafts, nowhere else
    await people["甲职工"].send("/opinion")
    assert PEOPLE["甲职工"] in a.drafts
    assert PEOPLE["甲职工"] not in b.drafts and PEOPLE["甲职工"] not in main.drafts
    assert institutions.view_for_user(fast_bot.app, PEOPLE["甲职工"]) is view(fast_bot, "甲医院")
