"""Hotspot groups against a real SQLite file: grouping when a batch is released, what is
kept, the office's merge / split / move, and who may see which group."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from test_hotspots import BOILING_WATER, WASHING_WATER  # one problem, two wordings kept apart

from documents import summary_report
from jobs import digests as digest_job
from jobs import hotspots as hotspot_job
from services import KEY, Services, Shared
from storage import digests, hotspots, opinions, people, roster, summary
from storage.hotspots import HotspotError
from storage.keys import Keys
from storage.opinions import Draft

KEYS = Keys(b"k" * 32)
SHED = [
    "自行车棚太乱了，车子东倒西歪，早上根本推不进去。",
    "腳踏車棚裡面堆滿了廢舊自行車，好幾年都沒人騎，建議統一清理。",
    "车棚里的僵尸车太多了🚲🚲，新来的同事只能把车停在路边。",
    "职工车棚的废旧车辆什么时候清理？已经反映过两次了。",
    "自行车棚满了，自行车没地方放，希望清理一下废旧车。",
    "建议整顿清理职工自行车棚，里面有很多没人要的旧自行车。",
]
CANTEEN = [
    "职工食堂的菜天天都是那几样，土豆白菜轮着来，吃腻了。",
    "食堂菜品单一，价格还不便宜，很多人宁可叫外卖。",
]


def submit(db, text, day=date(2026, 11, 20), category="其他", department_id=None):
    draft = Draft(category=category, department_id=department_id, text=text)
    return opinions.submit(db, draft, None, KEYS, day)[0]


def app_for(db):
    return SimpleNamespace(bot_data={KEY: Services(db, None, Shared(KEYS))})


@pytest.fixture
def departments(db):
    roster.apply(db, roster.parse("姓名,科室,角色\n甲,后勤保障科,职工\n乙,膳食科,职工\n".encode()), None)
    return {name: people.department_id(db, name) for name in ("后勤保障科", "膳食科")}


async def grouped(db, app=None):
    opinions.release_batch(db)
    return await hotspot_job.group_released(app or app_for(db))


async def test_released_opinions_are_grouped_and_a_hotspot_shows_its_span(db, departments):
    shed = [
        submit(db, t, date(2026, 11, 10 + n), "后勤保障", departments["后勤保障科"])
        for n, t in enumerate(SHED)
    ]
    canteen = [submit(db, t, category="其他", department_id=departments["膳食科"]) for t in CANTEEN]
    waiting = submit(db, "自行车棚漏雨")  # not released yet: the office has not seen it
    opinions.release_batch(db)
    db.execute("update opinions set released = 0 where id = ?", [waiting])
    assert await hotspot_job.group_released(app_for(db)) == 8
    assert hotspots.group_of(db, waiting) is None
    assert len({hotspots.group_of(db, o) for o in shed}) == 1
    assert hotspots.group_of(db, canteen[0]) == hotspots.group_of(db, canteen[1])
    first = hotspots.top(db, 10)[0]
    assert (first.size, first.first_day, first.last_day) == (6, "2026-11-10", "2026-11-15")
    assert first.representative in SHED
    assert first.categories == ("后勤保障",) and first.departments == ("后勤保障科",)
    assert [h.size for h in hotspots.top(db, 10)] == [6, 2]
    assert await hotspot_job.group_released(app_for(db)) == 0  # nothing new: nothing done


async def test_what_is_kept_is_the_two_ids_and_who_placed_it(db):
    for text in SHED:
        submit(db, text)
    await grouped(db)
    columns = {t: [c.name for c in db[t].columns] for t in ("hotspot_groups", "hotspot_members")}
    # a group: its id, its representative, and how many of its opinions are open (a count); a
    # member: two ids, who placed it, and the part of its group (m290: null, or a random id)
    assert columns == {
        "hotspot_groups": ["id", "representative", "open_size"],
        "hotspot_members": ["opinion_id", "group_id", "placed_by_office", "part_id"],
    }
    assert not db["hotspot_members"].use_rowid and not db["hotspot_groups"].use_rowid
    group_id = db.execute("select id from hotspot_groups").fetchone()[0]
    assert len(group_id) == hotspots.GROUP_ID_LENGTH and not group_id.isdigit()


async def test_the_office_merges_splits_and_moves_and_the_grouping_follows(db):
    app = app_for(db)
    shed = [submit(db, t) for t in SHED[:3]]
    canteen = [submit(db, t) for t in CANTEEN]
    await grouped(db, app)
    shed_group, canteen_group = hotspots.group_of(db, shed[0]), hotspots.group_of(db, canteen[0])
    assert shed_group != canteen_group

    hotspot_job.grouper(app).note_moves(hotspots.merge(db, shed_group, canteen_group, office_id=1))
    assert set(hotspots.members(db, shed_group)) == set(shed + canteen)
    assert hotspots.get(db, canteen_group) is None  # an emptied group is gone
    with pytest.raises(HotspotError):
        hotspots.merge(db, shed_group, canteen_group, office_id=1)

    new_group, moves = hotspots.split(db, canteen, office_id=1)
    hotspot_job.grouper(app).note_moves(moves)
    assert set(hotspots.members(db, new_group)) == set(canteen)
    assert db.execute("select count(*) from hotspot_members where placed_by_office = 1").fetchone()[0] == 2

    # the index took the office's word: a new shed opinion joins the shed group, the canteen
    # opinion the group the office made for the canteen
    later = [submit(db, SHED[3]), submit(db, "食堂的菜太难吃了，天天土豆白菜")]
    await grouped(db, app)
    assert hotspots.group_of(db, later[0]) == shed_group
    assert hotspots.group_of(db, later[1]) == new_group

    hotspot_job.grouper(app).note_moves(hotspots.move(db, later[1], shed_group, office_id=1))
    assert hotspots.group_of(db, later[1]) == shed_group
    with pytest.raises(HotspotError):
        hotspots.move(db, shed[0], "NOSUCHGR", office_id=1)
    actions = [r[0] for r in db.execute("select action from audit where action like 'hotspot.%'")]
    assert sorted(actions) == ["hotspot.merge", "hotspot.move", "hotspot.split"]
    await grouped(db, app)  # the move reaches the index without complaint
    assert hotspot_job.grouper(app).index.group_of[later[1]] == shed_group


async def test_after_a_restart_the_index_is_rebuilt_from_what_is_stored(db):
    shed = [submit(db, t) for t in SHED[:4]]
    await grouped(db)
    group_id = hotspots.group_of(db, shed[0])
    later = submit(db, SHED[4])
    await grouped(db, app_for(db))  # a new app: a new, empty index, built from storage
    assert hotspots.group_of(db, later) == group_id


async def test_outside_the_office_a_group_under_k_is_not_a_hotspot(db, departments):
    for text in SHED[:4]:
        submit(db, text, department_id=departments["后勤保障科"])
    await grouped(db)
    assert [h.size for h in hotspots.top(db, 10)] == [4]  # the office sees it
    assert hotspots.top(db, 10, min_size=hotspots.MIN_SHOWN) == []
    submit(db, SHED[4], department_id=departments["后勤保障科"])
    await grouped(db)
    leader_view = hotspots.top(
        db, 10, min_size=hotspots.MIN_SHOWN, department_ids=[departments["后勤保障科"]]
    )
    assert [h.size for h in leader_view] == [5]
    assert hotspots.top(db, 10, min_size=hotspots.MIN_SHOWN, department_ids=[departments["膳食科"]]) == []
    assert hotspots.top(db, 10, min_size=hotspots.MIN_SHOWN, start=date(2026, 11, 21)) == []


async def test_digests_and_the_report_name_hotspots_and_leaders_see_none_under_k(db):
    roster.apply(
        db,
        roster.parse(
            "姓名,科室,角色\n李娜,后勤保障科,班子成员\n王芳,院办,活动办\n张伟,膳食科,班子成员\n".encode()
        ),
        None,
    )
    logistics = people.department_id(db, "后勤保障科")
    leader = next(p for p in people.everyone(db) if p.name == "李娜")
    other_leader = next(p for p in people.everyone(db) if p.name == "张伟")
    zone, day = ZoneInfo("Asia/Shanghai"), date(2026, 11, 20)
    since = datetime(2026, 11, 19, tzinfo=UTC)
    for text in SHED[:4]:
        submit(db, text, day, department_id=logistics)
    await grouped(db)

    office = digests.for_office(db, since, day, zone)
    assert [h.size for h in office.hotspots] == [4]
    assert "群众反映集中的问题" in digest_job.render("zh-CN", leader, office, "digest.title.office", None)
    assert digests.for_leader(db, leader, since, day, zone).hotspots == []  # 4 < k
    assert summary.summarize(db, day, day, zone).hotspots == []

    submit(db, SHED[4], day, department_id=logistics)
    await grouped(db)
    mine = digests.for_leader(db, leader, since, day, zone)
    assert [h.size for h in mine.hotspots] == [5]
    text = digest_job.render("zh-CN", leader, mine, "digest.title.daily", None)
    assert "5 条意见" in text
    assert digests.for_leader(db, other_leader, since, day, zone).hotspots == []  # not their departments
    later = datetime(2026, 11, 21, tzinfo=UTC)  # nothing new since: not named again
    assert digests.for_leader(db, leader, later, date(2026, 11, 22), zone).hotspots == []

    figures = summary.summarize(db, day, day, zone)
    assert [h.size for h in figures.hotspots] == [5]
    document = Document(io.BytesIO(summary_report.build(figures, "江原医院", day)))
    assert any("群众反映集中的问题" in p.text for p in document.paragraphs)
    assert any(cell.text == "5" for table in document.tables for cell in table.columns[0].cells)


async def test_a_leader_is_shown_the_text_of_an_opinion_about_their_departments(db, departments):
    mine = [submit(db, t, department_id=departments["后勤保障科"]) for t in SHED[:5]]
    other = submit(db, SHED[5], department_id=departments["膳食科"])
    await grouped(db)
    group_id = hotspots.group_of(db, mine[0])
    assert hotspots.group_of(db, other) == group_id
    db.execute("update hotspot_groups set representative = ? where id = ?", [other, group_id])
    assert hotspots.get(db, group_id).representative == SHED[5]  # the office sees the group's
    [seen] = hotspots.top(db, 5, min_size=hotspots.MIN_SHOWN, department_ids=[departments["后勤保障科"]])
    assert seen.size == 5 and seen.representative in SHED[:5]


async def test_groups_that_grew_are_the_same_whether_named_or_counted_over_the_box(db, monkeypatch):
    for n, text in enumerate(SHED[:3] + CANTEEN):
        submit(db, text, date(2026, 11, 10 + n))
    await grouped(db)
    named = hotspots.for_office_digest(db, date(2026, 11, 13))
    assert [h.size for h in named] == [2]  # the shed group has nothing since the 13th
    monkeypatch.setattr(hotspots, "GROWN_LISTED", 0)
    assert hotspots.for_office_digest(db, date(2026, 11, 13)) == named
    assert [h.size for h in hotspots.for_office_digest(db, date(2026, 11, 1))] == [3, 2]


def recounted(db) -> dict[str, int]:
    """Every group's open opinions, counted over the box as the cards once were."""
    return {h.id: h.size for h in hotspots.top(db, 1000, min_size=1, open_only=True, start=date(2000, 1, 1))}


def kept(db) -> dict[str, int]:
    return {r[0]: r[1] for r in db.execute("select id, open_size from hotspot_groups where open_size > 0")}


async def test_the_office_cards_come_from_kept_counts_that_follow_every_change(db):
    app = app_for(db)
    shed = [submit(db, t) for t in SHED]
    canteen = [submit(db, t) for t in CANTEEN]
    await grouped(db, app)
    assert kept(db) == recounted(db) and sorted(kept(db).values()) == [2, 6]
    shed_group, canteen_group = hotspots.group_of(db, shed[0]), hotspots.group_of(db, canteen[0])

    db.execute("update opinions set status = 'replied' where id = ?", [shed[0]])  # still open
    db.execute("update opinions set status = 'closed' where id = ?", [shed[1]])
    db.execute("update opinions set status = 'duplicate' where id = ?", [shed[2]])
    assert kept(db)[shed_group] == 6 - 2 and kept(db) == recounted(db)
    db.execute("update opinions set status = 'new' where id = ?", [shed[2]])  # reopened
    assert kept(db) == recounted(db)
    hotspots.move(db, shed[1], canteen_group, office_id=1)  # a closed one moves: no count moves
    assert kept(db) == recounted(db)
    hotspots.move(db, shed[0], canteen_group, office_id=1)
    assert kept(db) == recounted(db)
    new_group, _ = hotspots.split(db, [shed[3], shed[4]], office_id=1)
    assert kept(db) == recounted(db) and kept(db)[new_group] == 2
    hotspots.merge(db, new_group, canteen_group, office_id=1)
    assert kept(db) == recounted(db)
    db.execute("delete from hotspot_members where opinion_id = ?", [shed[5]])
    assert kept(db) == recounted(db)
    db.execute("update opinions set released = 0 where id = ?", [canteen[0]])
    assert kept(db) == recounted(db)

    later = submit(db, SHED[0] + "还是没人管")
    await grouped(db, app)
    assert hotspots.group_of(db, later) is not None and kept(db) == recounted(db)
    # the cards: the same groups, sizes and order as the count over the box gives
    slow = hotspots.top(db, 5, open_only=True, start=date(2000, 1, 1))
    assert hotspots.top(db, 5, open_only=True) == slow and slow
    assert hotspots.top(db, 1, open_only=True) == slow[:1]


def test_an_old_database_gets_its_open_counts_when_upgraded(db):
    """m090 counts what is already grouped (the triggers only see changes from then on)."""
    group_id = hotspots.new_group_id()
    shed = [submit(db, t) for t in SHED[:3]]
    opinions.release_batch(db)
    db.execute("drop trigger hotspot_open_join")  # as before m090
    db.execute("insert into hotspot_groups (id) values (?)", [group_id])
    for opinion_id in shed:
        db.execute("insert into hotspot_members (opinion_id, group_id) values (?, ?)", [opinion_id, group_id])
    assert kept(db) == {}
    from storage import migrations as schema

    for trigger in ("hotspot_open_leave", "hotspot_open_move", "hotspot_open_status", "hotspot_open_forget"):
        db.execute(f"drop trigger {trigger}")
    db.execute("drop index hotspot_groups_by_open_size")
    db.execute("alter table hotspot_groups drop column open_size")
    schema.m090_hotspot_open_sizes(db)
    assert kept(db) == {group_id: 3}


async def test_a_write_back_that_says_more_regroups_its_opinion_and_chasing_does_not(db):
    app = app_for(db)
    shed = [submit(db, t) for t in SHED[:4]]
    vague = submit(db, "这个问题反映过好几次了，一直没人管。")
    placed = submit(db, "说了多少次了，还是老样子。")
    await grouped(db, app)
    shed_group = hotspots.group_of(db, shed[0])
    assert hotspots.group_of(db, vague) != shed_group and hotspots.group_of(db, placed) != shed_group
    office_group, _ = hotspots.split(db, [placed], office_id=1)  # the office put it on its own
    hotspot_job.grouper(app).note_moves([(placed, office_group)])

    today = date(2026, 11, 21)
    opinions.write_back(db, vague, "还没解决吗？谢谢", today)  # chasing: nothing moves
    await grouped(db, app)
    assert hotspots.group_of(db, vague) != shed_group
    opinions.write_back(db, vague, "说的是后门那个自行车棚，里面全是僵尸车，车子推不进去", today)
    before = hotspots.group_of(db, vague)
    await grouped(db, app)
    assert hotspots.group_of(db, vague) == shed_group  # the write-back said what it is about
    assert hotspots.get(db, before) is None  # its old group of one is gone
    opinions.write_back(db, placed, "自行车棚里全是僵尸车，希望清理", today)
    await grouped(db, app)
    assert hotspots.group_of(db, placed) == office_group  # the office's word stands
    assert kept(db) == recounted(db)
    assert await hotspot_job.group_released(app) == 0  # nothing new: nothing read again

    # after a restart the index is rebuilt from what is stored, the write-back folded in
    fresh = app_for(db)
    later = submit(db, "后门自行车棚僵尸车太多，车子推不进去，一直没人管")
    await grouped(db, fresh)
    assert hotspots.group_of(db, later) == shed_group
    assert set(hotspot_job.grouper(fresh).index.members[shed_group]) >= {vague, *shed}


async def test_the_office_merges_once_and_a_new_opinion_of_either_wording_joins_even_after_a_restart(db):
    app = app_for(db)
    boiling = [submit(db, t) for t in BOILING_WATER]
    washing = [submit(db, t) for t in WASHING_WATER]
    await grouped(db, app)
    first, second = hotspots.group_of(db, boiling[0]), hotspots.group_of(db, washing[0])
    assert first != second
    hotspot_job.grouper(app).note_moves(hotspots.merge(db, second, first, office_id=1))
    # each keeps its part: the merged-in opinions' part is named as the group they came from
    assert {hotspots.part_of(db, o) for o in boiling} == {first}
    assert {hotspots.part_of(db, o) for o in washing} == {second}

    later = submit(db, "七楼开水房的开水器又坏了，打开水要下楼")
    await grouped(db, app)
    assert hotspots.group_of(db, later) == second  # not a new card the office merges again

    fresh = app_for(db)  # a restart: the index is rebuilt from what is stored, parts and all
    after = [submit(db, "开水房的开水器坏了，晚上打不到开水"), submit(db, "病房热水器坏了，洗澡水是凉的")]
    await grouped(db, fresh)
    assert [hotspots.group_of(db, o) for o in after] == [second, second]
    assert len(hotspot_job.grouper(fresh).index.parts[second]) == 2


async def test_an_opinion_the_office_moved_brings_its_wording_to_the_card(db):
    app = app_for(db)
    washing = [submit(db, t) for t in WASHING_WATER]
    boiler = submit(db, "晚上十点以后锅炉就停了，病人想喝口热的都没有")
    await grouped(db, app)
    card = hotspots.group_of(db, washing[0])
    assert hotspots.group_of(db, boiler) != card
    hotspot_job.grouper(app).note_moves(hotspots.move(db, boiler, card, office_id=1))
    part = hotspots.part_of(db, boiler)
    assert part not in (card, None) and len(part) == hotspots.GROUP_ID_LENGTH  # random, like a group's

    fresh = app_for(db)  # after a restart too
    later = submit(db, "锅炉晚上十点就停了，想喝口热的都没有")
    await grouped(db, fresh)
    assert hotspots.group_of(db, later) == card
    assert hotspots.part_of(db, later) == part  # it joined the moved opinion's wording


NIGHT_SHIFTS = [
    "夜班一个月排十个，人都熬垮了",
    "我们病区夜班太多，一个护士一个月要上八九个夜班",
    "夜班排得太密了，连着两个夜班中间只休一天，身体吃不消",
]


async def test_a_split_stays_split_and_takes_its_wording_along(db):
    app = app_for(db)
    shifts = [submit(db, t) for t in NIGHT_SHIFTS]
    # (with 业务学习 it names training on rest time since 1 December 2026 and stays apart alone)
    training = submit(db, "下了夜班还要来参加考试，考完脑子一片空白")
    await grouped(db, app)
    card = hotspots.group_of(db, shifts[0])
    assert hotspots.group_of(db, training) == card  # one concept in common: one card, wrongly
    apart, moves = hotspots.split(db, [training], office_id=1)
    hotspot_job.grouper(app).note_moves(moves)

    later = submit(db, "护理部的考试全放在下班后，下夜班的也得来考试")
    more = submit(db, "夜班太多了，一个月十个夜班谁受得了")
    await grouped(db, app)
    assert hotspots.group_of(db, later) == apart and hotspots.group_of(db, more) == card

    fresh = app_for(db)  # a restart does not join them again
    last = submit(db, "下了夜班还要参加考试，考完才能回家")
    await grouped(db, fresh)
    assert hotspots.group_of(db, last) == apart
    assert set(hotspots.members(db, apart)) == {training, later, last}
    assert set(hotspots.members(db, card)) == {*shifts, more}
    index = hotspot_job.grouper(fresh).index
    assert index.group_of[training] == apart and index.parts[apart] == {apart}


async def test_a_merge_while_a_batch_places_into_the_merged_group_leaves_index_and_storage_alike(db):
    """The office merges on the event loop while a batch is placed in a worker thread: the batch
    may put an opinion in the group just merged away (storage makes it again), whose part's name
    is now also a part of the merged group. Two parts of one name, in two groups, as stored."""
    app = app_for(db)
    boiling = [submit(db, t) for t in BOILING_WATER]
    washing = [submit(db, t) for t in WASHING_WATER]
    await grouped(db, app)
    first, second = hotspots.group_of(db, boiling[0]), hotspots.group_of(db, washing[0])
    moves = hotspots.merge(db, second, first, office_id=1)  # the index not told yet
    late = submit(db, "七楼开水房的开水器又坏了，打开水要下楼")
    await grouped(db, app)
    assert hotspots.group_of(db, late) == first  # the batch's placing, written after the merge
    hotspot_job.grouper(app).note_moves(moves)
    await grouped(db, app)
    index = hotspot_job.grouper(app).index
    stored = {o: hotspots.group_of(db, o) for o in [*boiling, *washing, late]}
    assert {o: index.group_of[o] for o in stored} == stored
    assert {index.part_name(o) for o in boiling} == {first} == {hotspots.part_of(db, late)}

    fresh = app_for(db)  # rebuilt from storage: the same, without complaint
    after = submit(db, "开水房的开水器坏了，晚上打不到开水")
    await grouped(db, fresh)
    assert hotspots.group_of(db, after) in (first, second)
    assert {o: hotspot_job.grouper(fresh).index.group_of[o] for o in stored} == stored


async def test_the_report_says_how_many_hotspots_there_are_beside_the_largest_it_names(db):
    """The report names the 5 largest groups of the period; with more of k or more opinions it
    says how many there are in all, so the superior body does not read the 5 as all of them
    (a month of the blind set: some thirty groups of 5 or more, a table of 5 and no word)."""
    day = date(2026, 11, 20)
    made = [submit(db, f"第{n}条意见：{n * 7919 % 1000}号问题一直没有解决", day) for n in range(39)]
    await grouped(db)
    for opinion_id in made:
        group_id = hotspots.group_of(db, opinion_id)
        if hotspots.size(db, group_id) > 1:
            hotspots.split(db, [opinion_id], 1)
    for first in range(0, 35, 5):  # seven groups of 5, and one of 4 (under k: not counted)
        into = hotspots.group_of(db, made[first])
        for other in made[first + 1 : first + 5]:
            hotspots.merge(db, into, hotspots.group_of(db, other), 1)
    into = hotspots.group_of(db, made[35])
    for other in made[36:39]:
        hotspots.merge(db, into, hotspots.group_of(db, other), 1)

    figures = summary.summarize(db, day, day, ZoneInfo("Asia/Shanghai"))
    assert len(figures.hotspots) == 5 and figures.hotspots_in_all == 7
    document = Document(io.BytesIO(summary_report.build(figures, "江原医院", day)))
    said = [p.text for p in document.paragraphs if "每组至少 5 条的意见共 7 组" in p.text]
    assert said and "下表列出意见最多的 5 组" in said[0], [p.text for p in document.paragraphs]
