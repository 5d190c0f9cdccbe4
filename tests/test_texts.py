"""The message catalog: every sentence in every language, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from texts import CATALOGS, language_for, say


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", [lang for lang in CATALOGS if lang != "zh-CN"])
def test_every_language_has_every_sentence_with_the_same_placeholders(language):
    reference = CATALOGS["zh-CN"]
    catalog = CATALOGS[language]
    assert set(catalog) == set(reference)
    for key, template in reference.items():
        assert _fields(catalog[key]) == _fields(template), key


def test_values_are_escaped():
    assert say("en", "me.card", name="<b>x</b> & co", department="d", roles="r", language="l").startswith(
        "<b>&lt;b&gt;x&lt;/b&gt; &amp; co</b>"
    )


@pytest.mark.parametrize(
    "code, expected",
    [
        ("zh-hans", "zh-CN"),
        ("zh-CN", "zh-CN"),
        ("zh-hant", "zh-TW"),
        ("zh-TW", "zh-TW"),
        ("zh-HK", "zh-TW"),
        ("en-US", "en"),
        ("fr", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_telegram_language_codes(code, expected):
    assert language_for(code) == expected
