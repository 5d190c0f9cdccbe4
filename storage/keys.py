"""The secrets behind receipts and sealed links, derived from one master key.

The master key comes from SECRET_KEY; without it, a random key file is made beside the
database on first start (so receipts keep working across restarts). Subkeys are derived with
HMAC so that one purpose's key never serves another."""

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


def load_keys(secret: str | None, database_path: Path) -> Keys:
    if secret:
        return Keys(secret.encode())
    key_file = Path(database_path).parent / "secret.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return Keys(key_file.read_text().strip().encode())
