"""The HTML subset Telegram accepts with parse_mode=HTML, checked as strictly as Telegram does
(stricter where Telegram is lenient), so an escaping mistake fails here and not in production."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class EntityError(ValueError):
    pass


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            raise EntityError(f'Unsupported start tag "{tag}"')
        if tag == "a" and not dict(attrs).get("href"):
            raise EntityError("Can't parse entities: a tag without href")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f'Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data):
        if "<" in data or ">" in data:
            raise EntityError("Unescaped < or > in text")
        self.text.append(data)

    def handle_entityref(self, name):
        if name not in ("lt", "gt", "amp", "quot"):
            raise EntityError(f'Unsupported entity "&{name};"')
        self.text.append({"lt": "<", "gt": ">", "amp": "&", "quot": '"'}[name])

    def handle_charref(self, name):
        self.text.append("?")

    def unknown_decl(self, data):
        raise EntityError("Unsupported declaration")


def visible_text(markup: str) -> str:
    """Check the markup; return the text a user would see. Raises EntityError."""
    stray = re.sub(ENTITY, "", markup)
    if "&" in stray:
        raise EntityError("Can't parse entities: unescaped &")
    checker = _Checker()
    checker.feed(markup)
    checker.close()
    if checker.rawdata:
        raise EntityError("Can't parse entities: unfinished tag")
    if checker.stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"')
    return "".join(checker.text)
