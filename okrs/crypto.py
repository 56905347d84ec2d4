"""Encryption at rest for integration credentials (Slack tokens, webhook secrets, source keys).

The key is derived from OKRS_SECRET_KEY with HKDF, so an admin manages one secret. Keys listed in
Django's SECRET_KEY_FALLBACKS still decrypt, so the secret key can be rotated without losing
stored credentials: values are re-encrypted with the new key the next time they are saved.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

_INFO = b"okrs: credentials at rest"


class DecryptionFailed(Exception):
    """A stored credential cannot be read with the current secret key (or its fallbacks)."""


def _fernet_for(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@cache
def _cipher(secret: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet_for(secret), *(_fernet_for(old) for old in fallbacks)])


def cipher() -> MultiFernet:
    fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()) or ())
    return _cipher(settings.SECRET_KEY, fallbacks)


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError) as exc:
        raise DecryptionFailed(
            "a stored credential cannot be decrypted: was OKRS_SECRET_KEY changed "
            "without keeping the old key in the fallbacks?"
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plain text.

    It cannot be filtered on (the ciphertext differs on every save), which is what a secret
    wants anyway. An empty string is stored as an empty string, so "not set" stays visible.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
