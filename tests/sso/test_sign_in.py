"""Single sign-on through a real OpenID provider: whom it signs in, and whom it refuses."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from okrs.org.models import AuditEntry, Person
from tests.sso.conftest import (
    BUTTON,
    CLIENT_ID,
    Provider,
    callback,
    sign_in_at_provider,
    signed_in_as,
    start_sign_in,
    use_provider,
)


@pytest.fixture(autouse=True)
def configured(settings, provider: Provider) -> None:
    use_provider(settings, provider)


def test_a_verified_email_signs_in_the_person_with_that_email(world, client: Client, caplog):
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "maya"))
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert signed_in_as(client) == "maya@acme.test"
    assert "single sign-on: maya@acme.test signed in" in caplog.text
    # The next sign-in goes by the same rule and signs in the same person.
    again = Client()
    callback(again, sign_in_at_provider(start_sign_in(again), "maya"))
    assert signed_in_as(again) == "maya@acme.test"
    assert Person.objects.count() == 7


def test_the_sign_in_sends_pkce_a_nonce_and_a_state(world, client: Client, provider: Provider):
    url = start_sign_in(client)
    assert url.startswith(f"{provider.issuer}/auth?")
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["client_id"] == CLIENT_ID
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["nonce"]) >= 32 and query["state"]
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    # Each sign-in has its own.
    other = dict(parse_qsl(urlsplit(start_sign_in(Client())).query))
    assert other["nonce"] != query["nonce"] and other["state"] != query["state"]


def test_an_unverified_email_is_refused(world, client: Client) -> None:
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "maya-unverified"))
    assert answer.status_code == 403
    assert b"Email address not confirmed" in answer.content
    assert signed_in_as(client) is None


def test_without_email_verified_the_email_is_not_trusted_unless_the_admin_says_so(
    world, client: Client, settings, provider: Provider
) -> None:
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "maya-entra"))
    assert answer.status_code == 403 and b"Email address not confirmed" in answer.content
    assert signed_in_as(client) is None

    use_provider(settings, provider, trust_email=True)
    trusted = Client()
    answer = callback(trusted, sign_in_at_provider(start_sign_in(trusted), "maya-entra"))
    assert answer.status_code == 302
    assert signed_in_as(trusted) == "maya@acme.test"


def test_an_unknown_person_is_refused_unless_people_may_be_created(
    world, client: Client, settings, provider: Provider
) -> None:
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "nina"))
    assert answer.status_code == 403
    assert b"No account in okrs" in answer.content and b"nina@acme.test" in answer.content
    assert signed_in_as(client) is None
    assert not Person.objects.filter(email="nina@acme.test").exists()

    use_provider(settings, provider, create_people=True)
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "nina"))
    assert answer.status_code == 302
    assert signed_in_as(client) == "nina@acme.test"
    nina = Person.objects.get(email="nina@acme.test")
    assert (nina.role, nina.name, nina.has_usable_password()) == ("member", "Nina New", False)
    entry = AuditEntry.objects.get(entity="person", ref="nina@acme.test")
    assert (entry.action, entry.channel, entry.actor) == ("create", "sso", None)


def test_a_person_switched_off_is_refused(world, client: Client) -> None:
    Person.objects.filter(email="vic@acme.test").update(is_active=False)
    answer = callback(client, sign_in_at_provider(start_sign_in(client), "vic"))
    assert answer.status_code == 403 and b"Account switched off" in answer.content
    assert signed_in_as(client) is None


def test_a_state_that_is_not_this_browsers_is_refused(world, client: Client, caplog) -> None:
    back = sign_in_at_provider(start_sign_in(client), "maya")
    forged = back.replace("state=", "state=forged", 1)
    assert callback(client, forged).status_code == 401
    # Nor does another browser get in with this browser's answer.
    stranger = Client()
    answer = callback(stranger, back)
    assert answer.status_code == 401 and b"Single sign-on failed" in answer.content
    assert signed_in_as(client) is None and signed_in_as(stranger) is None


def test_a_nonce_that_is_not_this_sign_ins_is_refused(world, client: Client, caplog) -> None:
    from tests.sso.conftest import with_query

    # The provider is asked for a token with another nonce (an ID token made for another
    # sign-in): the token it issues carries that nonce back, and okrs refuses it.
    url = with_query(start_sign_in(client), nonce="a-nonce-from-another-sign-in")
    answer = callback(client, sign_in_at_provider(url, "maya"))
    assert answer.status_code == 401
    assert signed_in_as(client) is None
    assert "its nonce is not the one this sign-in sent" in caplog.text


def test_the_button_is_on_the_sign_in_page_with_its_label(world, client: Client) -> None:
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert f">{BUTTON}</button>".encode() in page.content
    assert b'<form method="post" action="/accounts/oidc/sso/login/?process=login">' in page.content
    assert b'name="password"' in page.content  # password sign-in stays beside it


def test_the_client_secret_is_never_on_a_page_or_in_the_log(world, client: Client, caplog):
    from tests.sso.conftest import CLIENT_SECRET

    page = client.get("/accounts/login/")
    url = start_sign_in(client)
    answer = callback(client, sign_in_at_provider(url, "maya"))
    for text in (page.content.decode(), url, answer.content.decode(), caplog.text):
        assert CLIENT_SECRET not in text


def test_there_is_no_page_to_link_another_account(world, client: Client) -> None:
    client.force_login(world.member)
    assert client.get("/accounts/3rdparty/").status_code == 404


def test_a_signed_in_person_cannot_link_someone_elses_provider_account(
    world, client: Client
) -> None:
    client.force_login(world.other_member)  # owen
    started = client.post("/accounts/oidc/sso/login/?process=connect")
    assert started.status_code == 302
    answer = callback(client, sign_in_at_provider(str(started["Location"]), "maya"))
    assert answer.status_code == 403 and b"Single sign-on refused" in answer.content
    # Maya's provider account still signs in Maya, and only her.
    fresh = Client()
    callback(fresh, sign_in_at_provider(start_sign_in(fresh), "maya"))
    assert signed_in_as(fresh) == "maya@acme.test"
