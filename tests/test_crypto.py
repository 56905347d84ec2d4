"""Credentials of integrations are encrypted at rest and survive a secret-key rotation."""

import subprocess
import sys

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


def test_old_keys_come_from_the_environment(tmp_path):
    env = {
        "OKRS_DATA_DIR": str(tmp_path),
        "OKRS_SECRET_KEY": "new",
        "OKRS_SECRET_KEY_FALLBACKS": "old-1, old-2",
        "PATH": "/usr/bin:/bin",
    }
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "okrs.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "['old-1', 'old-2']"
