"""Opinion hotspots: the grouping engine measured on the labelled set, its handling of text
as people type it, and the `hotspots group` command."""

from __future__ import annotations

import math
import os
import random
import re
import statistics
import subprocess
import sys
from pathlib import Path

import opencc
import pytest

import cli
from hotspots import engine, lexicon, quality

DATA = Path(__file__).parent / "data"


def grouped(name: str) -> quality.Quality:
    truth, texts = quality.read_labelled(DATA / f"hotspots_{name}.tsv")
    return quality.measure(truth, engine.group_texts(texts))


def test_the_labelled_set_has_300_opinions_in_two_halves_of_different_wordings():
    tune_truth, tune_texts = quality.read_labelled(DATA / "hotspots_tune.tsv")
    test_truth, test_texts = quality.read_labelled(DATA / "hotspots_test.tsv")
    assert len(tune_texts) + len(test_texts) >= 300
    assert not set(tune_texts) & set(test_texts)
    # traditional characters in both halves
    assert any("車" in t or "醫" in t or "門" in t for t in test_texts)
    assert any("車" in t or "醫" in t or "門" in t for t in tune_texts)


def test_precision_on_the_test_half_reaches_the_target():
    """Met since the lexicon's phrases are folded as the texts are (影像科, 小程序 never matched
    before) and the settings are chosen by the cross-validated rule (docs/hotspots_quality.md)."""
    assert grouped("test").precision >= 0.9


def test_recall_on_the_test_half_reaches_the_target():
    assert grouped("test").recall >= 0.7


def test_the_tuning_half_meets_both_targets_with_a_margin():
    q = grouped("tune")
    assert q.precision >= 0.95 and q.recall >= 0.8


def test_precision_recall_and_ari_on_the_test_half_hold_what_was_measured():
    """What docs/hotspots_quality.md reports; a change that loses ground fails here."""
    q = grouped("test")
    assert q.precision >= 0.975  # measured 0.979
    assert q.recall >= 0.93  # 0.935 (0.908 before the learned concepts)
    assert q.ari >= 0.95  # 0.956 (0.942)


def test_a_fresh_set_written_after_the_settings_were_fixed_holds_what_was_measured():
    """Written after the previous round's settings were chosen (docs/hotspots_quality.md: it
    was written knowing the lexicon, so it is no blind measure); a change that loses ground fails here."""
    truth, texts = quality.read_labelled(DATA / "hotspots_fresh.tsv")
    assert len(texts) >= 70 and not set(texts) & set(quality.read_labelled(DATA / "hotspots_test.tsv")[1])
    q = grouped("fresh")
    assert q.precision >= 0.99  # measured 1.000
    assert q.recall >= 0.99  # 1.000
    assert q.ari >= 0.99  # 1.000


def in_random_orders(opinions: list[quality.Opinion]) -> list[quality.Quality]:
    return quality.in_random_orders(opinions, 20)


def test_in_the_random_order_the_bot_sees_recall_holds_on_average():
    """The bot places a batch in the order of its random ids, and the grouping is online: the
    file's order (each group's opinions together) is one order among many."""
    runs = in_random_orders(quality.read_opinions(DATA / "hotspots_test.tsv"))
    assert (
        statistics.mean(q.recall for q in runs) >= 0.935
    )  # measured 0.939 (0.905 before the learned concepts)
    assert statistics.mean(q.precision for q in runs) >= 0.975  # measured 0.980; the target is 0.9
    assert min(q.precision for q in runs) >= 0.975  # the worst order: 0.979


def test_all_the_labelled_opinions_together_hold_what_was_measured():
    """The three files as one box of 377 (43 groups of 2 to 16 opinions, 29 one-offs), in random orders."""
    opinions = [
        o for name in ("tune", "test", "fresh") for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")
    ]
    runs = in_random_orders(opinions)
    assert statistics.mean(q.precision for q in runs) >= 0.975  # measured 0.978
    assert statistics.mean(q.recall for q in runs) >= 0.94  # 0.944 (0.903 before the learned concepts)
    assert statistics.mean(q.ari for q in runs) >= 0.955  # 0.960 (0.938)


def blind_runs() -> list[quality.Quality]:
    return in_random_orders(quality.read_opinions(DATA / "hotspots_blind.tsv"))


def test_the_blind_set_was_written_apart_and_holds_what_was_measured():
    """462 opinions by a writer who saw neither the lexicon nor the other files (docs/hotspots_quality.md:
    "Blind set"). The blind round of #22 developed on half of it (the held-out half then
    scored P 0.757, R 0.653, once); round 3 developed on all of it, as on ours, so these figures
    are development figures, not a held-out measure; what is measured is asserted so that a
    change that loses ground fails here."""
    opinions = quality.read_opinions(DATA / "hotspots_blind.tsv")
    others = {
        o.text
        for name in ("tune", "test", "fresh")
        for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")
    }
    assert len(opinions) >= 300 and not {o.text for o in opinions} & others
    runs = blind_runs()
    assert statistics.mean(q.precision for q in runs) >= 0.94  # measured 0.943 (0.937 before 1 December 2026)
    assert statistics.mean(q.recall for q in runs) >= 0.89  # 0.894 (0.805)
    assert statistics.mean(q.ari for q in runs) >= 0.91  # 0.916 (0.864)


def test_the_blind_set_meets_the_targets_now_that_it_is_development_data():
    """Met since round 3 of #22, which developed on the whole blind file (as on ours): no held-out
    measure, only a floor. The held-out measure is a third writer's set the lead scores once
    after the freeze (docs/hotspots_quality.md, "Round 3"); before the blind round this was a strict
    xfail (P 0.53 R 0.43), and the held-out half of the blind round scored P 0.76 R 0.65."""
    runs = blind_runs()
    assert statistics.mean(q.precision for q in runs) >= 0.9
    assert statistics.mean(q.recall for q in runs) >= 0.7


def third_writer_runs() -> list[quality.Quality]:
    return in_random_orders(quality.read_opinions(DATA / "hotspots_blind3.tsv"))


def test_the_third_writers_set_was_written_apart_and_holds_what_was_measured():
    """451 opinions by a third writer (hospitals and, for a third of them, bureaus, township and
    community health centres), written while round 3 of #22 worked and scored once after its
    freeze (tests/data/hotspots_blind3.md): the held-out measure. Asserted as measured, so that
    a change that loses ground on text nobody tuned on fails here; a second reader's grouping
    scores 0.978 / 0.880 against these labels, so the groups are there to be found."""
    opinions = quality.read_opinions(DATA / "hotspots_blind3.tsv")
    others = {
        o.text
        for name in ("tune", "test", "fresh", "blind", "probes")
        for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")
    }
    assert len(opinions) >= 300 and not {o.text for o in opinions} & others
    runs = third_writer_runs()
    # 0.694 / 0.412 / 0.511 when it was held out; since 1 December 2026 half of it is the
    # lexicon's development data and all of it is in the learned concepts, so these are
    # development figures (the cross-writer figure is the next test's)
    assert statistics.mean(q.precision for q in runs) >= 0.82  # measured 0.822
    assert statistics.mean(q.recall for q in runs) >= 0.605  # 0.610
    assert statistics.mean(q.ari for q in runs) >= 0.69  # 0.697


def test_learned_concepts_of_other_writers_groups_carry_over_to_the_third_writers_set():
    """The learned concepts (#22, 1 December 2026) made of our files, the blind set and the probes
    only, never of the third writer's set: what they give on a writer whose groups they do not
    hold (docs/hotspots_quality.md, "Learned concepts"). Without them (share 0, threshold 0.54,
    the same lexicon) the set scores 0.766 / 0.509 / 0.607."""
    opinions = quality.read_opinions(DATA / "hotspots_blind3.tsv")
    others = [
        (f"{tag}:{o.group}", o.text)
        for tag, names in (
            ("ours", ("tune", "test", "fresh")),
            ("blind", ("blind",)),
            ("probes", ("probes",)),
        )
        for name in names
        for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")
    ]
    shipped = engine.LEARNED
    engine.LEARNED = engine.LearnedConcepts(others)
    try:
        runs = in_random_orders(opinions)
    finally:
        engine.LEARNED = shipped
    assert statistics.mean(q.precision for q in runs) >= 0.78  # measured 0.787
    assert statistics.mean(q.recall for q in runs) >= 0.535  # 0.542
    assert statistics.mean(q.ari for q in runs) >= 0.63  # 0.638


def fifth_writer_runs() -> list[quality.Quality]:
    return in_random_orders(quality.read_opinions(DATA / "hotspots_blind5.tsv"))


def test_the_fifth_writers_set_is_held_out_and_holds_what_was_measured():
    """479 opinions by a fifth writer who read only DOMAIN.md and the seeds (tests/data/hotspots_blind5.md),
    scored once with the settings of 1 December 2026 (the learned concepts): 0.611 / 0.336 / 0.427
    (0.557 / 0.306 / 0.389 with the settings before them). Held out: none of its texts is in the
    lexicon's development data or among the learned concepts, so this is the figure for a writer
    the grouping has not seen; asserted as measured so that a change that loses ground fails."""
    opinions = quality.read_opinions(DATA / "hotspots_blind5.tsv")
    others = {
        o.text
        for name in ("tune", "test", "fresh", "blind", "blind3", "probes")
        for o in quality.read_opinions(DATA / f"hotspots_{name}.tsv")
    }
    learned = engine.LEARNED_GROUPS.read_text(encoding="utf-8")
    assert len(opinions) >= 300 and not {o.text for o in opinions} & others
    assert not any(f"\t{o.text}\n" in learned for o in opinions)  # not learned: held out
    runs = fifth_writer_runs()
    assert statistics.mean(q.precision for q in runs) >= 0.60  # measured 0.611
    assert statistics.mean(q.recall for q in runs) >= 0.33  # 0.336
    assert statistics.mean(q.ari for q in runs) >= 0.42  # 0.427


@pytest.mark.xfail(
    strict=True, reason="#22: P 0.61 R 0.34 on a writer the grouping has not seen (README, Hotspots)"
)
def test_the_fifth_writers_set_meets_the_targets():
    runs = fifth_writer_runs()
    assert statistics.mean(q.precision for q in runs) >= 0.9
    assert statistics.mean(q.recall for q in runs) >= 0.7


def test_the_learned_concepts_are_made_of_every_labelled_set_as_it_is_now():
    """hotspots/learned_groups.tsv is written from tests/data by bench/hotspots_tune.py
    --learned-groups: a relabel or a new labelled set that is not written there is not learned."""
    bench = Path(__file__).parent.parent / "bench"
    sys.path.insert(0, str(bench))
    try:
        import hotspots_tune
    finally:
        sys.path.remove(str(bench))
    assert engine.LEARNED_GROUPS.read_text(encoding="utf-8") == hotspots_tune.learned_groups()
    learned = engine.learned_concepts()
    # every group of two or more of the four sets, each writer's apart
    assert len(learned.concepts) > 250
    assert {int(c) for numbers, _ in learned.postings.values() for c in numbers} == set(
        range(len(learned.concepts))
    )


@pytest.mark.xfail(strict=True, reason="#22: P 0.82 R 0.61 even as development data (README, Hotspots)")
def test_the_third_writers_set_meets_the_targets():
    runs = third_writer_runs()
    assert statistics.mean(q.precision for q in runs) >= 0.9
    assert statistics.mean(q.recall for q in runs) >= 0.7


def test_the_lexicon_is_folded_as_the_texts_are():
    """OpenCC's Taiwan phrases fold 影像 to 图像 and 小程序 to 小进程 in simplified text too: a
    lexicon phrase kept as written would never be found."""
    assert "c:imaging_wait" in engine.terms("影像科的检查要排很久")
    assert "c:online_booking" in engine.terms("预约小程序太难用")
    assert "c:online_booking" in engine.terms("預約小程式太難用")


def test_a_phrase_inside_a_longer_one_names_only_the_longer():
    # 挂号 inside 预约挂号 is the booking, not the queue at the window; 微信预约 overlaps it
    booking = engine.terms("微信预约挂号的页面常常打不开")
    assert "c:online_booking" in booking and "c:registration" not in booking
    assert "c:registration" in engine.terms("挂号窗口排长队")
    pay = engine.terms("夜班费一直没发")
    assert "c:night_allowance" in pay and "c:night_shift" not in pay


def test_a_labelled_file_may_carry_category_and_department(tmp_path):
    labelled = tmp_path / "blind.tsv"
    labelled.write_text(
        "# group\tcategory\tdepartment\ttext\n"
        "shed\t其他\t后勤保障部\t自行车棚太乱了\n"
        "shed\t工作作风\t\t車棚頂漏雨\n"
        "food\t其他\t\t食堂饭菜太贵\n",
        encoding="utf-8",
    )
    opinions = quality.read_opinions(labelled)
    assert [o.group for o in opinions] == ["shed", "shed", "food"]
    assert opinions[0] == quality.Opinion("shed", "自行车棚太乱了", "其他", "后勤保障部")
    assert opinions[1].department == "" and opinions[1].text == "車棚頂漏雨"
    old = tmp_path / "old.tsv"
    old.write_text("shed\t自行车棚太乱了\n", encoding="utf-8")
    assert quality.read_opinions(old) == [quality.Opinion("shed", "自行车棚太乱了")]


def test_the_scoring_entry_prints_the_measures_of_a_labelled_file(tmp_path):
    labelled = tmp_path / "blind.tsv"
    labelled.write_text(
        "shed\t其他\t后勤保障部\t自行车棚太乱了，车子东倒西歪\n"
        "shed\t工作作风\t\t車棚頂漏雨，自行車淋濕了\n"
        "food\t其他\t\t食堂饭菜太贵，分量又少\n",
        encoding="utf-8",
    )
    bench = Path(__file__).parent.parent / "bench" / "hotspots_tune.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--score", str(labelled)], capture_output=True, text=True, check=True
    )
    assert "mean of 20 orders P 1.000 R 1.000 ARI 1.000" in done.stdout
    assert "worst order" in done.stdout and "file order P 1.000 R 1.000" in done.stdout


def test_the_measures_on_a_known_case():
    assert quality.measure([1, 1, 2, 2], ["a", "a", "b", "b"]) == quality.Quality(1.0, 1.0, 1.0)
    q = quality.measure([1, 1, 1, 2], ["a", "a", "b", "b"])
    assert (q.precision, q.recall) == (0.5, 1 / 3)
    # everything in one group: every true pair is found, precision is the share of true pairs
    q = quality.measure([1, 1, 2, 2], ["a"] * 4)
    assert (q.precision, q.recall, q.ari) == (2 / 6, 1.0, 0.0)


def test_traditional_and_simplified_wordings_meet():
    groups = engine.group_texts(
        [
            "自行车棚漏雨很严重，下雨天车子都淋湿了。",
            "腳踏車棚漏雨很嚴重，下雨天車子都淋濕了。",
            "食堂饭菜价格偏高，分量又少。",
        ]
    )
    assert groups[0] == groups[1] != groups[2]


def test_text_as_people_type_it_is_folded_before_comparing():
    plain = "门诊挂号排队太久了"
    typed = "门\u200b诊挂号排队太久了！！🙄🙄"  # a zero-width space, full-width marks, emoji
    assert engine.normalize("ＣＴ预约") == "ct预约"
    groups = engine.group_texts([plain, typed, "", "   ", "🚲" * 2000])
    assert groups[0] == groups[1]
    assert len(groups) == 5


def test_the_office_can_place_an_opinion_and_later_ones_follow_it():
    index = engine.Index()
    canteen = index.add("a", "职工食堂的菜太难吃，品种少")
    shed = index.add("b", "自行车棚太乱")
    assert canteen != shed
    # the office moves a third opinion into the shed's group; it is kept there
    assert index.add("c", "食堂的饭菜又贵又难吃", group=shed) == shed
    index.move("c", canteen)
    assert index.group_of["c"] == canteen and index.sizes[shed] == 1


def test_the_command_prints_one_group_per_line(tmp_path, capsys):
    opinions = tmp_path / "opinions.txt"
    opinions.write_text(
        "自行车棚太乱了，车子东倒西歪\n車棚頂漏雨，自行車淋濕了\n食堂饭菜太贵\n\n", encoding="utf-8"
    )
    args = cli.parser().parse_args(["hotspots", "group", str(opinions)])
    assert cli.run(None, args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0] == lines[1] != lines[2]
    assert all(line.isdigit() for line in lines)


def test_the_command_read_by_head_ends_quietly(tmp_path):
    """`python bot.py hotspots group FILE | head` is how a long file is looked at first: the
    reader leaving early printed a BrokenPipeError traceback and exit status 1."""
    opinions = tmp_path / "opinions.txt"
    opinions.write_text("食堂饭菜太贵\n" * 20_000, encoding="utf-8")
    bot = Path(__file__).parent.parent / "bot.py"
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "bot.db"), "TELEGRAM_BOT_TOKEN": ""}
    done = subprocess.run(
        f"'{sys.executable}' '{bot}' hotspots group '{opinions}' | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.stdout == "1\n"
    assert "Traceback" not in done.stderr and done.returncode == 0, done.stderr


def test_the_command_refuses_a_file_that_is_not_utf8(tmp_path, capsys):
    opinions = tmp_path / "gbk.txt"
    opinions.write_bytes("自行车棚太乱了".encode("gbk"))
    args = cli.parser().parse_args(["hotspots", "group", str(opinions)])
    assert cli.run(None, args) == 1
    assert "UTF-8" in capsys.readouterr().err


def test_a_subject_many_share_pulls_an_opinion_in_however_common_it_is():
    """Concepts carry no IDF: the fifth opinion about the shed that also names a fire joins the
    shed's group (with IDF, the rare 火灾 outweighed the common 车棚)."""
    index = engine.Index()
    shed = [
        index.add(n, text)
        for n, text in enumerate(
            [
                "自行车棚太乱了，车子东倒西歪。",
                "车棚顶上的石棉瓦破了，一下雨车座全是水。",
                "车棚满了，自行车没地方放",
                "車棚頂棚漏水，電動車淋雨容易短路。",
            ]
        )
    ]
    assert len(set(shed)) == 1
    assert index.add(9, "自行车棚的电线老化，很危险，出了火灾谁负责？") == shed[0]


def test_charging_e_bikes_is_a_problem_apart_from_the_shed():
    """Charging points and the fire risk of charging are one rectification, the shed's disorder
    another (the blind set keeps them apart); 电动车 alone names neither."""
    index = engine.Index()
    shed = groups_of(
        index,
        ["自行车棚太乱了，车子东倒西歪。", "车棚满了，自行车没地方放", "车棚里全是僵尸车"],
    )
    charging = index.add(9, "电瓶车充电的问题什么时候解决，楼道里到处拉电线")
    assert charging not in shed
    assert index.add(10, "電動車充電樁太少，大家只好把電瓶拎進科室充。") == charging
    assert "c:ebike_charging" not in engine.terms("车棚頂棚漏水，電動車淋雨容易短路。")


def test_a_side_remark_of_one_member_does_not_make_the_group_about_it():
    # a threshold this low joins anything that shares a term: what keeps them apart is the subject
    index = engine.Index(threshold=0.01)
    lights = groups_of(
        index,
        [
            "住院部楼道的灯坏了好多，晚上一片漆黑。",
            "楼梯间的灯坏了很久都没人修，晚上走很危险。",
            "地下室通道没有照明，黑漆漆的。",
            "车棚旁边楼梯灯坏了半个月，晚上摸黑走。",
        ],
    )
    assert len(lights) == 1
    assert index.add(9, "车棚的灯坏了，车棚里一片漆黑") in lights  # names the lights: may join
    assert index.add(10, "车棚满了，自行车没地方放") not in lights  # one member's 车棚 is not enough


def test_a_write_back_adds_substance_when_it_says_more_than_chasing():
    opinion = "这个问题反映过好几次了，一直没人管。"
    assert not engine.adds_substance(opinion, "还没解决吗？谢谢")
    assert not engine.adds_substance(opinion, "已經過去一個月了，還是老樣子！！")  # traditional, chasing
    assert not engine.adds_substance(opinion, "")
    assert not engine.adds_substance("自行车棚太乱了", "车棚还是乱")  # nothing it did not say
    assert engine.adds_substance(opinion, "说的是后门那个自行车棚，里面全是僵尸车")  # a concept
    assert engine.adds_substance("自行车棚太乱了", "車棚裡的充電線被剪了，監控也是壞的")
    assert engine.adds_substance(opinion, "门诊二楼走廊尽头的饮水机滤芯从来没换过")


def test_an_opinion_whose_text_grew_is_placed_again_unless_it_must_stay():
    index = engine.Index()
    shed = groups_of(
        index,
        [
            "自行车棚太乱了，车子东倒西歪。",
            "车棚满了，自行车没地方放",
            "車棚頂棚漏水，電動車淋雨容易短路。",
        ],
    )
    vague = index.add("v", "这个问题反映过好几次了，一直没人管。")
    assert vague not in shed
    pinned = index.add("p", "说了多少次了，还是老样子。")
    grown = "这个问题反映过好几次了，一直没人管。\n说的是后门那个自行车棚，里面全是僵尸车，车子推不进去"
    assert index.retext("v", grown) in shed
    assert index.retext("p", "说了多少次了，还是老样子。\n自行车棚里全是僵尸车", stay=True) == pinned
    assert index.sizes[pinned] == 1 and vague not in index.sizes  # the emptied group is gone


def groups_of(index: engine.Index, texts: list[str], first: int = 0) -> set:
    """The groups the texts join, added to the index in order under keys first, first + 1 …"""
    return {index.add(first + n, text) for n, text in enumerate(texts)}


def concepts(text: str) -> dict[str, float]:
    return {t[2:]: w for t, w in engine.terms(text).items() if t.startswith("c:")}


def test_a_place_in_the_text_names_the_concept_of_its_longest_phrase():
    """夜班费 is the night allowance, not the night shift; 值班室 is the duty room, not being on
    duty; a phrase listed in both scripts (夜班费 / 夜班費) is one mention."""
    assert concepts("夜班费太低了") == {"night_allowance": 1.0}
    assert set(concepts("值班室的被子好久没换")) == {"duty_room"}
    assert set(concepts("网上预约挂号的号源太少")) == {"online_booking", "registration"}


def test_a_concept_named_again_and_again_weighs_more():
    """What a long opinion is about comes back in it; a side remark is named once."""
    long = concepts("文件太多，每个文件都要签字")
    assert long["documents"] == pytest.approx(1 + engine.MENTION_WEIGHT * math.log(2))
    assert long["approval"] < long["documents"]
    assert concepts("文件太多") == {"documents": 1.0}


def test_a_concept_named_after_the_topic_weighs_less():
    assert concepts("车棚漏雨，灯也不亮") == {"bike_shed": 1.0, "lighting": engine.LATER_WEIGHT}
    # an aspect in the opening (院领导：) does not make it the topic
    assert concepts("院领导：车棚漏雨，灯也不亮") == {
        "leaders": engine.ASPECT_WEIGHT,
        "bike_shed": 1.0,
        "lighting": engine.LATER_WEIGHT,
    }
    assert engine.LATER_WEIGHT < 1


@pytest.mark.parametrize("later_weight, joins", [(None, "shed"), (1.0, "cameras")])
def test_a_side_remark_does_not_pull_an_opinion_into_the_group_of_the_thing_remarked_on(
    monkeypatch, later_weight, joins
):
    """With the side remark at full weight (1.0) the opinion about the shed joined the cameras
    (concept share 0.8, the previous round), then neither group (pulled both ways), and since
    round 3 the cameras again: named as early as the shed, the cameras make the shed the place
    where they are (lexicon PLACES). LATER_WEIGHT is what keeps it with the shed."""
    if later_weight is not None:
        monkeypatch.setattr(engine, "LATER_WEIGHT", later_weight)
    index = engine.Index()
    groups = {
        "shed": groups_of(
            index,
            [
                "自行车棚太乱了，车子东倒西歪。",
                "车棚满了，自行车没地方放",
                "車棚頂棚漏水，電動車淋雨容易短路。",
                "车棚里全是僵尸车",
            ],
        ),
        "cameras": groups_of(
            index,
            [
                "门诊大厅的监控探头是坏的",
                "住院部楼梯间是监控死角，建议增加摄像头。",
                "監視器壞掉很久了都沒有維修",
                "监控录像调不出来",
            ],
            first=10,
        ),
    }
    assert all(len(g) == 1 for g in groups.values())
    placed = index.add(20, "车棚又乱又挤，监控也坏了")
    assert placed in groups[joins]


def test_the_command_groups_only_the_text_of_a_labelled_line(tmp_path, capsys):
    """A labelled file's lines (group, category, department, text): the group label must not
    be read, or every line would meet its group by it."""
    opinions = tmp_path / "labelled.tsv"
    opinions.write_text(
        "same\t其他\t后勤保障部\t自行车棚太乱了，车子东倒西歪\n"
        "same\t其他\t后勤保障部\t食堂饭菜太贵，分量又少\n"
        "x\t車棚頂漏雨，自行車淋濕了\n",
        encoding="utf-8",
    )
    args = cli.parser().parse_args(["hotspots", "group", str(opinions)])
    assert cli.run(None, args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == lines[2] != lines[1]


def test_a_service_window_problem_groups_its_paraphrases_and_not_a_neighbour():
    """Round 3 (#22): bureau and grassroots life in the lexicon. The public asked for papers again
    and again at a service window is one problem however it is written (traditional included);
    staff passed between offices inside the institution, though also 办事难, is another."""
    index = engine.Index()
    window = groups_of(
        index,
        [
            "群众来窗口办事，材料交了三次还说不全，能不能一次性告知？",
            "政务大厅办个证要跑好几趟，每次都让补一份新的证明，说好的最多跑一次呢",
            "便民服務中心的工作人員每次只說缺一樣材料，下次來又說缺別的",
        ],
    )
    assert len(window) == 1
    assert index.add(3, "建议窗口推行一次性告知，别让办事群众反复补材料") in window
    assert index.add(4, "职工去人事科办手续，人事科推给医务科，医务科又推回来，互相推诿") not in window


def test_grassroots_problems_that_share_words_stay_apart():
    """Village doctors' pay and the public-health service's faked records are both about the
    village clinic and money; the 12345 hotline's work orders and petitions are both about
    people's complaints: four rectifications, four groups, each gathering its own paraphrase."""
    index = engine.Index()
    texts = {
        "village_doctor": ("村医一个月补助就几百块，养老没着落", "乡村医生待遇太低，村卫生室后继无人"),
        "public_health": (
            "公卫考核只看健康档案，随访记录都是补出来的",
            "健康檔案建檔率要求太高，只能編檔案應付",
        ),
        "hotline": ("12345热线工单回复时限太短，不满意就扣分", "热线工单满意率考核不合理，不归我们管的也算"),
        "petitions": ("信访维稳压力太大，一个信访件层层签字", "越级上访的信访积案都压到乡镇"),
    }
    groups = {}
    for n, (name, (first, second)) in enumerate(texts.items()):
        groups[name] = index.add(2 * n, first)
        assert index.add(2 * n + 1, second) == groups[name], name
    assert len(set(groups.values())) == 4


# Forms a Taiwan or Hong Kong text of a phrase folds to that the lexicon leaves out on purpose:
# in a simplified text they mean something else (电子文件 is electronic documents, not records).
NOT_FOUND_AS_FOLDED = {"假文件", "电子文件", "编文件", "补文件", "文件造假", "虚假文件"}


def test_the_lexicon_has_every_form_a_taiwan_or_hong_kong_text_of_a_phrase_folds_to():
    """tw2sp folds Taiwan words in a text (檔案 to 文件, 指標 to 指针): a phrase is found in a
    traditional text only if its folded form is in the lexicon too. The engine does not convert
    the phrases at import (s2twp and s2hk hold 40 MB); this test does, and lists what is missing."""
    elsewhere = (opencc.OpenCC("s2twp"), opencc.OpenCC("s2hk"))
    missing = {
        (concept, phrase, folded)
        for concept, phrases in lexicon.CONCEPTS.items()
        for phrase in phrases
        for folded in {engine.normalize(c.convert(phrase)) for c in elsewhere}
        if "c:" + concept not in engine._CONCEPTS_OF.get(folded, []) and folded not in NOT_FOUND_AS_FOLDED
    }
    assert not missing


def test_a_phrase_is_found_however_a_traditional_text_of_it_folds():
    """tw2sp folds 檔案 to 文件 (a Taiwan word): 健康檔案 is the health record, not documents; and
    the Hong Kong 衞 it leaves alone is folded to 卫 (保衞科 is the security office)."""
    record = concepts("健康檔案造假嚴重")
    assert "public_health" in record and "documents" not in record
    assert engine.normalize("保衞科") == "保卫科"
    assert "guard_patrol" in concepts("保衞科晚上沒人")


def test_the_probes_written_in_round_3_hold_what_was_measured():
    """tests/data/hotspots_probes.tsv: opinions of bureau, grassroots and hospital life written
    while the lexicon was extended in round 3 (so knowing it: a smoke check of its concepts, not a
    measure), scored batch by batch over random orders. The blind round's lexicon scored the
    grassroots batch at P 0.17 / R 0.07 and the pairs at R 0.40 to 0.73."""
    batches: dict[str, list[quality.Opinion]] = {}
    for opinion in quality.read_opinions(DATA / "hotspots_probes.tsv"):
        batches.setdefault(opinion.group.split("/")[0], []).append(opinion)
    # recall measured: 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.7, 0.8, 0.985, 1.0, 0.9, 1.0,
    # 0.9, 0.9, 0.7, 1.0 (batch by batch, as below; since 1 December 2026 the probes are among
    # the learned concepts too, so the batches of pairs of one problem find each other more:
    # before, 0.933, 0.95, 0.933, 0.8, 0.933, 1.0, 0.975, 0.8, 0.585, 0.8, 0.9, 1.0, 0.8, 0.9,
    # 0.9, 0.9, 0.7, 0.875)
    floors = {
        "grassroots": 0.99,
        "pairs1": 0.99,
        "pairs2": 0.99,
        "pairs3": 0.99,
        "pairs4": 0.99,
        "pairs5": 0.99,
        "pairs6": 0.99,
        "pairs7": 0.79,
        "pairs8": 0.69,
        "pairs9": 0.79,
        "pairs10": 0.98,
        "pairs11": 0.99,
        "pairs12": 0.89,
        "pairs13": 0.99,
        "pairs14": 0.89,
        "pairs15": 0.89,
        "pairs16": 0.69,
        "pairs17": 0.99,
    }
    assert set(batches) == set(floors)
    for name, opinions in batches.items():
        runs = in_random_orders(opinions)
        # measured 1.000 in every batch but pairs16 (0.875: village doctors who cannot use the
        # computer and a village clinic's hours are both village doctors) and pairs10 (0.818 since
        # the threshold is 0.50: community workers' low pay and trainees' low pay met in one
        # order of 20); pairs8 was 0.833 before the learned concepts
        worst = {"pairs10": 0.81, "pairs16": 0.87}.get(name, 0.99)
        assert min(q.precision for q in runs) >= worst, name
        assert statistics.mean(q.recall for q in runs) >= floors[name], name


def test_a_place_gives_way_to_a_problem_named_there_as_early():
    """车棚 and 停车场 are subjects and places: an opinion about charging in the shed, or the
    cameras in the car park, is about the charging or the cameras (round 3; the blind writer's
    labels and ours both read it so). A problem named only in a later clause leaves the place
    the subject."""
    assert set(concepts("车棚里充电插座太少")) == {"ebike_charging"}
    assert set(concepts("停车场的摄像头坏了半年")) == {"cctv"}
    shed = concepts("车棚太乱了，车子东倒西歪，再装几个充电桩就好了")
    assert shed["ebike_charging"] == engine.LATER_WEIGHT < shed["bike_shed"]
    index = engine.Index()
    first = index.add(1, "车棚里僵尸车太多，新车停不进去")
    assert index.add(2, "车棚太乱，自行车东倒西歪") == first
    assert index.add(3, "车棚里充电插座太少，大家只能拉线充电") != first


def test_the_phrase_trie_finds_what_the_longest_first_alternation_finds():
    """The lexicon's phrases are matched by one trie-shaped expression (round 3: 2,500 phrases
    tried one by one at every place cost twice as much); it must find, at every place, the
    longest phrase the plain alternation (longest first) finds, on texts made of phrases, their
    prefixes and suffixes and stray characters."""
    phrases = sorted(engine._CONCEPTS_OF)
    plain = re.compile("(?=(" + "|".join(map(re.escape, sorted(phrases, key=lambda p: (-len(p), p)))) + "))")
    assert engine._PHRASES.pattern == "(?=(" + engine.phrase_pattern(phrases) + "))"
    rng = random.Random(22)
    stray = "".join(sorted(set("".join(phrases))))
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 6)):
            phrase = rng.choice(phrases)
            start, end = rng.randint(0, len(phrase) - 1), rng.randint(1, len(phrase))
            parts.append(rng.choice([phrase, phrase[start:], phrase[:end]]))
            parts.append("".join(rng.choice(stray) for _ in range(rng.randint(0, 2))))
        text = "".join(parts)
        found = [(m.start(), m.group(1)) for m in engine._PHRASES.finditer(text)]
        assert found == [(m.start(), m.group(1)) for m in plain.finditer(text)], text
    assert re.findall(engine.phrase_pattern(["挂号", "挂号难", "挂号窗口"]), "挂号窗口挂号难挂号") == [
        "挂号窗口",
        "挂号难",
        "挂号",
    ]


# One problem, two wordings the grouping keeps apart: the boiling-water room and hot water for
# washing in the wards (written for this test, in the style of the labelled files).
BOILING_WATER = [
    "病区开水房的开水器坏了一个星期，家属打不到开水",
    "開水房的開水器老是壞，晚上打不到開水",
    "住院部开水房经常没有开水，要跑到别的楼去打",
]
WASHING_WATER = [
    "住院部洗澡间没有热水，病人洗不了澡",
    "病房卫生间的热水器不出热水，洗澡只能用冷水",
    "住院病人洗澡没热水，夏天还好冬天怎么办",
]
LIKE_THE_FIRST = "七楼开水房的开水器又坏了，打开水要下楼"


def merged_water_cards(learned: bool) -> tuple[engine.Index, str]:
    """The two wordings grouped apart, then the office's merge of the first into the second:
    learned (each keeps its part), or as before the parts (one sum of all members' vectors)."""
    index = engine.Index(new_key=iter(f"g{n}" for n in range(100)).__next__)
    (boiling,) = {index.add(f"b{n}", t) for n, t in enumerate(BOILING_WATER)}
    (washing,) = {index.add(f"w{n}", t) for n, t in enumerate(WASHING_WATER)}
    assert boiling != washing
    for key in list(index.members[boiling]):
        index.move(key, washing, index.part_name(key) if learned else None)
    return index, washing


def test_after_a_merge_a_new_opinion_worded_like_either_part_joins_the_merged_card():
    """The defect of average linkage: the merged card's average is of two wordings, and a new
    opinion worded like the first card's fell under the threshold and started a new card, so
    the office would merge the same thing again every day."""
    before, merged = merged_water_cards(learned=False)
    assert before.add("n", LIKE_THE_FIRST) != merged  # as before the parts: a new card
    index, merged = merged_water_cards(learned=True)
    assert len(index.parts[merged]) == 2
    assert index.add("n", LIKE_THE_FIRST) == merged
    assert index.add("m", "病房热水器坏了，洗澡水是凉的") == merged
    # the card's text: the member most like all its members, whatever part each is in
    vectors = {k: dict(zip(*index.vectors[k], strict=True)) for k in index.members[merged]}
    total = {t: sum(v.get(t, 0.0) for v in vectors.values()) for v in vectors.values() for t in v}
    assert index.representative(merged) == max(
        sorted(vectors), key=lambda k: sum(w * total[t] for t, w in vectors[k].items())
    )


BOILER = ["暖水瓶打不到水，护工说锅炉坏了", "晚上十点以后锅炉就停了，病人想喝口热的都没有"]


def test_an_opinion_the_office_moved_is_a_wording_of_its_card_from_then_on():
    index, merged = merged_water_cards(learned=True)
    for n, text in enumerate(BOILER):
        key = f"moved{n}"
        assert index.add(key, text) != merged  # a third wording: a card of its own
        index.move(key, merged, f"part-{key}")  # the office's move: a part of its own
    assert index.add("later", "锅炉晚上十点就停了，想喝口热的都没有") == merged
    before, merged = merged_water_cards(learned=False)
    for n, text in enumerate(BOILER):
        before.add(f"moved{n}", text, group=merged)  # one sum, as before the parts
    assert before.add("later", "锅炉晚上十点就停了，想喝口热的都没有") != merged


def test_a_part_of_one_is_drawn_toward_its_whole_card():
    """A part of one opinion is one wording, a noisy guide: its similarity is drawn PART_PRIOR
    members' worth toward the card's average, so it pulls in less of what shares a word with it."""
    index, merged = merged_water_cards(learned=True)
    index.add("one", BOILER[0], group=merged, part="alone")
    vector = index.vector("暖水瓶打不到水，护工说锅炉又坏了")
    scores = {
        p: sum(w * index.postings[t].get(p, 0.0) for t, w in vector.items()) for p in index.parts[merged]
    }
    whole, alone = sum(scores.values()) / index.sizes[merged], scores[index.part_key(merged, "alone")]
    similarity = index._similarities(scores)[index.part_key(merged, "alone")]
    assert whole < similarity < alone
    assert similarity == pytest.approx((alone + engine.PART_PRIOR * whole) / (1 + engine.PART_PRIOR))


def test_a_group_the_grouping_made_alone_is_compared_as_before():
    """One part: its average, as before the parts (the labelled files' figures do not move)."""
    index = engine.Index()
    (group,) = {index.add(n, t) for n, t in enumerate(WASHING_WATER)}
    assert index.parts[group] == {group}
    vector = index.vector(WASHING_WATER[0])
    cosines = [
        sum(w * dict(zip(*index.vectors[k], strict=True)).get(t, 0.0) for t, w in vector.items())
        for k in range(3)
    ]
    assert index.nearest(vector) == (group, pytest.approx(sum(cosines) / 3))


def test_an_office_in_the_loop_corrects_less_when_the_grouping_learns():
    """bench/hotspots_office.py on a small file: the same simulated office (it knows the true
    groups and fixes each wrong placement with one move or merge) acts less often when the
    grouping learns from it."""
    opinions = quality.read_opinions(DATA / "hotspots_blind3.tsv")[:150]
    without = quality.office_replay(opinions, learn=False)
    learning = quality.office_replay(opinions, learn=True)
    assert learning.actions < without.actions
    assert learning.recall > without.recall
    # a day's batch at a time, the office merging the cards it finds split
    assert (
        quality.office_replay(opinions, learn=True, batch=20).actions
        < quality.office_replay(opinions, learn=False, batch=20).actions
    )


def test_the_replay_counts_an_office_that_has_nothing_to_fix_as_idle():
    opinions = [quality.Opinion("shed", t) for t in ("自行车棚太乱了", "车棚里全是僵尸车")] + [
        quality.Opinion("canteen", "食堂的菜太难吃了")
    ]
    replay = quality.office_replay(opinions)
    assert (replay.moves, replay.merges, replay.precision, replay.recall) == (0, 0, 1.0, 1.0)
    wrong = [quality.Opinion("a", "自行车棚太乱了"), quality.Opinion("b", "车棚里全是僵尸车")]
    assert quality.office_replay(wrong).moves == 1  # taken out of the card it joined
