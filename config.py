"""Settings from environment variables (and a `.env` file when present).

Every setting has a default except the bot token; without a token the bot runs against the
local sandbox. A missing or malformed value stops the start with one line naming the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import time, timedelta
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

LANGUAGES = ("zh-CN", "zh-TW", "en")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    base_url: str
    database_path: Path
    timezone: ZoneInfo
    default_language: str
    office_chat_id: int | None
    bot_username: str | None
    invitation_ttl_days: int
    sandbox_host: str
    sandbox_port: int
    log_level: str
    secret_key: str | None
    opinion_max_chars: int
    opinion_daily_limit: int
    opinion_batch_times: tuple[time, ...]
    ledger_amber_days: int
    ledger_stale_days: int
    unclaimed_working_days: tuple[int, int]  # (amber, red): 待接单 that long turns that colour
    reminder_time: time
    reminder_days: tuple[int, ...]
    escalate_leader_after: int
    escalate_office_after: int
    quiet_hours: tuple[time, time]
    lookback_days: tuple[int, ...]
    lookback_open_days: int
    lookback_min_votes: int
    lookback_reopen_share: Fraction
    meeting_reminders: tuple[timedelta, ...]
    institution: str = ""
    evaluation_min_ballots: int = 5
    anonymity_set: int = 5
    evaluation_rule: str = "好:好>=50,一般+差<10; 较好:好+较好>=60; 差:差>=30; 一般"
    self_check_reviewer: str = "leader"
    backup_dir: Path | None = None
    backup_keep: int = 14
    backup_time: time = time(3, 0)
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    health_host: str = "127.0.0.1"
    health_port: int | None = None
    rate_limit_burst: int = 20
    secret_key_file: Path | None = None  # None: storage.keys.default_key_file()
    rate_limit_per_minute: int = 60
    # The public's box (群众意见箱, the lobby poster): its categories and its limits
    public_categories: tuple[str, ...] = ("医疗服务", "服务态度", "就医环境", "收费", "其他")
    public_daily_limit: int = 3
    public_hourly_limit: int = 60
    # Telegram's paid broadcasts (allow_paid_broadcast, 0.1 Star a message): off unless asked for
    paid_broadcast: bool = False
    paid_broadcast_above: int = 1000  # messages waiting before a delivery pass pays to go faster
    paid_broadcast_in_flight: int = 100  # paid sends at once (the rate is at most this / round trip)
    # Free sends at once. One keeps the crash rule (a crash repeats at most one message) and
    # reaches Telegram's 30 a second only while a round trip takes under about 25 ms.
    broadcast_in_flight: int = 1

    @property
    def sandboxed(self) -> bool:
        return self.bot_token is None

    @property
    def api_url(self) -> str:
        """What python-telegram-bot calls `base_url`: the token is appended to it."""
        return f"{self.base_url.rstrip('/')}/bot"

    @property
    def webhook_secret_token(self) -> str | None:
        """What Telegram sends back in X-Telegram-Bot-Api-Secret-Token on every webhook call:
        WEBHOOK_SECRET, or one derived from the token, so a webhook is never left unguarded."""
        if not self.webhook_url:
            return None
        if self.webhook_secret:
            return self.webhook_secret
        token = (self.bot_token or "").encode()
        return hmac.new(token, b"rectify webhook secret", hashlib.sha256).hexdigest()

    @property
    def webhook_path(self) -> str:
        """The path the webhook listens on: the one of WEBHOOK_URL (a proxy passes it on)."""
        return urlsplit(self.webhook_url or "").path.rstrip("/")

    @property
    def file_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/file/bot"


def _text(env: dict[str, str], name: str, default: str | None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


def _names(env: dict[str, str], name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of names (full-width commas too), each at most 20 characters
    (they become buttons), duplicates dropped."""
    raw = _text(env, name, default) or default
    names = tuple(dict.fromkeys(n.strip() for n in re.split("[,，、]", raw) if n.strip()))
    if not names or any(len(n) > 20 for n in names):
        raise ConfigError(f"{name} must be names separated by commas, each at most 20 characters")
    return names


def _integer(env: dict[str, str], name: str, default: int | None, minimum: int | None = None):
    raw = _text(env, name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


UNCLAIMED_MOST = 250  # working days: a year; the light counts them back through the calendar


def _unclaimed(env: dict[str, str]) -> tuple[int, int]:
    """Working days a listed problem may wait for a leader's 接单 before it turns amber, then
    red (storage/problems.py: still_before, red_before); red after amber."""
    amber = _integer(env, "UNCLAIMED_AMBER_WORKING_DAYS", 2, minimum=1)
    red = _integer(env, "UNCLAIMED_RED_WORKING_DAYS", max(5, amber + 1), minimum=amber + 1)
    if red > UNCLAIMED_MOST:
        raise ConfigError(f"UNCLAIMED_RED_WORKING_DAYS must be at most {UNCLAIMED_MOST}, got {red}")
    return amber, red


def _zone(env: dict[str, str]) -> ZoneInfo:
    name = _text(env, "TIMEZONE", "Asia/Shanghai")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE must be an IANA zone such as Asia/Shanghai, got {name!r}") from None


def _token(env: dict[str, str]) -> str | None:
    token = _text(env, "TELEGRAM_BOT_TOKEN", None)
    if token is not None and (":" not in token or " " in token):
        raise ConfigError("TELEGRAM_BOT_TOKEN looks malformed (expected 123456:ABC... from @BotFather)")
    return token


def _base_url(env: dict[str, str]) -> str:
    url = _text(env, "TELEGRAM_BASE_URL", "https://api.telegram.org")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_BASE_URL must start with http:// or https://, got {url!r}")
    return url


def _language(env: dict[str, str]) -> str:
    language = _text(env, "DEFAULT_LANGUAGE", "zh-CN")
    if language not in LANGUAGES:
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def _log_level(env: dict[str, str]) -> str:
    level = _text(env, "LOG_LEVEL", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return level


def _times(env: dict[str, str], name: str, default: str) -> tuple[time, ...]:
    raw = _text(env, name, default)
    try:
        return tuple(sorted(time.fromisoformat(part.strip()) for part in raw.split(",")))
    except ValueError:
        raise ConfigError(f"{name} must be times of day such as 09:00,15:00, got {raw!r}") from None


def _days(env: dict[str, str], name: str, default: str) -> tuple[int, ...]:
    raw = _text(env, name, default)
    try:
        days = tuple(sorted({int(part) for part in raw.split(",")}, reverse=True))
    except ValueError:
        raise ConfigError(f"{name} must be whole numbers such as 7,3,1,0, got {raw!r}") from None
    if any(d < 0 for d in days):
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return days


def _share(env: dict[str, str], name: str, default: str) -> Fraction:
    raw = _text(env, name, default)
    try:
        share = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        share = Fraction(-1)
    if not 0 < share <= 1:
        raise ConfigError(f"{name} must be a share between 0 and 1 such as 1/3, got {raw!r}")
    return share


def _durations(env: dict[str, str], name: str, default: str) -> tuple[timedelta, ...]:
    raw = _text(env, name, default)
    units = {"d": "days", "h": "hours", "m": "minutes"}
    try:
        return tuple(
            timedelta(**{units[part.strip()[-1]]: int(part.strip()[:-1])}) for part in raw.split(",")
        )
    except (KeyError, ValueError, IndexError):
        raise ConfigError(f"{name} must be durations such as 1d,1h,30m, got {raw!r}") from None


def _quiet_hours(env: dict[str, str]) -> tuple[time, time]:
    raw = _text(env, "QUIET_HOURS", "22:00-08:00")
    try:
        start, end = (time.fromisoformat(part.strip()) for part in raw.split("-"))
    except ValueError:
        raise ConfigError(f"QUIET_HOURS must look like 22:00-08:00, got {raw!r}") from None
    return start, end


def _rule(env: dict[str, str]) -> str:
    from storage.evaluations import DEFAULT_RULE, parse_rule

    rule = _text(env, "EVALUATION_RULE", DEFAULT_RULE)
    try:
        parse_rule(rule)
    except ValueError as error:
        raise ConfigError(f"EVALUATION_RULE: cannot read {error}; write it like {DEFAULT_RULE!r}") from None
    return rule


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (_text(env, name, default) or default).lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _secret(env: dict[str, str]) -> str | None:
    secret = _text(env, "SECRET_KEY", None)
    if secret is not None and len(secret) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters (try: openssl rand -hex 32)")
    return secret


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook_url(env: dict[str, str]) -> str | None:
    url = _text(env, "WEBHOOK_URL", None)
    if url is not None and not url.startswith(("https://", "http://")):
        raise ConfigError(f"WEBHOOK_URL must be the public https:// address Telegram posts to, got {url!r}")
    return url


def _webhook_secret(env: dict[str, str]) -> str | None:
    secret = _text(env, "WEBHOOK_SECRET", None)
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise ConfigError(
            "WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
            "(Telegram's rule; try: openssl rand -hex 32)"
        )
    return secret


def _yes_no(env: dict[str, str], name: str, default: bool) -> bool:
    value = (_text(env, name, "") or "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")


def _check_proxies(env: dict[str, str]) -> None:
    """The bot reaches Telegram through an HTTP proxy only (bot_api passes it to aiohttp): a
    SOCKS one, what most tools in mainland China offer, would fail at the first call in a page
    of traceback, so it is named here."""
    for name in PROXY_VARIABLES:
        proxy = (env.get(name) or "").strip()
        if proxy and not proxy.lower().startswith(("http://", "https://")):
            raise ConfigError(
                f"{name} must be an HTTP proxy such as http://10.0.0.1:3128 (SOCKS is not supported), "
                f"got {proxy!r}"
            )


def _port(env: dict[str, str], name: str, default: int | None) -> int | None:
    port = _integer(env, name, default, minimum=0)
    if port is not None and port > 65535:
        raise ConfigError(f"{name} must be a port number (0-65535), got {port}")
    return port


def load(env: dict[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Read the settings; raises ConfigError naming the first bad variable."""
    if env is None:
        if dotenv:
            load_dotenv(Path(".env"), override=False)
        env = dict(os.environ)
    token = _token(env)
    _check_proxies(env)
    default_db = "data/rectify.db" if token else "data/sandbox/rectify.db"
    settings = Settings(
        bot_token=token,
        base_url=_base_url(env),
        database_path=Path(_text(env, "DATABASE_PATH", default_db)),
        timezone=_zone(env),
        default_language=_language(env),
        office_chat_id=_integer(env, "OFFICE_CHAT_ID", None),
        bot_username=_text(env, "BOT_USERNAME", None),
        invitation_ttl_days=_integer(env, "INVITATION_TTL_DAYS", 14, minimum=1),
        sandbox_host=_text(env, "SANDBOX_HOST", "127.0.0.1"),
        sandbox_port=_integer(env, "SANDBOX_PORT", 8080, minimum=0),
        log_level=_log_level(env),
        secret_key=_secret(env),
        opinion_max_chars=_integer(env, "OPINION_MAX_CHARS", 2000, minimum=10),
        opinion_daily_limit=_integer(env, "OPINION_DAILY_LIMIT", 5, minimum=1),
        opinion_batch_times=_times(env, "OPINION_BATCH_TIMES", "09:00,15:00"),
        ledger_amber_days=_integer(env, "LEDGER_AMBER_DAYS", 3, minimum=0),
        ledger_stale_days=_integer(env, "LEDGER_STALE_DAYS", 14, minimum=1),
        unclaimed_working_days=_unclaimed(env),
        reminder_time=_times(env, "REMINDER_TIME", "09:00")[0],
        reminder_days=_days(env, "REMINDER_DAYS_BEFORE", "7,3,1,0"),
        escalate_leader_after=_integer(env, "ESCALATE_LEADER_AFTER", 3, minimum=0),
        escalate_office_after=_integer(env, "ESCALATE_OFFICE_AFTER", 7, minimum=0),
        quiet_hours=_quiet_hours(env),
        lookback_days=tuple(sorted(_days(env, "LOOKBACK_DAYS", "30,90"))),
        lookback_open_days=_integer(env, "LOOKBACK_OPEN_DAYS", 14, minimum=1),
        lookback_min_votes=_integer(env, "LOOKBACK_MIN_VOTES", 5, minimum=1),
        lookback_reopen_share=_share(env, "LOOKBACK_REOPEN_SHARE", "1/3"),
        meeting_reminders=_durations(env, "MEETING_REMINDERS", "1d,1h"),
        institution=_text(env, "INSTITUTION_NAME", "") or "",
        evaluation_min_ballots=_integer(env, "EVALUATION_MIN_BALLOTS", 5, minimum=1),
        evaluation_rule=_rule(env),
        anonymity_set=_integer(env, "ANONYMITY_SET", 5, minimum=1),
        self_check_reviewer=_choice(env, "SELF_CHECK_REVIEWER", ("leader", "office"), "leader"),
        backup_dir=Path(_text(env, "BACKUP_DIR", "")) if _text(env, "BACKUP_DIR", "") else None,
        backup_keep=_integer(env, "BACKUP_KEEP", 14, minimum=1),
        backup_time=_times(env, "BACKUP_TIME", "03:00")[0],
        webhook_url=_webhook_url(env),
        webhook_listen=_text(env, "WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=_port(env, "WEBHOOK_PORT", 8443),
        webhook_secret=_webhook_secret(env),
        health_host=_text(env, "HEALTH_HOST", "127.0.0.1"),
        health_port=_port(env, "HEALTH_PORT", None),
        rate_limit_burst=_integer(env, "RATE_LIMIT_BURST", 20, minimum=1),
        secret_key_file=Path(_text(env, "SECRET_KEY_FILE", ""))
        if _text(env, "SECRET_KEY_FILE", "")
        else None,
        rate_limit_per_minute=_integer(env, "RATE_LIMIT_PER_MINUTE", 60, minimum=1),
        public_categories=_names(env, "PUBLIC_CATEGORIES", "医疗服务,服务态度,就医环境,收费,其他"),
        public_daily_limit=_integer(env, "PUBLIC_DAILY_LIMIT", 3, minimum=1),
        public_hourly_limit=_integer(env, "PUBLIC_HOURLY_LIMIT", 60, minimum=1),
        paid_broadcast=_yes_no(env, "PAID_BROADCAST", False),
        paid_broadcast_above=_integer(env, "PAID_BROADCAST_ABOVE", 1000, minimum=1),
        paid_broadcast_in_flight=_integer(env, "PAID_BROADCAST_IN_FLIGHT", 100, minimum=1),
        broadcast_in_flight=_integer(env, "BROADCAST_IN_FLIGHT", 1, minimum=1),
    )
    _no_smaller_than_the_anonymity_set(settings)
    return settings


def _no_smaller_than_the_anonymity_set(settings: Settings) -> None:
    """A published result of fewer ballots than the anonymity set could single out a voter."""
    for name, value in (
        ("LOOKBACK_MIN_VOTES", settings.lookback_min_votes),
        ("EVALUATION_MIN_BALLOTS", settings.evaluation_min_ballots),
    ):
        if value < settings.anonymity_set:
            raise ConfigError(
                f"{name} must be at least ANONYMITY_SET ({settings.anonymity_set}), "
                f"got {value}: a result of fewer ballots could single out a voter"
            )
