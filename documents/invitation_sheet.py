"""Invitations on paper: a QR code PNG per person and a printable HTML sheet per department."""

from __future__ import annotations

import html
import re
from datetime import datetime
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo

import segno

from documents import chinese_date
from storage.invitations import Invitation


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def _file_safe(name: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", name).strip("_") or "department"


def _department_line(invitation: Invitation) -> str:
    number = f" · 工号 {invitation.staff_number}" if invitation.staff_number else ""
    return f"{invitation.person.department}{number}"


def _card(invitation: Invitation, link: str, expires: str) -> str:
    qr = segno.make(link, error="m").svg_inline(scale=4, border=2)
    return (
        '<div class="card">'
        f'<div class="name">{html.escape(invitation.person.name)}</div>'
        f'<div class="dept">{html.escape(_department_line(invitation))}</div>'
        f"{qr}"
        f'<div class="link">{html.escape(link)}</div>'
        # typed from paper when no camera reads the QR code: large, in a face that tells 0 from O
        f'<div class="code">邀请码 <b>{html.escape(invitation.code)}</b></div>'
        f'<div class="note">用手机相机扫码，在 Telegram 中点“开始”即可加入。'
        f"本人专用，仅可使用一次，{expires} 前有效。</div>"
        "</div>"
    )


def department_sheet(
    department: str, invitations: list[Invitation], bot_username: str, zone: ZoneInfo
) -> str:
    cards = []
    for invitation in invitations:
        expires = datetime.fromisoformat(invitation.expires_at).astimezone(zone)
        cards.append(
            _card(invitation, deep_link(bot_username, invitation.code), chinese_date(expires.date()))
        )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>整改通邀请单 · {html.escape(department)}</title>
<style>
 @page {{ size: A4 portrait; margin: 10mm; }}
 body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; }}
 h1 {{ font-size: 16pt; }}
 .grid {{ display: flex; flex-wrap: wrap; gap: 6mm; }}
 .card {{ width: 50mm; border: 1px dashed #888; padding: 4mm; page-break-inside: avoid; }}
 .name {{ font-size: 14pt; font-weight: bold; }}
 .dept {{ color: #555; margin-bottom: 2mm; }}
 .link {{ font-family: monospace; font-size: 6pt; word-break: break-all; }}
 .code {{ font-size: 8pt; margin-top: 1mm; }}
 .code b {{ font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 10.5pt; }}
 .note {{ font-size: 7pt; color: #333; margin-top: 2mm; }}
 .guide {{ page-break-before: always; font-size: 10pt; line-height: 1.45; }}
 .guide h2 {{ font-size: 15pt; }} .guide h3 {{ font-size: 11.5pt; margin: 3mm 0 1mm; }}
 .guide ul {{ margin: 0; padding-left: 5mm; }}
</style></head><body>
<h1>整改通 · 个人邀请单 · {html.escape(department)}（共 {len(invitations)} 人）</h1>
<p>请沿虚线剪开，分发给本人。二维码一人一码，请勿转交他人。</p>
<div class="grid">{"".join(cards)}</div>
{staff_guide()}
</body></html>
"""


GUIDE = Path(__file__).resolve().parent.parent / "docs" / "职工使用指南.md"


def staff_guide() -> str:
    """The one-page staff guide (docs/职工使用指南.md), on its own printed page after the cards.
    The file is written in a small part of Markdown: # and ## headings, - items, **bold**."""
    if not GUIDE.exists():
        return ""
    out, in_list = ['<section class="guide">'], False
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(line.strip()[2:].strip()))
        if line.startswith("- ") != in_list:
            out.append("<ul>" if not in_list else "</ul>")
            in_list = not in_list
        if line.startswith("## "):
            out.append(f"<h3>{re.sub(r'^#+ ?', '', text)}</h3>")
        elif line.startswith("# "):
            out.append(f"<h2>{text}</h2>")
        elif line.startswith("- "):
            out.append(f"<li>{text}</li>")
    out.append("</ul></section>" if in_list else "</section>")
    return "".join(out)


def sheets_by_department(invitations: list[Invitation], bot_username: str, zone: ZoneInfo) -> dict[str, str]:
    ordered = sorted(invitations, key=lambda i: (i.person.department, i.person.name))
    return {
        department: department_sheet(department, list(group), bot_username, zone)
        for department, group in groupby(ordered, key=lambda i: i.person.department)
    }


def sheet_file_name(department: str) -> str:
    return f"invitations-{_file_safe(department)}.html"


def write_all(invitations: list[Invitation], bot_username: str, zone: ZoneInfo, out_dir: Path) -> list[Path]:
    """A PNG per person and an HTML sheet per department under out_dir; returns the sheets."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for invitation in invitations:
        person = invitation.person
        number = f"-{_file_safe(invitation.staff_number)}" if invitation.staff_number else ""
        png = out_dir / f"{_file_safe(person.department)}-{_file_safe(person.name)}{number}-{person.id}.png"
        segno.make(deep_link(bot_username, invitation.code), error="m").save(png, scale=8, border=2)
    written = []
    for department, sheet in sheets_by_department(invitations, bot_username, zone).items():
        path = out_dir / sheet_file_name(department)
        path.write_text(sheet, encoding="utf-8")
        written.append(path)
    return written
