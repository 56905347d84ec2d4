"""A fake Bot Connector and a fake Bot Framework login on 127.0.0.1, for the Teams channel.

`FakeBotConnector` speaks the parts of the Bot Connector REST API okrs uses, as the Teams SDK's
`ApiClient` calls them, plus the client-credentials token endpoint:

- ``POST {token_url}`` (form: grant_type=client_credentials, client_id, client_secret, scope)
  -> ``{"token_type": "Bearer", "expires_in": N, "access_token": ...}``; wrong credentials ->
  401 ``{"error": "invalid_client"}``. Issued tokens are in ``tokens_issued``.
- ``POST /v3/conversations/{id}/activities`` -> ``{"id": "activity-N"}``; the activity is kept in
  ``activities[id]`` (a list, in order) and ``by_id[activity id]``.
- ``PUT /v3/conversations/{id}/activities/{activityId}`` -> ``{"id": activityId}``; replaces it.
- ``GET /v3/conversations/{id}/members/{memberId}`` -> the member added with ``add_member``
  (``id, name, aadObjectId, email, userPrincipalName, tenantId``), else 404.

Every conversation call needs ``Authorization: Bearer <an issued token>`` (else 401).
``fail_next(route, status, *, retry_after=None, times=1)`` scripts failures of a route
(``"token"``, ``"send"``, ``"update"``, ``"members"``): 429 carries ``Retry-After``.
``remove_bot(conversation_id)`` makes that conversation answer 403 (the person removed the app).
``calls`` records every request as ``Call(route, method, path, token, body, status)``;
``calls_to(route)`` filters them.

`FakeBotFrameworkLogin` publishes OpenID metadata (``metadata_url``) whose ``jwks_uri`` serves the
public half of its signing keys, and mints tokens as the Bot Framework signs them:
``mint(app_id=..., service_url=..., **claims)`` (RS256, ``kid`` in the header). ``forge(...)``
signs with a key that is not published (same kid); ``rotate()`` adds a new key and makes it the
one ``mint`` uses (``rotate(endorsements=[...])`` publishes it endorsing other channels than
``["msteams"]``); ``keys_fetches`` and ``metadata_fetches`` count requests; with
``metadata_down = True`` the metadata answers 503 (the keys are still served).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class _LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1, port 0, in a thread; subclasses implement route()."""

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = fake.route(self.command, self.path, headers, raw)
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _handle
            do_POST = _handle
            do_PUT = _handle

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Response:
        raise NotImplementedError

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Call:
    route: str
    method: str
    path: str
    token: str
    body: Any
    status: int


@dataclass
class Member:
    id: str
    email: str
    name: str = ""
    aad_object_id: str = ""
    tenant_id: str = "tenant-acme"
    upn: str = ""


class FakeBotConnector(_LocalServer):
    TOKEN_PATH = "/botframework.com/oauth2/v2.0/token"

    def __init__(self, *, app_id: str, app_password: str, expires_in: int = 3600) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_password = app_password
        self.expires_in = expires_in
        self.tokens_issued: list[str] = []
        self.activities: dict[str, list[dict[str, Any]]] = {}
        self.by_id: dict[str, dict[str, Any]] = {}
        self.members: dict[str, Member] = {}
        self.removed: set[str] = set()
        self.calls: list[Call] = []
        self._failures: dict[str, list[tuple[int, float | None]]] = {}
        self._ids = itertools.count(1)

    @property
    def token_url(self) -> str:
        return self.url + self.TOKEN_PATH

    def add_member(self, member: Member) -> None:
        self.members[member.id] = member

    def remove_bot(self, conversation_id: str) -> None:
        self.removed.add(conversation_id)

    def fail_next(
        self, route: str, status: int, *, retry_after: float | None = None, times: int = 1
    ) -> None:
        with self.lock:
            self._failures.setdefault(route, []).extend([(status, retry_after)] * times)

    def calls_to(self, route: str) -> list[Call]:
        return [call for call in self.calls if call.route == route]

    def _scripted(self, route: str) -> Response | None:
        with self.lock:
            queue = self._failures.get(route) or []
            if not queue:
                return None
            status, retry_after = queue.pop(0)
        headers = {"Retry-After": str(retry_after if retry_after is not None else 1)}
        body = {"error": {"code": "Throttled" if status == 429 else "ServiceError"}}
        return Response(status, body, headers if status == 429 else {})

    def route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Response:
        path = urllib.parse.urlsplit(path).path
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
        if method == "POST" and path == self.TOKEN_PATH:
            form = dict(urllib.parse.parse_qsl(raw.decode()))
            answer = self._scripted("token") or self._token(form)
            self.calls.append(Call("token", method, path, "", form, answer.status))
            return answer
        body = json.loads(raw) if raw else None
        if len(parts) >= 3 and parts[:2] == ["v3", "conversations"]:
            conversation = parts[2]
            if method == "POST" and parts[3:] == ["activities"]:
                route = "send"
            elif method == "PUT" and len(parts) == 5 and parts[3] == "activities":
                route = "update"
            elif method == "GET" and len(parts) == 5 and parts[3] == "members":
                route = "members"
            else:
                return Response(404, {"error": {"code": "NotFound"}})
            answer = self._conversation(route, method, conversation, parts, token, body)
            self.calls.append(Call(route, method, path, token, body, answer.status))
            return answer
        return Response(404, {"error": {"code": "NotFound"}})

    def _token(self, form: dict[str, str]) -> Response:
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return Response(401, {"error": "invalid_client", "error_description": "bad secret"})
        token = f"bot-token-{next(self._ids)}"
        self.tokens_issued.append(token)
        return Response(
            200, {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}
        )

    def _conversation(
        self,
        route: str,
        method: str,
        conversation: str,
        parts: list[str],
        token: str,
        body: Any,
    ) -> Response:
        if token not in self.tokens_issued:
            return Response(401, {"message": "Authorization has been denied for this request."})
        scripted = self._scripted(route)
        if scripted is not None:
            return scripted
        if conversation in self.removed:
            return Response(403, {"error": {"code": "BotNotInConversationRoster"}})
        if route == "send":
            activity_id = f"activity-{next(self._ids)}"
            stored = dict(body, id=activity_id)
            with self.lock:
                self.activities.setdefault(conversation, []).append(stored)
                self.by_id[activity_id] = stored
            return Response(201, {"id": activity_id})
        if route == "update":
            activity_id = parts[4]
            if activity_id not in self.by_id:
                return Response(404, {"error": {"code": "ActivityNotFound"}})
            with self.lock:
                self.by_id[activity_id].clear()
                self.by_id[activity_id].update(dict(body, id=activity_id))
            return Response(200, {"id": activity_id})
        member = self.members.get(parts[4])
        if member is None:
            return Response(404, {"error": {"code": "MemberNotFoundInConversation"}})
        return Response(
            200,
            {
                "id": member.id,
                "name": member.name,
                "aadObjectId": member.aad_object_id,
                "email": member.email,
                "userPrincipalName": member.upn or member.email,
                "tenantId": member.tenant_id,
                "userRole": "user",
            },
        )

    def cards(self, conversation_id: str) -> list[dict[str, Any]]:
        """The Adaptive Cards posted to a conversation, in order."""
        return [
            attachment["content"]
            for activity in self.activities.get(conversation_id, [])
            for attachment in activity.get("attachments") or ()
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeBotFrameworkLogin(_LocalServer):
    METADATA_PATH = "/v1/.well-known/openidconfiguration"
    KEYS_PATH = "/v1/keys"

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.endorsements: dict[str, list[str]] = {}
        self.kid = ""
        self.keys_fetches = 0
        self.metadata_fetches = 0
        self.metadata_down = False
        self._forger = new_key()
        self.rotate()

    @property
    def metadata_url(self) -> str:
        return self.url + self.METADATA_PATH

    def rotate(self, *, endorsements: list[str] | None = None) -> str:
        self.kid = f"key-{len(self.keys) + 1}"
        self.keys[self.kid] = new_key()
        self.endorsements[self.kid] = ["msteams"] if endorsements is None else endorsements
        return self.kid

    def route(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Response:
        if method == "GET" and path == self.METADATA_PATH:
            self.metadata_fetches += 1
            if self.metadata_down:
                return Response(503, {"error": "temporarily unavailable"})
            return Response(
                200,
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": "https://invalid.example/authorize",
                    "jwks_uri": self.url + self.KEYS_PATH,
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                },
            )
        if method == "GET" and path == self.KEYS_PATH:
            self.keys_fetches += 1
            keys = []
            for kid, key in self.keys.items():
                jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
                keys.append(
                    dict(jwk, kid=kid, use="sig", kty="RSA", endorsements=self.endorsements[kid])
                )
            return Response(200, {"keys": keys})
        return Response(404, {"error": "not found"})

    def claims(self, *, app_id: str, service_url: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now - 60,
            "exp": now + 3600,
            "iss": ISSUER,
            "aud": app_id,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def mint(self, *, app_id: str, service_url: str, kid: str = "", **overrides: Any) -> str:
        kid = kid or self.kid
        claims = self.claims(app_id=app_id, service_url=service_url, **overrides)
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})

    def forge(self, *, app_id: str, service_url: str, **overrides: Any) -> str:
        """A token that looks right but is signed with a key the metadata does not publish."""
        claims = self.claims(app_id=app_id, service_url=service_url, **overrides)
        return jwt.encode(claims, self._forger, algorithm="RS256", headers={"kid": self.kid})


@pytest.fixture
def fake_connector() -> Iterator[FakeBotConnector]:
    fake = FakeBotConnector(app_id="00000000-0000-4000-8000-0000000000aa", app_password="s3cret")
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_login() -> Iterator[FakeBotFrameworkLogin]:
    fake = FakeBotFrameworkLogin()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
