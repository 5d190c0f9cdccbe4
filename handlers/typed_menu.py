"""A command or a menu button typed the way a busy person types it: `／mine` with the full-width
slash of a Chinese keyboard, `/claim。` with the full stop the keyboard adds, `简报` or `我的问题`
without the button's emoji. No handler takes these (a command needs a plain slash, a menu tap is
the exact label), and they were answered 我没有看懂. Read here, they are handled as the command or
the tap itself: a new update with the plain text, as open_more does for a button under 更多, so
every flow starts exactly as it does from the keyboard, role checks included."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from telegram import Message, MessageEntity, Update
from telegram.ext import ContextTypes

from handlers import menu, typed_choice
from handlers.access import current_person, language
from storage.people import Person
from texts import every_language, say

_COMMAND = re.compile(r"/([A-Za-z_]+)(?:@\w+)?(.*)", re.S)
_EDGES = " \t\n。，、；：！？,.;:!?"  # what a phone's keyboard leaves around a command


def meant_command(typed: str) -> str | None:
    """`/mine` for `／mine`, `/claim` for `/claim。`, `/history 12` for `／history １２。`: a command
    of the menu, typed with full-width characters or punctuation around it; None otherwise."""
    text = unicodedata.normalize("NFKC", typed).strip()
    found = _COMMAND.fullmatch(text)
    if found is None:
        return None
    command = found.group(1).lower()
    known = {c for c, _, _ in menu.ENTRIES} | set(menu.ALWAYS)
    if command not in known:
        return None
    rest = found.group(2).strip(_EDGES)
    if rest and not found.group(2)[:1].isspace() and found.group(2)[:1] not in _EDGES:
        return None  # /mineabc is not /mine
    return f"/{command} {rest}".strip()


def meant_label(person: Person, lang: str, typed: str) -> str | None:
    """The person's own menu label whose words were typed without its emoji (`简报` for 📊 简报,
    `我的问题。`, `待接單`); None when no label, or more than one, reads so."""
    key = typed_choice.match_key(typed)
    if not key:
        return None
    daily, more = menu.daily_and_more(person)
    keys = [button for _, button in daily + more] + [menu.MORE]
    found = [k for k in keys if any(typed_choice.match_key(label) == key for label in every_language(k))]
    return say(lang, found[0]) if len(found) == 1 else None


SETTINGS_WORDS = ("设置", "設置", "设定", "設定", "settings", "setting")


def meant_digest_settings(person: Person, typed: str) -> str | None:
    """`/digest 设置` for 简报设置, `简报 设置。` or the words of ⚙️ 推送设置 typed, for whom the
    digest is: `简报` typed opened the digest and `简报设置` was not understood."""
    if "digest" not in {command for command, _ in menu.entries_for(person)}:
        return None
    key = typed_choice.match_key(typed)
    digest = {typed_choice.match_key(label) for label in every_language(menu.button_of("digest") or "")}
    gear = {typed_choice.match_key(label) for label in every_language("digest.btn.settings")}
    words = {typed_choice.match_key(word) for word in SETTINGS_WORDS}
    meant = key in gear or any(key == name + word for name in digest for word in words)
    return "/digest 设置" if key and meant else None


async def take(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Handle typed text as the command or menu tap it means; False when it means neither."""
    message = update.message
    person = current_person(update, context)
    if message is None or not message.text or person is None:
        return False
    command = meant_command(message.text) or meant_digest_settings(person, message.text)
    text = command or meant_label(person, language(update, context, person), message.text)
    if text is None or text == message.text:
        return False
    entities = [MessageEntity(MessageEntity.BOT_COMMAND, 0, len(text.split()[0]))] if command else None
    typed = Message(
        message_id=message.message_id,
        date=datetime.now(UTC),
        chat=message.chat,
        from_user=message.from_user,
        text=text,
        entities=entities,
    )
    typed.set_bot(context.bot)
    await context.application.update_queue.put(Update(update.update_id, message=typed))
    return True
