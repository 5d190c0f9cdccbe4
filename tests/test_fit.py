"""Telegram counts message length in UTF-16 code units: an emoji is two."""

from texts.fit import TEXT_LIMIT, shorten, split_lines, units


def test_units_count_emoji_twice():
    assert units("字") == 1
    assert units("💩") == 2
    assert units("a💩字") == 4


def test_shorten_keeps_within_the_limit_and_never_splits_an_emoji():
    cut = shorten("💩" * 3000, TEXT_LIMIT)
    assert units(cut) <= TEXT_LIMIT
    assert cut.endswith("…")
    assert "\ud83d" not in cut  # no lone surrogate
    assert shorten("短句", 10) == "短句"


def test_split_lines_fills_messages_and_shortens_a_line_longer_than_one():
    messages = split_lines(["甲" * 4000, "乙" * 200, "💩" * 5000])
    assert [units(m) <= TEXT_LIMIT for m in messages] == [True, True, True]
    assert messages[0] == "甲" * 4000
    assert split_lines(["a" * 10] * 10) == ["\n".join(["a" * 10] * 10)]
