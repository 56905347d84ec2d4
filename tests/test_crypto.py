"""Credentials of integrations are encrypted at rest and survive a secret-key rotation."""

import pytest
from django.test import override_settings

from okrs.crypto import DecryptionFailed, decrypt, encrypt


def test_ciphertext_hides_the_secret_and_decrypts_back():
    token = encrypt("xoxb-very-secret")
    assert "xoxb" not in token
    assert encrypt("xoxb-very-secret") != token  # a fresh nonce each time
    assert decrypt(token) == "xoxb-very-secret"


def test_a_rotated_key_still_reads_old_values_when_kept_as_fallback():
    with override_settings(SECRET_KEY="old-key-" + "x" * 40):
        token = encrypt("hunter2")
    with (
        override_settings(SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(DecryptionFailed),
    ):
        decrypt(token)
    with override_settings(
        SECRET_KEY="new-key-" + "y" * 40, SECRET_KEY_FALLBACKS=["old-key-" + "x" * 40]
    ):
        assert decrypt(token) == "hunter2"
