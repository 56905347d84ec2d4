"""OKRS_MAIL_CONSOLE=true (`make demo`): one line a mail, with its recipients, subject and link."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMessage, EmailMultiAlternatives

from okrs.channels.email.console import ConsoleMailBackend

NUDGE_TEXT = """Hello Maya,

Two key results are due this week:
- Reduce deployment lead time from 4 days to 6 hours
- Move 90% of our services onto the golden-path pipeline (from 40%)

Check in: http://127.0.0.1:8100/nudges/checkin/abc.def:1x/?week=2026-11-30.
Settings: http://127.0.0.1:8100/settings/
"""


def printed(*messages: EmailMessage) -> list[str]:
    stream = io.StringIO()
    sent = ConsoleMailBackend(stream=stream).send_messages(list(messages))
    assert sent == len(messages)
    return stream.getvalue().splitlines()


def test_each_mail_is_one_line_with_its_first_link() -> None:
    nudge = EmailMultiAlternatives("Your check-in", NUDGE_TEXT, to=["maya@acme.test"])
    nudge.attach_alternative("<a href='http://127.0.0.1:8100/other/'>Check in</a>", "text/html")
    reset = EmailMessage(
        "Password reset", "Open https://okrs.example/accounts/password/reset/key/x-y/", to=["a@b"]
    )
    lines = printed(nudge, reset)
    assert lines == [
        "mail to maya@acme.test: Your check-in -> "
        "http://127.0.0.1:8100/nudges/checkin/abc.def:1x/?week=2026-11-30",
        "mail to a@b: Password reset -> https://okrs.example/accounts/password/reset/key/x-y/",
    ]


def test_an_html_only_link_and_no_link() -> None:
    digest = EmailMultiAlternatives("Weekly digest", "Plain text, no link.", to=["ceo@acme.test"])
    digest.attach_alternative(
        '<a href="http://127.0.0.1:8000/?team=platform&amp;cycle=2026-Q4">Open</a>', "text/html"
    )
    note = EmailMessage("Note", "Nothing to open.", to=["x@y", "z@y"], cc=["lead@y"])
    assert printed(digest, note) == [
        "mail to ceo@acme.test: Weekly digest -> http://127.0.0.1:8000/?team=platform&cycle=2026-Q4",
        "mail to x@y, z@y, lead@y: Note",
    ]


def test_the_demo_setting_prints_one_line_not_mime(tmp_path: Path) -> None:
    env = {**os.environ, "OKRS_DATA_DIR": str(tmp_path), "OKRS_MAIL_CONSOLE": "true"}
    env.pop("OKRS_SMTP_HOST", None)
    script = (
        "import django; django.setup()\n"
        "from django.core.mail import send_mail\n"
        "send_mail('Check in', 'Open http://127.0.0.1:8000/checkins/ now.', None,"
        " ['maya@acme.test'], html_message='<p>html part</p>')\n"
    )
    env["DJANGO_SETTINGS_MODULE"] = "okrs.settings"
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == "mail to maya@acme.test: Check in -> http://127.0.0.1:8000/checkins/\n"
