"""Images over a pixel budget are refused from their header, before any pixel is decoded: a
0.02 MB PNG of 13000x13000 once took a gigabyte and seconds to re-encode."""

from __future__ import annotations

import io
import resource

import pytest
from conftest import join
from PIL import Image

from storage import photos
from texts import say


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = _png(13000, 13000)
    assert len(bomb) < 100_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(photos.TooLarge):
        photos.reencode(bomb)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50  # the header was read, not 169 million pixels


def test_just_over_the_budget_and_pillows_own_warning_are_refused(monkeypatch):
    with pytest.raises(photos.TooLarge):
        photos.reencode(_png(photos.MAX_PIXELS // 1000 + 1, 1000))
    # Pillow's DecompressionBombWarning counts as an error even under a looser budget
    monkeypatch.setattr(photos, "MAX_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(photos.TooLarge):
        photos.reencode(_png(1500, 1000))


def test_an_ordinary_photo_still_passes():
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 120, 10)).save(out, format="JPEG")
    clean = Image.open(io.BytesIO(photos.reencode(out.getvalue())))
    assert max(clean.size) == photos.MAX_SIDE


async def test_the_person_is_told_politely(running_bot, client, invited):
    staff = await join(client, invited, 101, "张伟")
    await staff.send("/opinion")
    await staff.press("匿名提交")
    await staff.press("形式主义")
    await staff.press("不指定科室")
    await staff.send("候诊区的照片见下")
    replies = await staff.send_file(_png(13000, 13000), "photo.png", kind="photo")
    assert replies[-1].text == say("zh-CN", "photo.too_large", limit=photos.MAX_PIXELS // 1_000_000)
