"""OKRS_OIDC_* as read from the environment, and the system checks that catch half a setup."""

from __future__ import annotations

from pathlib import Path

import pytest

from okrs.config import ConfigError, OidcConfig, oidc_config
from okrs.sso.checks import check_single_sign_on
from okrs.sso.configuration import socialaccount_providers


def ids(settings, oidc: OidcConfig, *, password_signin: bool = True) -> list[str]:
    settings.OIDC = oidc
    settings.PASSWORD_SIGNIN = password_signin
    return [problem.id or "" for problem in check_single_sign_on()]


def test_the_secret_can_come_from_a_file(monkeypatch, tmp_path: Path) -> None:
    secret = tmp_path / "oidc-secret"
    secret.write_text("from-the-file\n")
    monkeypatch.setenv("OKRS_OIDC_ISSUER", "https://acme.okta.com/oauth2/default")
    monkeypatch.setenv("OKRS_OIDC_CLIENT_ID", "0oa1okrs")
    monkeypatch.setenv("OKRS_OIDC_CLIENT_SECRET_FILE", str(secret))
    oidc = oidc_config()
    assert (oidc.client_secret, oidc.name, oidc.create_people) == (
        "from-the-file",
        "Single sign-on",
        False,
    )
    assert "from-the-file" not in repr(oidc)
    app = socialaccount_providers(oidc)["openid_connect"]["APPS"][0]
    assert app["settings"]["server_url"] == (
        "https://acme.okta.com/oauth2/default/.well-known/openid-configuration"
    )


def test_a_flag_that_is_not_true_or_false_is_an_error(monkeypatch) -> None:
    monkeypatch.setenv("OKRS_OIDC_CREATE_PEOPLE", "sometimes")
    with pytest.raises(ConfigError, match="OKRS_OIDC_CREATE_PEOPLE must be true or false"):
        oidc_config()


def test_an_issuer_with_a_trailing_slash_finds_its_discovery_document() -> None:
    oidc = OidcConfig(issuer="https://acme.eu.auth0.com/", client_id="a", client_secret="b")
    assert oidc.discovery_url == "https://acme.eu.auth0.com/.well-known/openid-configuration"


def test_a_complete_configuration_passes(settings) -> None:
    oidc = OidcConfig(issuer="https://accounts.google.com", client_id="a", client_secret="b")
    assert ids(settings, oidc) == []
    assert ids(settings, oidc, password_signin=False) == []


def test_half_a_configuration_says_what_is_missing_and_offers_no_button(settings) -> None:
    issuer_only = OidcConfig(issuer="https://accounts.google.com", client_id="", client_secret="")
    assert ids(settings, issuer_only) == ["okrs.sso.E001", "okrs.sso.E002"]
    assert socialaccount_providers(issuer_only)["openid_connect"]["APPS"] == []
    no_issuer = OidcConfig(issuer="", client_id="a", client_secret="b")
    assert ids(settings, no_issuer) == ["okrs.sso.E004"]


def test_an_issuer_that_is_not_a_url_or_not_https_is_reported(settings) -> None:
    bare = OidcConfig(issuer="accounts.google.com", client_id="a", client_secret="b")
    assert ids(settings, bare) == ["okrs.sso.E003"]
    plain = OidcConfig(issuer="http://idp.acme.test", client_id="a", client_secret="b")
    assert ids(settings, plain) == ["okrs.sso.W001"]
    local = OidcConfig(issuer="http://127.0.0.1:8080/realms/acme", client_id="a", client_secret="b")
    assert ids(settings, local) == []


def test_password_sign_in_off_without_single_sign_on_would_lock_everyone_out(settings) -> None:
    nothing = OidcConfig(issuer="", client_id="", client_secret="")
    assert ids(settings, nothing) == []
    assert ids(settings, nothing, password_signin=False) == ["okrs.sso.E005"]
