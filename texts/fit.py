"""Telegram's limits, counted as Telegram counts them: in UTF-16 code units (an emoji outside the
Basic Multilingual Plane counts twice). Shorten user text *before* it is escaped into a template;
a built message is checked as HTML, which is never shorter than what Telegram counts, so a message
that fits here fits there."""

from __future__ import annotations

TEXT_LIMIT = 4096  # sendMessage / editMessageText
CAPTION_LIMIT = 1024  # a photo's or document's caption
CALLBACK_DATA_BYTES = 64  # an inline button's callback_data, in UTF-8 bytes
POPUP_LIMIT = 200  # answerCallbackQuery's text (a pop-up under a pressed button)
ELLIPSIS = "…"


def units(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """`text` cut to at most `limit` UTF-16 units, ending in `ellipsis` when cut; never splits a
    surrogate pair."""
    if units(text) <= limit:
        return text
    room = limit - units(ellipsis)
    kept, used = [], 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if used + width > room:
            break
        kept.append(char)
        used += width
    return "".join(kept).rstrip() + ellipsis


def whole_names(names: list[str], limit: int, separator: str = "、") -> str:
    """As many of `names` as fit `limit` UTF-16 units, each whole, then an ellipsis when some are
    left out: a name cut in its middle (第12临床医技科室（病…) names a department that does not exist."""
    kept: list[str] = []
    for name in names:
        joined = separator.join([*kept, name])
        if units(joined) + (units(ELLIPSIS) if len(kept) + 1 < len(names) else 0) > limit:
            return separator.join(kept) + ELLIPSIS if kept else shorten(name, limit)
        kept.append(name)
    return separator.join(kept)


def split_lines(lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines joined into as few messages as fit `limit`, never cutting a line that fits on its
    own; a line longer than a message is shortened (so each line must be plain text or complete
    HTML whose cut cannot break a tag: shorten user values before formatting them)."""
    messages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = shorten(line, limit)
        width = units(line) + (1 if messages[-1] else 0)
        if messages[-1] and used + width > limit:
            messages.append([])
            width = units(line)
            used = 0
        messages[-1].append(line)
        used += width
    return ["\n".join(chunk) for chunk in messages if chunk]
