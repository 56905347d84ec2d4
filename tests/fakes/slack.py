"""A fake Slack Web API on 127.0.0.1, driven by the official `slack_sdk.WebClient`.

It speaks the Web API the way Slack does: POST (or GET) to ``/api/<method>``, parameters in a form
body, a JSON body or the query string, ``Authorization: Bearer xoxb-...`` (``Basic`` client
credentials for ``oauth.v2.access``), and answers ``{"ok": true, ...}`` or
``{"ok": false, "error": "..."}`` with HTTP 200; HTTP 429 with ``Retry-After`` when rate limited.

Usage::

    from tests.fakes.slack import FakeSlack, fake_slack  # fake_slack is a pytest fixture

    with FakeSlack() as slack:                     # or the `fake_slack` fixture
        client = WebClient(token=slack.bot_token, base_url=slack.url)
        slack.add_user("U0MAYA", "maya@acme.test", tz="Europe/Berlin")
        client.chat_postMessage(channel="U0MAYA", text="hi")
        slack.calls_to("chat.postMessage")[0].params["text"] == "hi"

Attributes and methods:

- ``url``: the base URL to give ``WebClient(base_url=...)`` / settings.SLACK_API_URL (ends in "/").
- ``team_id``, ``bot_token``, ``bot_user_id``: the default workspace and a valid bot token for it.
- ``client_id``, ``client_secret``: what ``oauth.v2.access`` expects (Basic auth or form fields).
- ``add_user(user_id, email, *, tz="UTC", name=None, team_id=None, deleted=False)``: a known user.
- ``add_team(team_id, name)``, ``issue_token(team_id)`` -> a new valid bot token for that team.
- ``new_oauth_code(*, team_id=None, installer_user_id="U0INSTALLER")`` -> a one-time code that
  ``oauth.v2.access`` exchanges for a freshly issued bot token (``installations[code].token``).
- ``revoke(token)``: later calls with it answer ``token_revoked``.
- ``fail_next(method, *, error=None, status=200, retry_after=None, times=1)``: the next ``times``
  calls of ``method`` fail: ``status=429`` answers 429 with ``Retry-After: retry_after`` (default 1)
  and ``{"ok": false, "error": "ratelimited"}``; ``status>=500`` answers that status with an HTML
  body (as Slack's edge does); otherwise ``{"ok": false, "error": error}`` with HTTP 200.
- ``rate_limit(method, allowed, *, refused=1)``: Slack's rate limit, counted in calls rather than
  in time, so that a test meets it however fast the machine is: ``allowed`` calls of ``method``
  are answered, the next ``refused`` ones get 429 with ``Retry-After: 1`` (counted in
  ``throttled``), then ``allowed`` again, and so on. ``rate_limit(method, None)`` removes it.
- ``calls`` (every call, in order, as ``Call(method, token, params, status, error)``),
  ``calls_to(method)``, ``wait_for(method, count=1)`` -> the calls once ``count``
  of them arrived (for lazy listeners that answer from another thread), ``reset_calls()``.
- ``response_url(name)``: a URL to put in a payload's ``response_url``; what is posted there
  (Bolt's ``respond()``) is recorded as a call to the method ``"response_url"``.
- ``messages``: ``{(channel, ts): message}`` of posted/updated messages (``channel`` is the DM
  channel id ``D<user id>`` for a message posted to a user id); ``dm_channel(user_id)``.
- ``views``: ``{view_id: view}`` opened or updated, ``home_views``: ``{user_id: view}`` published.

Only the methods okrs calls are implemented: ``auth.test``, ``auth.revoke``, ``oauth.v2.access``,
``chat.postMessage``, ``chat.update``, ``conversations.open``, ``views.open``, ``views.update``,
``views.publish``, ``users.lookupByEmail``, ``users.info``. Any other answers ``unknown_method``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import secrets
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.services import HANG_SECONDS

# Parameters Slack accepts as JSON-encoded strings inside a form body.
_JSON_PARAMS = {"blocks", "attachments", "view", "metadata"}


@dataclass
class Call:
    method: str
    token: str
    params: dict[str, Any]
    status: int = 200  # the HTTP status answered
    error: str | None = None  # the "error" answered, when ok was false


@dataclass
class _Failure:
    error: str | None
    status: int
    retry_after: float | None
    remaining: int


@dataclass
class _Installation:
    team_id: str
    installer_user_id: str
    used: bool = False
    token: str = ""


@dataclass
class _RateLimit:
    allowed: int
    refused: int
    answered_in_turn: int = 0
    refused_in_turn: int = 0

    def refuses_next(self) -> bool:
        """Whether the next call is refused; counts it either way."""
        if self.answered_in_turn < self.allowed:
            self.answered_in_turn += 1
            return False
        self.refused_in_turn += 1
        if self.refused_in_turn >= self.refused:
            self.answered_in_turn = self.refused_in_turn = 0
        return True


class SlackApiFailure(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class FakeSlack:
    def __init__(self) -> None:
        self.team_id = "T0FAKE"
        self.bot_user_id = "U0BOT"
        self.client_id = "1111.2222"
        self.client_secret = "fake-client-secret"
        self.teams: dict[str, str] = {self.team_id: "Acme"}
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # token -> team id
        self.revoked: set[str] = set()
        self.installations: dict[str, _Installation] = {}
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.throttled = 0
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._limits: dict[str, _RateLimit] = {}
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._ids = itertools.count(1)
        self.bot_token = self.issue_token(self.team_id)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def start(self) -> FakeSlack:
        fake = self

        class Handler(_Handler):
            slack = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting -------------------------------------------------------------------------

    def add_team(self, team_id: str, name: str = "Workspace") -> None:
        with self._lock:
            self.teams[team_id] = name

    def issue_token(self, team_id: str | None = None) -> str:
        token = f"xoxb-{team_id or self.team_id}-{secrets.token_hex(8)}"
        with self._lock:
            self.tokens[token] = team_id or self.team_id
        return token

    def revoke(self, token: str) -> None:
        with self._lock:
            self.revoked.add(token)

    def add_user(
        self,
        user_id: str,
        email: str,
        *,
        tz: str = "UTC",
        name: str | None = None,
        team_id: str | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        user = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": (name or email.split("@")[0]).lower().replace(" ", "."),
            "real_name": name or email.split("@")[0],
            "deleted": deleted,
            "is_bot": False,
            "tz": tz,
            "profile": {"email": email, "real_name": name or email.split("@")[0]},
        }
        with self._lock:
            self.users[user_id] = user
        return user

    def new_oauth_code(
        self, *, team_id: str | None = None, installer_user_id: str = "U0INSTALLER"
    ) -> str:
        code = f"code-{secrets.token_hex(6)}"
        with self._lock:
            self.installations[code] = _Installation(team_id or self.team_id, installer_user_id)
        return code

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        if status == 200 and not error:
            raise ValueError("give an error, or a status other than 200")
        with self._lock:
            self._failures[method].append(_Failure(error, status, retry_after, times))

    def rate_limit(self, method: str, allowed: int | None, *, refused: int = 1) -> None:
        with self._lock:
            if allowed is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = _RateLimit(allowed, refused)

    # --- inspection ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1) -> list[Call]:
        """The calls to `method` once `count` arrived; the limit only catches a hang."""
        deadline = time.monotonic() + HANG_SECONDS
        with self._arrived:
            while True:
                found = [call for call in self.calls if call.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(found)}: "
                        f"{[c.method for c in self.calls]}"
                    )
                self._arrived.wait(left)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def response_url(self, name: str = "1") -> str:
        """A response_url for a payload: what okrs posts there is recorded as method
        "response_url" (Bolt's `respond()`), with the JSON body as params."""
        return self.url.removesuffix("api/") + f"hooks/{name}"

    @staticmethod
    def dm_channel(user_id: str) -> str:
        return "D" + user_id.lstrip("UW")

    # --- the API ---------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._arrived:
            self.calls.append(call)
            self._arrived.notify_all()

    def _scripted(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            return failure

    def _over_limit(self, method: str) -> bool:
        with self._lock:
            limit = self._limits.get(method)
            if limit is None or not limit.refuses_next():
                return False
            self.throttled += 1
            return True

    def _team_for(self, token: str) -> str:
        with self._lock:
            if token in self.revoked:
                raise SlackApiFailure("token_revoked")
            team_id = self.tokens.get(token)
        if not token:
            raise SlackApiFailure("not_authed")
        if team_id is None:
            raise SlackApiFailure("invalid_auth")
        return team_id

    def _user(self, team_id: str, user_id: str) -> dict[str, Any]:
        with self._lock:
            user = self.users.get(user_id)
        if user is None or user["team_id"] != team_id:
            raise SlackApiFailure("user_not_found")
        return user

    def _channel_for(self, team_id: str, channel: str) -> str:
        """Posting to a user id opens (or reuses) the DM with them, as Slack does."""
        with self._lock:
            members = [uid for uid, user in self.users.items() if user["team_id"] == team_id]
        if channel in members:
            return self.dm_channel(channel)
        if channel in {self.dm_channel(uid) for uid in members}:
            return channel
        raise SlackApiFailure("channel_not_found")

    def answer(self, method: str, token: str, params: dict[str, Any]) -> dict[str, Any]:
        handler: Callable[[str, dict[str, Any]], dict[str, Any]] | None = getattr(
            self, "_api_" + method.replace(".", "_"), None
        )
        if handler is None:
            raise SlackApiFailure("unknown_method")
        return handler(token, params)

    def _api_auth_test(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        return {
            "url": f"https://{team_id.lower()}.slack.test/",
            "team": self.teams.get(team_id, "Workspace"),
            "user": "okrs",
            "team_id": team_id,
            "user_id": self.bot_user_id,
            "bot_id": "B0BOT",
            "is_enterprise_install": False,
        }

    def _api_auth_revoke(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        self._team_for(token)
        self.revoke(token)
        return {"revoked": True}

    def _api_oauth_v2_access(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        client_id = params.get("client_id") or params.get("_basic_client_id")
        client_secret = params.get("client_secret") or params.get("_basic_client_secret")
        if client_id != self.client_id:
            raise SlackApiFailure("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackApiFailure("bad_client_secret")
        with self._lock:
            installation = self.installations.get(str(params.get("code", "")))
            if installation is None or installation.used:
                raise SlackApiFailure("invalid_code")
            installation.used = True
        bot_token = self.issue_token(installation.team_id)
        installation.token = bot_token
        return {
            "access_token": bot_token,
            "token_type": "bot",
            "scope": "chat:write,im:write,commands,users:read,users:read.email",
            "bot_user_id": self.bot_user_id,
            "app_id": "A0OKRS",
            "team": {"id": installation.team_id, "name": self.teams.get(installation.team_id)},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": installation.installer_user_id},
        }

    def _api_users_lookupByEmail(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        email = str(params.get("email", "")).lower()
        with self._lock:
            for user in self.users.values():
                if user["team_id"] == team_id and user["profile"]["email"].lower() == email:
                    return {"user": user}
        raise SlackApiFailure("users_not_found")

    def _api_users_info(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        return {"user": self._user(team_id, str(params.get("user", "")))}

    def _api_conversations_open(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        users = str(params.get("users", "")).split(",")
        if len(users) != 1 or not users[0]:
            raise SlackApiFailure("invalid_arguments")
        self._user(team_id, users[0])
        return {"channel": {"id": self.dm_channel(users[0])}}

    def _api_chat_postMessage(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        channel = self._channel_for(team_id, str(params.get("channel", "")))
        if not params.get("text") and not params.get("blocks"):
            raise SlackApiFailure("no_text")
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        message = {
            "type": "message",
            "ts": ts,
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
            "bot_id": "B0BOT",
        }
        with self._lock:
            self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _api_chat_update(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        channel = self._channel_for(team_id, str(params.get("channel", "")))
        ts = str(params.get("ts", ""))
        with self._lock:
            message = self.messages.get((channel, ts))
            if message is None:
                raise SlackApiFailure("message_not_found")
            message.update(
                {"text": params.get("text", ""), "blocks": params.get("blocks", []), "edited": 1}
            )
        return {"channel": channel, "ts": ts, "text": message["text"]}

    def _open_view(self, team_id: str, view: Any, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict) or view.get("type") not in {"modal", "home"}:
            raise SlackApiFailure("invalid_arguments")
        stored = dict(view)
        stored["id"] = view_id or f"V{next(self._ids):08d}"
        stored["team_id"] = team_id
        with self._lock:
            self.views[stored["id"]] = stored
        return {"view": stored}

    def _api_views_open(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            raise SlackApiFailure("invalid_arguments")
        return self._open_view(team_id, params.get("view"))

    def _api_views_update(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        view_id = params.get("view_id")
        with self._lock:
            if view_id not in self.views:
                raise SlackApiFailure("not_found")
        return self._open_view(team_id, params.get("view"), view_id=str(view_id))

    def _api_views_publish(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        team_id = self._team_for(token)
        user_id = str(params.get("user_id", ""))
        self._user(team_id, user_id)
        view = params.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackApiFailure("invalid_arguments")
        answer = self._open_view(team_id, view)
        with self._lock:
            self.home_views[user_id] = answer["view"]
        return answer


class _Handler(BaseHTTPRequestHandler):
    slack: FakeSlack
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the calls are recorded instead

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _params(self) -> tuple[str, dict[str, Any]]:
        parsed = urllib.parse.urlsplit(self.path)
        params: dict[str, Any] = dict(urllib.parse.parse_qsl(parsed.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        if body and content_type.startswith("application/json"):
            params.update(json.loads(body))
        elif body:
            params.update(urllib.parse.parse_qsl(body.decode()))
        for name in _JSON_PARAMS & params.keys():
            if isinstance(params[name], str) and params[name]:
                with contextlib.suppress(json.JSONDecodeError):
                    params[name] = json.loads(params[name])
        token = ""
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        elif authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, client_secret = decoded.partition(":")
            params["_basic_client_id"], params["_basic_client_secret"] = client_id, client_secret
        elif "token" in params:
            token = str(params.pop("token"))
        return token, params

    def _handle(self) -> None:
        slack = self.slack
        path = urllib.parse.urlsplit(self.path).path
        token, params = self._params()
        if path.startswith("/hooks/"):
            # A response_url answers with a bare "ok", as Slack's does.
            slack._record(Call("response_url", "", params))
            self._send_text(200, "ok")
            return
        method = path.removeprefix("/api/").strip("/")
        recorded = {k: v for k, v in params.items() if not k.startswith("_basic_")}
        call = Call(method, token, recorded)

        failure = slack._scripted(method)
        if failure is None and slack._over_limit(method):
            failure = _Failure("ratelimited", 429, 1, 1)
        if failure is not None and failure.status == 429:
            call.status, call.error = 429, "ratelimited"
            slack._record(call)
            retry_after = failure.retry_after if failure.retry_after is not None else 1
            self._send(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after})
            return
        if failure is not None and failure.status >= 500:
            call.status = failure.status
            slack._record(call)
            self._send_text(failure.status, "<html><body>Service Unavailable</body></html>")
            return
        if failure is not None:
            call.error = failure.error
            slack._record(call)
            self._send(200, {"ok": False, "error": failure.error})
            return

        try:
            answer = slack.answer(method, token, params)
        except SlackApiFailure as exc:
            call.error = exc.error
            slack._record(call)
            self._send(200, {"ok": False, "error": exc.error})
            return
        slack._record(call)
        self._send(200, {"ok": True, **answer})

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, Any] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value if not isinstance(value, float) else int(value)))
        self.end_headers()
        self.wfile.write(data)

    def _send_text(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake; tests that need okrs to talk to it also override settings.SLACK_API_URL
    (tests/slack/conftest.py does both)."""
    with FakeSlack() as slack:
        yield slack


def main() -> None:
    """Run the fake alone, for trying okrs by hand against it:

    python -m tests.fakes.slack --port 8765 --user U0MAYA:maya@acme.test
    OKRS_SLACK_API_URL=http://127.0.0.1:8765/api/ okrs serve
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--user", action="append", default=[], help="USER_ID:email")
    args = parser.parse_args()
    slack = FakeSlack()
    for spec in args.user:
        user_id, _, email = spec.partition(":")
        slack.add_user(user_id, email)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), type("H", (_Handler,), {"slack": slack}))
    print(f"fake Slack Web API at http://127.0.0.1:{args.port}/api/")
    print(f"bot token for team {slack.team_id}: {slack.bot_token}")
    print(f"client id / secret for oauth.v2.access: {slack.client_id} / {slack.client_secret}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
