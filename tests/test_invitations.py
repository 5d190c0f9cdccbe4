"""Invitations: one use, expiry, revocation and reissue, QR codes and printable sheets."""

from __future__ import annotations

from datetime import timedelta

import bot
from storage import invitations
from storage.clock import clock
from storage.invitations import Redemption


def _ids(db):
    return [p.id for p in invitations.unbound(db)]


def test_a_code_works_once(db, invited):
    outcome, person = invitations.redeem(db, invited["张伟"], 1, 1, "zh-CN")
    assert outcome is Redemption.JOINED and person.telegram_user_id == 1
    assert invitations.redeem(db, invited["张伟"], 2, 2, "zh-CN")[0] is Redemption.USED


def test_codes_expire_after_the_configured_days(db, invited):
    clock.advance(timedelta(days=14, seconds=1))
    assert invitations.redeem(db, invited["张伟"], 1, 1, "zh-CN")[0] is Redemption.EXPIRED


def test_reissuing_revokes_the_old_code(db, invited):
    zhang = next(p for p in invitations.unbound(db) if p.name == "张伟")
    [fresh] = invitations.issue(db, [zhang.id], ttl_days=14)
    assert invitations.redeem(db, invited["张伟"], 1, 1, "zh-CN")[0] is Redemption.REVOKED
    assert invitations.redeem(db, fresh.code, 1, 1, "zh-CN")[0] is Redemption.JOINED


def test_revoked_codes_and_unknown_codes_are_refused(db, invited):
    zhang = next(p for p in invitations.unbound(db) if p.name == "张伟")
    assert invitations.revoke(db, zhang.id) == 1
    assert invitations.redeem(db, invited["张伟"], 1, 1, "zh-CN")[0] is Redemption.REVOKED
    assert invitations.redeem(db, "no-such-code-at-all", 1, 1, "zh-CN")[0] is Redemption.UNKNOWN


def test_one_telegram_account_binds_to_one_person(db, invited):
    invitations.redeem(db, invited["张伟"], 1, 1, "zh-CN")
    assert invitations.redeem(db, invited["李娜"], 1, 1, "zh-CN")[0] is Redemption.ACCOUNT_BOUND


def test_codes_are_stored_only_as_hashes(db, invited):
    stored = " ".join(str(v) for row in db["invitations"].rows for v in row.values())
    assert not any(code in stored for code in invited.values())


def test_cli_writes_qr_codes_and_a_sheet_per_department(tmp_path, monkeypatch, capsys, db_path, db, invited):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    monkeypatch.setenv("BOT_USERNAME", "rectify_test_bot")
    out = tmp_path / "out"
    assert bot.main(["invite", "--department", "门诊部", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("https://t.me/rectify_test_bot?start=") == 2  # 张伟 and 刘洋
    assert len(list(out.glob("*.png"))) == 2
    [sheet] = out.glob("*.html")
    html = sheet.read_text(encoding="utf-8")
    assert "张伟" in html and "刘洋" in html and html.count("<svg") == 2
    assert png_is_qr(next(out.glob("*.png")).read_bytes())
    # the codes printed before this run stopped working
    assert invitations.redeem(db, invited["张伟"], 9, 9, "zh-CN")[0] is Redemption.REVOKED
    assert bot.main(["invite", "--department", "不存在", "--out", str(out)]) == 1


def png_is_qr(data: bytes) -> bool:
    return data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 200


def test_cli_revoke(monkeypatch, capsys, db_path, invited, db):
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    assert bot.main(["revoke", "张伟"]) == 0
    assert "1 invitation(s) revoked" in capsys.readouterr().out
    assert invitations.redeem(db, invited["张伟"], 1, 1, "zh-CN")[0] is Redemption.REVOKED
    assert bot.main(["revoke", "无此人"]) == 1


async def test_the_office_makes_invitations_in_chat(running_bot, client, invited):
    office = await client.user(103, "Wang")
    await office.send(f"/start {invited['王芳']}")
    reply = await office.send("/invite 门诊部")
    assert "2 位尚未加入" in reply[-1].text
    reply = await office.press("确认")
    sheets = [m for m in reply if m.document]
    assert len(sheets) == 1 and sheets[0].document["file_name"].endswith(".html")
    html = (await office.download(sheets[0].document["file_id"])).decode()
    assert "t.me/rectify_sandbox_bot?start=" in html and "刘洋" in html
    assert "没有名为“外科”的科室" in (await office.send("/invite 外科"))[-1].text
