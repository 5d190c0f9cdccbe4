"""The digest's chart is a photo, and Telegram takes a photo only when its width and height add
up to at most 10,000 pixels, the one at most 20 times the other, in at most 10 MB (the sandbox
refuses others as Telegram does). One bar per department was 11,209 px high at 200 departments:
the office's 📊 简报 lost its chart. A chart now has at most charts.PHOTO_ROWS bars, the rest
summed in the last one, and its caption says which departments that bar sums and where each
one is, within a caption's 1,024 UTF-16 units."""

from __future__ import annotations

import io
import os
from datetime import date, datetime, timedelta

import pytest
from conftest import join
from PIL import Image

from documents import charts
from jobs import digests as digest_job
from jobs import supervision
from storage import people
from storage.clock import iso
from storage.rollup import Figures
from texts.fit import units

LIGHT_STATES = (  # (status, deadline in days from today, listed days ago) -> a light each
    ("dispatched", -3),  # red
    ("in_progress", 1),  # amber
    ("dispatched", 30),  # green
    ("closed", 30),  # done
)


def _departments(db, count: int) -> dict[str, int]:
    """`count` departments with 1 to 4 problems each, in different lights: name -> problems."""
    today = date.today()
    made: dict[str, int] = {}
    with db.atomic():
        for n in range(1, count + 1):
            name = f"第{n}临床医技科室（病区）"
            department_id = db.table("departments").insert({"name": name}).last_pk
            made[name] = 1 + n % 4
            for k in range(made[name]):
                status, days = LIGHT_STATES[(n + k) % len(LIGHT_STATES)]
                db.table("problems").insert(
                    {
                        "title": f"问题{n}-{k}",
                        "source": "meeting",
                        "status": status,
                        "department_id": department_id,
                        "deadline": (today + timedelta(days=days)).isoformat(),
                        "created_at": iso(datetime.now().astimezone() - timedelta(days=1)),
                        "last_progress_at": iso(datetime.now().astimezone()),
                    }
                )
    return made


def _fits_a_photo(png: bytes) -> tuple[int, int]:
    width, height = Image.open(io.BytesIO(png)).size
    assert width + height <= 10_000 and max(width, height) <= 20 * min(width, height), (width, height)
    assert len(png) <= 10 * 1024 * 1024
    return width, height


def _named(caption: str, before: str) -> list[str]:
    """The names a folded chart's caption lists (after its counts, up to the sentence's end),
    without the ellipsis that says more were left out."""
    listed = caption.split(before)[1].split("）：", 1)[1].split("。")[0]
    return [name for name in listed.removesuffix("…").split("、") if name]


@pytest.mark.parametrize("count", [1, 12, 200, 1000])
async def test_the_office_digest_chart_fits_a_photo_at_any_number_of_departments(
    fast_bot, fast_client, invited, db, count
):
    made = _departments(db, count)
    office = await join(fast_client, invited, 101, "王芳")
    shown = await office.send("📊 简报")
    [chart] = [m for m in shown if m.photo]  # sent: the sandbox refuses a photo Telegram would
    png = fast_bot.api.files[chart.photo[-1]["file_id"]][0]
    width, height = _fits_a_photo(png)
    caption = chart.caption or ""
    if os.environ.get("KEEP_CHARTS"):  # to look at them
        open(f"/tmp/digest-chart-{count}.png", "wb").write(png)
        open(f"/tmp/digest-chart-{count}.txt", "w").write(caption)
    assert units(caption) <= 1024
    assert "🔴 逾期" in caption  # the counts stand under the bars, as before

    office_person = next(p for p in people.everyone(db) if p.name == "王芳")
    digest = digest_job.build(fast_bot.app, office_person, datetime(2020, 1, 1).astimezone(), date.today())
    rows, _, _ = digest_job.chart_input("zh-CN", office_person, digest)
    drawn = sum(sum(r.counts.values()) for r in rows)
    if count <= charts.PHOTO_ROWS:
        assert [r.department for r in rows] == sorted(made) and "其余" not in caption
        assert drawn == sum(made.values())  # every problem drawn
        return
    rest = count - charts.PHOTO_ROWS
    assert len(rows) == charts.PHOTO_ROWS
    assert f"其余 {rest} 个科室未画出（" in caption and "/export" in caption
    left_out = set(made) - {r.department for r in rows}
    summed = caption.split("个科室未画出（")[1].split("）：")[0]  # 逾期 n · 临期 n · 正常 n · 已完成 n
    assert drawn + sum(int(part.split(" ")[1]) for part in summed.split(" · ")) == sum(made.values())
    named = _named(caption, "未画出（")
    assert named and set(named) <= left_out  # the names of what is not drawn, as many as fit, each whole
    assert height < 2600  # a phone shows 1280 px on the long side: a chart that stays readable


@pytest.mark.parametrize("count", [1, 12, 200, 1000])
def test_the_rollup_chart_of_institutions_fits_a_photo(count):
    ranked = [
        Figures(f"某某县第{n}人民医院", total=9, by_light={"red": n % 3, "amber": 2, "green": 4, "done": 1})
        for n in range(1, count + 1)
    ]
    _fits_a_photo(supervision.draw_chart("zh-CN", ranked))
    caption = supervision.chart_caption("zh-CN", ranked)
    assert units(caption) <= 1024
    assert ("其余" in caption) == (count > charts.PHOTO_ROWS)
    if count > charts.PHOTO_ROWS:
        assert "📥 汇总表（Excel）" in caption and f"其余 {count - charts.PHOTO_ROWS} 个单位未画出" in caption
        drawn = {f.institution for f in ranked} - set(supervision._folded("zh-CN", ranked).left_out)
        named = _named(caption, "未画出（")
        assert named and not set(named) & drawn and all(name.startswith("某某县第") for name in named)
        assert set(named) <= {f.institution for f in ranked}  # each whole: none cut in its middle


def test_a_chart_of_more_bars_than_a_photo_holds_is_refused_not_cut():
    rows = [charts.DepartmentLights(f"科室{n}", {"red": 1}) for n in range(charts.MOST_ROWS + 1)]
    with pytest.raises(ValueError):
        charts.status_by_department(rows, "各科室整改状态", {"red": "逾期"}, phone=True)
    folded = charts.fold(rows)
    assert len(folded.rows) == charts.PHOTO_ROWS and len(folded.left_out) == len(rows) - charts.PHOTO_ROWS
    assert folded.rest == {"red": len(rows) - charts.PHOTO_ROWS}
    _fits_a_photo(charts.status_by_department(folded.rows, "各科室整改状态", {"red": "逾期"}, phone=True))
