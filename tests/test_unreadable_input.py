"""A NUL character or text that is not UTF-8, anywhere in a request, gets 400, never a 500.

PostgreSQL text cannot hold NUL, so on PostgreSQL each of these reached the database as a server
error from some lookup; the suite runs on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client

from okrs.goals.checkins.models import CheckIn

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

CHECK_IN = "/api/v1/key-results/deploys-advantage%2Flead-time/check-ins"
LEAD_TIME_PAGE = "/key-results/deploys-advantage/lead-time/"

NUL = "a%00b"
NOT_UTF8 = "caf%E9"  # Latin-1 "café"
SURROGATE = "%ED%A0%80"  # U+D800 spelled in UTF-8, which UTF-8 forbids

API_URLS = [
    "/api/v1/cycles?anything={}",
    "/api/v1/objectives?cycle={}",
    "/api/v1/objectives?team={}",
    "/api/v1/objectives?level={}",
    "/api/v1/objectives?as_of={}",
    "/api/v1/objectives/{}",
    "/api/v1/objectives/deploys-advantage?as_of={}",
    "/api/v1/key-results/{}%2Flead-time",
    "/api/v1/key-results/deploys-advantage%2F{}",
    "/api/v1/key-results/{}",
    "/api/v1/dashboard?cycle={}",
    "/api/v1/dashboard?team={}",
    "/api/v1/alignment?cycle={}",
    "/api/v1/alignment?team={}",
    "/api/v1/dora?service={}",
    "/api/v1/dora?team={}",
    "/api/v1/dora?from={}",
    "/api/v1/dora?to={}",
    "/api/v1/no-such-route/{}",
]


def cases() -> list[tuple[str, str]]:
    # Bytes that are not UTF-8 in a path are seen only in the path as a server received it:
    # test_unreadable_input_served.py sends those to a real `okrs serve`.
    return [
        (url, text)
        for url in API_URLS
        for text in (NUL, NOT_UTF8, SURROGATE)
        if text == NUL or "?" in url
    ]


@pytest.mark.parametrize(("url", "text"), cases())
def test_every_api_parameter_refuses_unreadable_text(world, url: str, text: str) -> None:
    response = world.client_for(world.viewer).get(url.format(text))
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "NUL" in detail or "UTF-8" in detail


def test_the_answer_says_which_part_is_unreadable(world) -> None:
    client = world.client_for(world.viewer)
    assert client.get(f"/api/v1/objectives/{NUL}").json() == {
        "detail": "the path holds a NUL character"
    }
    assert client.get(f"/api/v1/objectives?cycle={NOT_UTF8}").json() == {
        "detail": "the query string is not UTF-8 text"
    }


def test_a_readable_parameter_still_reaches_the_route(world) -> None:
    client = world.client_for(world.viewer)
    # U+FFFD and other non-ASCII text are fine: only NUL and bytes that are not UTF-8 are not.
    response = client.get("/api/v1/objectives?cycle=caf%C3%A9%EF%BF%BD")
    assert response.status_code == 404
    assert response.json() == {"detail": "no cycle 'café\ufffd'"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Request-Note", "a\x00b"),
        ("Authorization", "Bearer okrs_\x00"),
        ("User-Agent", "caf\xe9"),  # one byte 0xE9 on the wire: Latin-1, not UTF-8
    ],
)
def test_a_header_with_unreadable_text_is_refused(world, name: str, value: str) -> None:
    client = world.client_for(world.viewer)
    response = client.get("/api/v1/cycles", headers={name: value})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"the {name} header ")


def test_a_session_cookie_holding_a_nul_is_refused(client: Client, world) -> None:
    # A quoted cookie value may spell NUL as "\000", which Django decodes.
    client.cookies["sessionid"] = "abcdefgh\x00"
    response = client.get("/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def post_check_in(world, body: bytes) -> Response:
    return world.client_for(world.member).post(CHECK_IN, body, content_type="application/json")


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b'{"value": 5, "note": "bad\\u0000byte"}', "NUL"),
        (b'{"value": 5, "note": "bad\\u0000"}', "NUL"),
        (b'{"value": 5, "note": "bad\x00byte"}', "NUL"),
        (b'{"value": 5, "note": "caf\xe9"}', "UTF-8"),
        (b'{"value": 5, "note": "half \\ud83d of a rocket"}', "surrogate"),
        (b'{"value": 5, "note": "\\ude80"}', "surrogate"),
        (b'{"value": 5, "note": "\\ud83d"}', "surrogate"),
        (b'{"value": 5, "note": "\\ud83d\\n"}', "surrogate"),
    ],
)
def test_a_json_body_with_unreadable_text_is_refused(world, body: bytes, phrase: str) -> None:
    response = post_check_in(world, body)
    assert response.status_code == 400
    assert phrase in response.json()["detail"]
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "note"),
    [
        (b'{"value": 5, "note": "\\ud83d\\ude80 shipped"}', "\U0001f680 shipped"),
        (b'{"value": 5, "note": "C:\\\\u0000"}', "C:\\u0000"),  # an escaped backslash
        ('{"value": 5, "note": "café \ufffd"}'.encode(), "café \ufffd"),
    ],
)
def test_a_json_body_with_readable_escapes_is_recorded(world, body: bytes, note: str) -> None:
    response = post_check_in(world, body)
    assert response.status_code == 201
    assert CheckIn.objects.get().note == note


def test_a_web_page_refuses_unreadable_text_with_a_plain_page(client: Client, world) -> None:
    client.force_login(world.admin)
    for url in ("/?cycle=a%00b", f"/objectives/{NUL}/edit/", f"/alignment/?cycle={NOT_UTF8}"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.startswith(b"Bad request (400): ")


def test_a_web_form_with_a_nul_is_refused_and_records_nothing(client: Client, world) -> None:
    client.force_login(world.member)
    response = client.post(
        LEAD_TIME_PAGE,
        "value=50&note=bad%00byte",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert b"the body holds a NUL character" in response.content
    assert CheckIn.objects.count() == 0
