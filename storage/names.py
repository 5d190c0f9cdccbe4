"""How names are written: the normalised form that two spellings of one name share.

Rosters come from Excel sheets and chat apps: names carry zero-width spaces (pasted from a chat),
full-width padding ("宋　佳", common in Chinese lists to line up two-character names), stray
control characters and trailing blanks. Comparing the raw cells locked people out; comparing
these forms does not.
"""

from __future__ import annotations

import re
import unicodedata

# Han ideographs (with extensions) and the CJK compatibility block: spaces between two of these
# are padding, never part of a name.
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_PADDING_INSIDE_HAN = re.compile(rf"(?<=[{_HAN}])\s+(?=[{_HAN}])")
_SPACES = re.compile(r"\s+")


def _visible(char: str) -> bool:
    # Cc: control characters; Cf: format characters (zero-width space/joiners, BOM, soft hyphen,
    # direction marks). Neither belongs in a name.
    return unicodedata.category(char) not in ("Cc", "Cf") or char in "\t\n\r"


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and spaces to their plain forms), invisible characters
    removed, blanks collapsed and trimmed, spaces between Chinese characters removed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if _visible(char))
    text = _SPACES.sub(" ", text).strip()
    return _PADDING_INSIDE_HAN.sub("", text)


def header(text: str) -> str:
    """A column title as compared with the known titles: normalised, lower case, no blanks."""
    return normalise(text).lower().replace(" ", "")
