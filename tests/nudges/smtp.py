"""A real SMTP server on 127.0.0.1 (aiosmtpd) that can refuse recipients like a mail host does.

with LocalSmtp() as smtp:
    smtp.refuse("gone@acme.test", "550 5.1.1 mailbox unavailable")   # permanent
    smtp.refuse("busy@acme.test", "421 4.3.2 try again later", times=1)  # temporary
    ... smtp.messages -> list of email.message.EmailMessage received
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

# aiosmtpd logs every command at INFO from its own thread, which outlives a test's captured
# output; its warnings and errors still show.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def body_of(message: EmailMessage, kind: str = "plain") -> str:
    """The message's text (`kind` "plain") or HTML ("html") part; a message without it fails."""
    part = message.get_body(preferencelist=(kind,))
    assert part is not None, f"no {kind} part in {message['Subject']!r}"
    return str(part.get_content())


class _Handler:
    def __init__(self, owner: LocalSmtp) -> None:
        self.owner = owner

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        answer = self.owner._answer_for(address)
        if answer is not None:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.owner.lock:
            self.owner.messages.append(message)
        return "250 Message accepted for delivery"


class LocalSmtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self._refusals: dict[str, list[Any]] = {}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def refuse(self, address: str, answer: str, *, times: int | None = None) -> None:
        """Answer RCPT TO for `address` with `answer` (e.g. "550 ..."), `times` times or always."""
        with self.lock:
            self._refusals[address.lower()] = [answer, times]

    def _answer_for(self, address: str) -> str | None:
        with self.lock:
            rule = self._refusals.get(address.lower())
            if rule is None:
                return None
            answer, times = rule
            if times is not None:
                if times <= 0:
                    return None
                rule[1] = times - 1
            return str(answer)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]

    def __enter__(self) -> LocalSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp(settings: Any) -> Iterator[LocalSmtp]:
    """Django's mail goes to a local SMTP server for the test."""
    with LocalSmtp() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        settings.BASE_URL = "http://testserver"
        yield server
