from __future__ import annotations

from tests.nudges.conftest import slack  # noqa: F401  (fixture: the fake Slack workspace)
from tests.nudges.smtp import smtp  # noqa: F401  (fixture: a local SMTP server)
