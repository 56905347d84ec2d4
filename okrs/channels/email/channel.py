"""Nudges and alerts by email, through Django's mail (SMTP from OKRS_SMTP_*).

A nudge is a plain-text and an HTML part with the same content and a signed link to the
person's prefilled check-ins (okrs/nudges/links.py). SMTP answers are mapped to the two kinds
of DeliveryError: a 4xx reply, a refused or dropped connection are temporary (retried with
backoff); a 5xx reply (recipient refused, mailbox unknown, authentication refused) is permanent.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string

from okrs.channels.base import AlertMessage, Channel, DeliveryError, NudgeMessage
from okrs.numbers import now_and_target

if TYPE_CHECKING:
    from okrs.org.models import Person

UNSENT_BACKEND = "okrs.channels.email.unsent.UnsentMailBackend"
SMTP_TIMEOUT_SECONDS = 30
STATUS_LABEL = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track"}


def _mail_domain() -> str:
    sender = str(settings.DEFAULT_FROM_EMAIL or "")
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] or "okrs.local"


def smtp_failure(exc: BaseException) -> DeliveryError:
    """The DeliveryError an SMTP or network failure means."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()
        )
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return DeliveryError(f"recipient refused: {detail}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPResponseException):
        # Sender refused, data refused, authentication refused, ...: the reply code decides.
        return DeliveryError(
            f"SMTP server answered {exc.smtp_code} {_text(exc.smtp_error)}",
            permanent=exc.smtp_code >= 500,
        )
    if isinstance(exc, smtplib.SMTPException | OSError | socket.timeout):
        return DeliveryError(f"SMTP server unreachable: {exc}", permanent=False)
    return DeliveryError(f"email failed: {exc}", permanent=False)


def _text(message: Any) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


class EmailChannel(Channel):
    name = "email"

    def is_configured(self) -> bool:
        return bool(settings.EMAIL_BACKEND != UNSENT_BACKEND)

    def can_reach(self, person: Person) -> bool:
        return bool(person.email)

    def send_nudge(self, person: Person, message: NudgeMessage) -> str:
        rows = [
            {
                "kr": kr,
                "standing": now_and_target(kr.current, kr.target, kr.unit, kr.kind),
                "status": STATUS_LABEL.get(kr.status, "no status yet"),
            }
            for kr in message.key_results
        ]
        count = len(rows)
        plural = "s" if count != 1 else ""
        if message.reminder:
            subject = f"Reminder: {count} key result{plural} still waiting for your check-in"
        else:
            subject = f"Your weekly check-in: {count} key result{plural}"
        context = {
            "person": person,
            "message": message,
            "rows": rows,
            "subject": subject,
            "base_url": settings.BASE_URL,
        }
        return self._send(
            person,
            subject,
            render_to_string("nudges/email/nudge.txt", context),
            render_to_string("nudges/email/nudge.html", context),
            tag=f"nudge-{message.nudge_id}",
        )

    def send_alert(self, person: Person, message: AlertMessage) -> str:
        context = {"person": person, "message": message, "base_url": settings.BASE_URL}
        # The HTML part lists the lines instead of the text; the text's first line is its
        # headline ("... is off track"), which must not be lost there.
        headline = message.text.split("\n", 1)[0]
        shown = message
        if message.lines and headline and headline not in message.lines:
            shown = replace(message, lines=(headline, *message.lines))
        return self._send(
            person,
            message.subject,
            render_to_string("nudges/email/alert.txt", context),
            render_to_string("nudges/email/alert.html", {**context, "message": shown}),
            tag="alert",
        )

    def _send(self, person: Person, subject: str, text: str, html: str, *, tag: str) -> str:
        if not self.is_configured():
            raise DeliveryError(
                "mail is not configured: set OKRS_SMTP_HOST (docs/nudges.md)", permanent=True
            )
        message_id = make_msgid(idstring=tag, domain=_mail_domain())
        email = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[person.email],
            headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
            # A fresh connection per message: a connection broken by an earlier failure must
            # not fail the next person's nudge. A bounded wait: a send hanging for longer than
            # a claim is kept (okrs/claims.py) would let another worker send a second copy.
            connection=get_connection(
                fail_silently=False, timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT_SECONDS
            ),
        )
        email.attach_alternative(html, "text/html")
        try:
            sent = email.send(fail_silently=False)
        except Exception as exc:  # every SMTP/network failure becomes a DeliveryError
            raise smtp_failure(exc) from exc
        if sent != 1:
            raise DeliveryError("the mail backend did not accept the message", permanent=False)
        return message_id
