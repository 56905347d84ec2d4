"""Signed check-in links: valid until the end of the week, and any change breaks them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.nudges import links

NOW = dt.datetime(2026, 11, 16, 10, tzinfo=dt.UTC)
EXPIRES = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:"


def test_a_link_names_its_person_and_nudge_until_it_expires():
    token = links.make_token(person_id=5, nudge_id=9, expires_at=EXPIRES)
    link = links.read_token(token, now=NOW)
    assert (link.person_id, link.nudge_id, link.expires_at) == (5, 9, EXPIRES)
    with pytest.raises(links.LinkExpired):
        links.read_token(token, now=EXPIRES)


def test_a_token_signed_for_something_else_is_not_a_link():
    from django.core import signing

    other = signing.dumps({"p": 5, "n": 9, "e": int(EXPIRES.timestamp())}, salt="password-reset")
    with pytest.raises(links.LinkInvalid):
        links.read_token(other, now=NOW)
    with pytest.raises(links.LinkInvalid):
        links.read_token("not-a-token", now=NOW)


@given(st.data())
def test_changing_any_character_breaks_the_link(data):
    token = links.make_token(person_id=5, nudge_id=9, expires_at=EXPIRES)
    position = data.draw(st.integers(min_value=0, max_value=len(token) - 1))
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != token[position]]))
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(links.LinkInvalid):
        links.read_token(tampered, now=NOW)
