"""Configuration: defaults, and one clear line naming a bad variable."""

from __future__ import annotations

import pytest

import bot
import config


def test_defaults_without_a_token_run_the_sandbox():
    settings = config.load(env={})
    assert settings.sandboxed
    assert str(settings.database_path) == "data/sandbox/rectify.db"
    assert settings.timezone.key == "Asia/Shanghai" and settings.default_language == "zh-CN"
    assert settings.api_url == "https://api.telegram.org/bot"


def test_a_token_uses_the_real_database_path_and_base_url():
    settings = config.load(
        env={"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_BASE_URL": "http://localhost:8081/"}
    )
    assert str(settings.database_path) == "data/rectify.db"
    assert settings.api_url == "http://localhost:8081/bot"
    assert settings.file_url == "http://localhost:8081/file/bot"


@pytest.mark.parametrize(
    "name, value",
    [
        ("TELEGRAM_BOT_TOKEN", "not a token"),
        ("TELEGRAM_BASE_URL", "api.telegram.org"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("OFFICE_CHAT_ID", "office"),
        ("INVITATION_TTL_DAYS", "0"),
        ("SANDBOX_PORT", "http"),
        ("LOG_LEVEL", "LOUD"),
        ("SECRET_KEY", "too-short"),
        ("OPINION_BATCH_TIMES", "9am"),
        ("REMINDER_DAYS_BEFORE", "7,three"),
        ("QUIET_HOURS", "22:00"),
        ("LOOKBACK_REOPEN_SHARE", "2"),
        ("MEETING_REMINDERS", "1 day"),
    ],
)
def test_a_malformed_value_names_its_variable(name, value):
    with pytest.raises(config.ConfigError, match=name):
        config.load(env={name: value})


def test_the_bot_stops_at_start_with_one_line(monkeypatch, capsys):
    monkeypatch.setenv("TIMEZONE", "Nowhere/Special")
    assert bot.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "TIMEZONE" in err
