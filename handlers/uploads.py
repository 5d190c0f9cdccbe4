"""Files people send: fetched from Telegram, and photos re-encoded before anything keeps them
(only the pixels survive; EXIF, GPS and the rest are gone)."""

from __future__ import annotations

from telegram import Message
from telegram.ext import ContextTypes

from storage import photos


async def download(context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes:
    telegram_file = await context.bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


MEGAPIXELS = photos.MAX_PIXELS // 1_000_000  # the {limit} in photo.too_large


async def clean_photo(context: ContextTypes.DEFAULT_TYPE, message: Message) -> bytes | str:
    """The largest size of the message's photo, re-encoded; when it cannot be taken, the catalog
    key saying why (too many pixels, or not readable), to answer with limit=MEGAPIXELS."""
    try:
        return photos.reencode(await download(context, message.photo[-1].file_id))
    except photos.TooLarge:
        return "photo.too_large"
    except photos.NotAPhoto:
        return "opinion.bad_photo"
