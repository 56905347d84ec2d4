"""Mail when no SMTP server is configured."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

log = logging.getLogger("okrs.mail")


class UnsentMailBackend(BaseEmailBackend):
    """Logs who would have been mailed and about what, never the body.

    Bodies carry secrets (password-reset links, signed check-in links), and a server's output
    ends up in log files: printing them would hand those secrets to whoever reads the logs.
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            log.warning(
                "mail not sent (set OKRS_SMTP_HOST to send mail): to %s, subject %r",
                ", ".join(message.to),
                message.subject,
            )
        return 0
