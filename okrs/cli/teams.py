"""okrs teams package [--output F]: the Teams app package (manifest and icons, zipped)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from okrs.cli import CommandError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("teams", help="Microsoft Teams: build the app package")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    package = actions.add_parser(
        "package", help="write the app package to upload to Teams (manifest.json and icons)"
    )
    package.add_argument(
        "--output", "-o", default="okrs-teams.zip", help="where to write it (default: %(default)s)"
    )
    package.set_defaults(handler=run_package)


def run_package(options: argparse.Namespace) -> int:
    from django.conf import settings

    from okrs.channels.teams import config
    from okrs.channels.teams.package import app_package

    teams = config.current()
    if not teams.app_id:
        raise CommandError("set OKRS_TEAMS_APP_ID (the Azure Bot's app id) first")
    output = Path(options.output)
    try:
        output.write_bytes(app_package(app_id=teams.app_id, base_url=settings.BASE_URL))
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"wrote {output}: upload it in Teams (see docs/teams.md)")
    if not settings.BASE_URL.startswith("https://"):
        print("warning: OKRS_BASE_URL is not https; Teams will refuse the manifest's URLs")
    return 0
