"""The secrets behind receipts and sealed links, derived from one master key.

The master key comes from SECRET_KEY; without it, a random key file is made on first start (so
receipts keep working across restarts): SECRET_KEY_FILE, by default outside the data directory
(~/.config/rectify-bot/secret.key), so that whoever holds the database and its backups does not
also hold the key. A key file left beside the database by an older version is moved there once,
never lost. Subkeys are derived with HMAC so that one purpose's key never serves another."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


@dataclass(frozen=True)
class Keys:
    master: bytes

    def _derive(self, purpose: str) -> bytes:
        return hmac.new(self.master, purpose.encode(), hashlib.sha256).digest()

    def receipt_hash(self, normalized_receipt: str) -> str:
        return hmac.new(self._derive("receipt"), normalized_receipt.encode(), "sha256").hexdigest()

    def slip_hash(self, code: str) -> str:
        """A rating slip's code as stored (storage/evaluations.py): the code itself is only on
        the paper."""
        return hmac.new(self._derive("rating-slip"), code.encode(), "sha256").hexdigest()

    def seal(self, value: str) -> str:
        # A Fernet token carries its creation time in clear; the time 0 keeps the link from
        # dating itself (and with it the moment its holder opted in).
        return self._fernet().encrypt_at_time(value.encode(), 0).decode()

    def unseal(self, token: str) -> str | None:
        try:
            return self._fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            return None

    def _fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(self._derive("sealed-link")))


class KeyPlacementError(Exception):
    """Two different key files: which one made the receipts is for a person to decide."""


def default_key_file() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "rectify-bot" / "secret.key"


def legacy_key_file(database_path: Path) -> Path:
    """Where versions before SECRET_KEY_FILE kept the key: beside the database."""
    return Path(database_path).parent / "secret.key"


def load_keys(secret: str | None, database_path: Path, key_file: Path | None = None) -> Keys:
    if secret:
        return Keys(secret.encode())
    key_file = Path(key_file or default_key_file())
    _move_legacy_key(legacy_key_file(database_path), key_file)
    if not key_file.exists():
        _write_new(key_file, secrets.token_hex(32))
    return Keys(key_file.read_text().strip().encode())


def _write_new(key_file: Path, content: str) -> None:
    """Written whole or not at all (a temporary file renamed), readable by the owner only."""
    key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = key_file.with_name(key_file.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.link(partial, key_file)  # fails if a key appeared meanwhile: never overwrite one
    partial.unlink()


def _move_legacy_key(old: Path, key_file: Path) -> None:
    if not old.exists() or old.resolve() == key_file.resolve():
        return
    content = old.read_text().strip()
    if not key_file.exists():
        _write_new(key_file, content)
    if key_file.read_text().strip() != content:
        raise KeyPlacementError(
            f"two different keys: {old} and {key_file}. Receipts work only with the one they were "
            f"made with: keep that one as {key_file} (or point SECRET_KEY_FILE at it) and move the "
            f"other away; nothing was changed."
        )
    old.unlink()  # its copy is in place and read back
