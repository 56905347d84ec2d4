"""Mail on the console, one line a message: for the demo and development (OKRS_MAIL_CONSOLE)."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives

# A link ends at white space or at what usually follows one in text and HTML.
LINK = re.compile(r"""https?://[^\s<>"']+""")
TRAILING = ".,;:!?)]"


class ConsoleMailBackend(BaseEmailBackend):
    """Prints each message as one line: its recipients, its subject and the first link in it.

    Django's console backend prints the whole MIME message, some forty lines for a nudge with
    its HTML part, and a server that starts by sending a round of nudges scrolls everything
    else away. The link is what someone trying okrs needs from a mail: the check-in form a
    nudge opens, the page a password reset goes to. Links are secrets (signed, or one-time), so
    this backend is for the demo and development only, as Django's is.
    """

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        # Request threads of one process share the stream: one line is never split by another.
        self._lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        lines = [one_line(message) for message in email_messages]
        if lines:
            with self._lock:
                self.stream.write("".join(f"{line}\n" for line in lines))
                self.stream.flush()
        return len(lines)


def one_line(message: EmailMessage) -> str:
    """ "mail to a@x, b@y: Subject -> https://first/link" (no arrow when there is no link)."""
    line = f"mail to {', '.join(message.recipients())}: {message.subject}"
    link = first_link(message)
    return f"{line} -> {link}" if link else line


def first_link(message: EmailMessage) -> str:
    """The first link of the plain body, else of an alternative part (an HTML-only mail)."""
    bodies = [str(message.body)]
    if isinstance(message, EmailMultiAlternatives):
        bodies += [str(content) for content, _ in message.alternatives]
    for body in bodies:
        match = LINK.search(body)
        if match:
            return match.group().rstrip(TRAILING).replace("&amp;", "&")
    return ""
