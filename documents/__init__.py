"""Files the bot produces for people to print or keep: invitation sheets, the ledger, the
reports, charts, posters and slips. Nothing here talks to Telegram or changes the database."""

from __future__ import annotations

from datetime import date


def chinese_date(day: date | str) -> str:
    """2026年11月30日, as official documents write a date (not 2026-11-30)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"
