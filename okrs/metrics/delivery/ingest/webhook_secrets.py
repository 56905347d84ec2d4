"""Webhook secrets decrypted once per process, and confirmed by the database at every use.

Reading and decrypting a provider's secret for every delivery cost a round trip and a Fernet
decryption each time (about a seventh of an event's cost). Each process now keeps the decrypted
secret beside the encrypted column it came from. The cache is never trusted on its own: the
statement that stores a delivery only writes when the provider's secret column still holds
that same ciphertext (`guard_sql`), in the same transaction as the write. So a secret rotated
or cleared by an admin, in this process or any other web process, is refused by the very next
delivery that reaches the database after the change committed, exactly as without a cache; the
delivery that finds its copy stale reads the secret again and is verified once more.

Fernet ciphertexts differ on every save (a fresh IV and timestamp), so any write of the secret,
even of the same value, changes the column: the ciphertext is a version that cannot be missed,
and comparing it needs no migration. It is not the secret: without OKRS_SECRET_KEY it reads as
noise, and it is what the database already stores.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from okrs.crypto import cipher, decrypt
from okrs.metrics.delivery.ingest import sql


@dataclass(frozen=True)
class CachedSecret:
    provider: str
    plaintext: str
    # The encrypted column as read: the version the storing statement asks the database to
    # confirm. Never logged or shown (it is not the secret, but it has no business there).
    stored: str
    # The cipher it was decrypted with: a different OKRS_SECRET_KEY (tests change it at run
    # time) must decrypt again, and may fail.
    decrypted_with: object


_cache: dict[str, CachedSecret] = {}
# Deliveries are served by several threads per process: a lock keeps two of them from each
# decrypting on the same miss (harmless, but wasted), and the dict itself from tearing.
_lock = threading.Lock()


def current(provider: str, *, reload: bool = False) -> CachedSecret | None:
    """The provider's secret (None when none is configured), from this process's copy unless
    `reload` or the copy was decrypted with another key. Raises DecryptionFailed."""
    if not reload:
        cached = _cache.get(provider)
        if cached is not None and cached.decrypted_with is cipher():
            return cached
    with _lock:
        stored = sql.stored_secret(provider)
        if not stored:
            _cache.pop(provider, None)
            return None
        cached = _cache.get(provider)
        if cached is None or cached.stored != stored or cached.decrypted_with is not cipher():
            cached = CachedSecret(provider, decrypt(stored), stored, cipher())
            _cache[provider] = cached
        return cached


def forget(provider: str) -> None:
    """Drop this process's copy (an admin changed the secret here): the next delivery reads it.
    Other processes find out from the storing statement's check, see the module docstring."""
    with _lock:
        _cache.pop(provider, None)
