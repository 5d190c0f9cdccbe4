"""Files people send: fetched from Telegram, and photos re-encoded before anything keeps them
(only the pixels survive; EXIF, GPS and the rest are gone)."""

from __future__ import annotations

from telegram import Message
from telegram.ext import ContextTypes

from storage import photos


async def download(context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes:
    telegram_file = await context.bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


async def clean_photo(context: ContextTypes.DEFAULT_TYPE, message: Message) -> bytes | None:
    """The largest size of the message's photo, re-encoded; None when it cannot be read."""
    try:
        return photos.reencode(await download(context, message.photo[-1].file_id))
    except photos.NotAPhoto:
        return None
