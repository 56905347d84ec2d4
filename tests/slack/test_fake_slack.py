"""The fake Slack Web API answers the official client the way Slack does (the other Slack tests
and the nudge tests rely on it)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakes.slack import FakeSlack


def client(slack: FakeSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token or slack.bot_token, base_url=slack.url, retry_handlers=[])


def test_posts_a_dm_and_records_the_call(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0MAYA", "maya@acme.test", tz="Europe/Berlin")
    answer = client(fake_slack).chat_postMessage(
        channel="U0MAYA",
        text="hello",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    )
    assert answer["channel"] == "D0MAYA"
    (call,) = fake_slack.calls_to("chat.postMessage")
    assert call.token == fake_slack.bot_token
    assert call.params["blocks"][0]["type"] == "section"
    client(fake_slack).chat_update(channel=answer["channel"], ts=answer["ts"], text="done")
    assert fake_slack.messages[(answer["channel"], answer["ts"])]["text"] == "done"


def test_looks_users_up_by_email_and_id(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0MAYA", "maya@acme.test", tz="Europe/Berlin")
    web = client(fake_slack)
    assert web.users_lookupByEmail(email="MAYA@acme.test")["user"]["id"] == "U0MAYA"
    assert web.users_info(user="U0MAYA")["user"]["tz"] == "Europe/Berlin"
    with pytest.raises(SlackApiError) as error:
        web.users_lookupByEmail(email="nobody@acme.test")
    assert error.value.response["error"] == "users_not_found"


def test_unknown_and_revoked_tokens_are_refused(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as error:
        client(fake_slack, "xoxb-made-up").auth_test()
    assert error.value.response["error"] == "invalid_auth"
    fake_slack.revoke(fake_slack.bot_token)
    with pytest.raises(SlackApiError) as error:
        client(fake_slack).auth_test()
    assert error.value.response["error"] == "token_revoked"


def test_scripted_failures_then_recovery(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0MAYA", "maya@acme.test")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
    fake_slack.fail_next("chat.postMessage", status=503)
    fake_slack.fail_next("chat.postMessage", error="channel_not_found", times=2)
    web = client(fake_slack)
    with pytest.raises(SlackApiError) as error:
        web.chat_postMessage(channel="U0MAYA", text="hi")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] == "7"
    with pytest.raises(SlackApiError) as error:
        web.chat_postMessage(channel="U0MAYA", text="hi")
    assert error.value.response.status_code == 503
    for _ in range(2):
        with pytest.raises(SlackApiError) as error:
            web.chat_postMessage(channel="U0MAYA", text="hi")
        assert error.value.response["error"] == "channel_not_found"
    assert web.chat_postMessage(channel="U0MAYA", text="hi")["ok"]
    assert [c.status for c in fake_slack.calls_to("chat.postMessage")] == [429, 503, 200, 200, 200]


def test_rate_limit_answers_429_beyond_the_budget(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0MAYA", "maya@acme.test")
    fake_slack.rate_limit("chat.postMessage", 2)
    web = client(fake_slack)
    statuses = []
    for _ in range(6):
        try:
            web.chat_postMessage(channel="U0MAYA", text="hi")
            statuses.append(200)
        except SlackApiError as exc:
            statuses.append(exc.response.status_code)
            assert exc.response.headers["Retry-After"] == "1"
    # Counted in calls, not in time: the same answers on a fast machine and on a busy one.
    assert statuses == [200, 200, 429, 200, 200, 429]
    assert fake_slack.throttled == 2
    fake_slack.rate_limit("chat.postMessage", None)
    assert web.chat_postMessage(channel="U0MAYA", text="hi")["ok"]


def test_oauth_exchange_issues_a_working_token(fake_slack: FakeSlack) -> None:
    code = fake_slack.new_oauth_code(installer_user_id="U0ADA")
    web = WebClient(base_url=fake_slack.url)
    answer = web.oauth_v2_access(
        client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code=code
    )
    assert answer["team"]["id"] == fake_slack.team_id
    assert client(fake_slack, answer["access_token"]).auth_test()["team_id"] == fake_slack.team_id
    with pytest.raises(SlackApiError) as error:  # a code works once
        web.oauth_v2_access(
            client_id=fake_slack.client_id, client_secret=fake_slack.client_secret, code=code
        )
    assert error.value.response["error"] == "invalid_code"


def test_views_open_and_publish(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0MAYA", "maya@acme.test")
    web = client(fake_slack)
    opened = web.views_open(
        trigger_id="1.2.3",
        view={"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []},
    )
    web.views_update(view_id=opened["view"]["id"], view={"type": "modal", "blocks": []})
    web.views_publish(user_id="U0MAYA", view={"type": "home", "blocks": []})
    assert fake_slack.home_views["U0MAYA"]["type"] == "home"
    assert [c.method for c in fake_slack.wait_for("views.publish")] == ["views.publish"]
