"""Every sentence a user sees, per language. `say(lang, key, **values)` picks and fills one.

Values that come from users (names, departments, file names) are HTML-escaped here, so a
caller cannot forget; pass `Raw(...)` for a value that is already safe HTML.
"""

from __future__ import annotations

import html

from texts import en, zh_cn, zh_tw

DEFAULT = "zh-CN"
CATALOGS: dict[str, dict[str, str]] = {"zh-CN": zh_cn.MESSAGES, "zh-TW": zh_tw.MESSAGES, "en": en.MESSAGES}
LANGUAGE_NAMES = {"zh-CN": "简体中文", "zh-TW": "繁體中文", "en": "English"}


class Raw(str):
    """A value that is already safe HTML (built from the catalog itself)."""


def _safe(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    return html.escape(str(value), quote=False)


def say(language: str | None, key: str, /, **values: object) -> str:
    catalog = CATALOGS.get(language or DEFAULT, CATALOGS[DEFAULT])
    template = catalog.get(key) or CATALOGS[DEFAULT][key]
    return template.format(**{name: _safe(value) for name, value in values.items()})


def every_language(key: str) -> list[str]:
    """The same sentence in each language: how a tapped menu button is recognised."""
    return [catalog[key] for catalog in CATALOGS.values()]


def language_for(code: str | None, fallback: str = DEFAULT) -> str:
    """Telegram's language_code (e.g. zh-hans, zh-hant, zh-TW, en-US) to one we have."""
    if not code:
        return fallback
    code = code.lower()
    if code.startswith("zh"):
        return "zh-TW" if any(tag in code for tag in ("hant", "tw", "hk", "mo")) else "zh-CN"
    if code.startswith("en"):
        return "en"
    return fallback
