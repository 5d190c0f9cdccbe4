"""Evidence photos are re-encoded before they are kept or shown to anyone: only the pixels
survive, never EXIF (GPS position, camera serial, time taken) or any other metadata."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 2048
MAX_INPUT_BYTES = 20 * 1024 * 1024
# The pixel budget, checked from the header before any pixel is decoded: a few kilobytes of
# PNG can claim 13000x13000 and cost a gigabyte to decode. 50 million pixels is beyond any
# phone's ordinary photo (a 48-megapixel camera saves 12 by default).
MAX_PIXELS = 50_000_000


class NotAPhoto(ValueError):
    pass


class TooLarge(NotAPhoto):
    """More pixels than the budget: refused without decoding."""


def reencode(data: bytes) -> bytes:
    if len(data) > MAX_INPUT_BYTES:
        raise NotAPhoto("too many bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as original:
                width, height = original.size
                if width * height > MAX_PIXELS:
                    raise TooLarge(f"{width}x{height} pixels")
                original.draft("RGB", (MAX_SIDE, MAX_SIDE))  # a JPEG decodes at a fraction of its size
                # Turn the picture upright first, since the orientation tag is dropped with the rest.
                image = ImageOps.exif_transpose(original).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooLarge(str(error)) from None
    except (UnidentifiedImageError, OSError) as error:
        raise NotAPhoto(str(error)) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
