"""Evidence photos are re-encoded before they are kept or shown to anyone: only the pixels
survive, never EXIF (GPS position, camera serial, time taken) or any other metadata."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2048
MAX_INPUT_BYTES = 20 * 1024 * 1024


class NotAPhoto(ValueError):
    pass


def reencode(data: bytes) -> bytes:
    if len(data) > MAX_INPUT_BYTES:
        raise NotAPhoto("too large")
    try:
        with Image.open(io.BytesIO(data)) as original:
            # Turn the picture upright first, since the orientation tag is dropped with the rest.
            image = ImageOps.exif_transpose(original).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise NotAPhoto(str(error)) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
