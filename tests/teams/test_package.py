"""The app package an admin uploads (`okrs teams package` and the settings page), and the admin
page itself."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from okrs.channels.teams import config
from okrs.channels.teams.package import app_package
from okrs.cli import main
from tests.conftest import World
from tests.teams.conftest import TeamsDriver, linked

APP_ID = "00000000-0000-4000-8000-0000000000aa"


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of an 8-bit RGBA PNG (what our icons are), decoded by hand."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat, size = 8, b"", (0, 0)
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)
            size = (width, height)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = size[0] * 4 + 1
    rows = [raw[i * stride + 1 : (i + 1) * stride] for i in range(size[1])]
    return size[0], size[1], rows


def test_cli_writes_the_package(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any, capsys: Any
) -> None:
    monkeypatch.setattr(config, "settings", config.TeamsSettings(app_id=APP_ID))
    settings.BASE_URL = "https://okrs.acme.test"
    output = tmp_path / "okrs.zip"

    assert main(["teams", "package", "--output", str(output)]) == 0

    with zipfile.ZipFile(output) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = png_pixels(archive.read("color.png"))
        outline = png_pixels(archive.read("outline.png"))
    assert manifest["id"] == APP_ID
    assert manifest["bots"] == [
        {"botId": APP_ID, "scopes": ["personal"], "supportsFiles": False,
         "isNotificationOnly": False},
    ]  # fmt: skip
    assert manifest["developer"]["websiteUrl"] == "https://okrs.acme.test"
    assert manifest["validDomains"] == ["okrs.acme.test"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    # The outline icon is white on transparent only, as Teams requires.
    pixels = {bytes(row[i : i + 4]) for row in outline[2] for i in range(0, len(row), 4)}
    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}
    assert "wrote" in capsys.readouterr().out
    # Deterministic: the same settings give the same bytes.
    assert output.read_bytes() == app_package(app_id=APP_ID, base_url="https://okrs.acme.test")


def test_cli_without_an_app_id_is_an_error(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(config, "settings", config.TeamsSettings())
    assert main(["teams", "package", "--output", str(tmp_path / "x.zip")]) != 0
    assert "OKRS_TEAMS_APP_ID" in capsys.readouterr().err
    assert not (tmp_path / "x.zip").exists()


def test_settings_page_for_admins(world: World, teams: TeamsDriver) -> None:
    linked(teams, world.member)
    teams.client.force_login(world.admin)
    page = teams.client.get("/settings/teams/").content.decode()
    assert "Configured" in page
    assert "1 person has installed the app" in page
    assert "https://okrs.acme.test/api/teams/messages" in page
    assert teams.connector.app_password not in page  # the secret is never shown
    download = teams.client.get("/settings/teams/package.zip")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert json.loads(archive.read("manifest.json"))["id"] == teams.app_id


@pytest.mark.parametrize("role", ["member", "viewer", "lead"])
def test_settings_page_and_package_are_admin_only(
    world: World, teams: TeamsDriver, role: str
) -> None:
    person = {"member": world.member, "viewer": world.viewer, "lead": world.lead}[role]
    teams.client.force_login(person)
    assert teams.client.get("/settings/teams/").status_code == 403
    assert teams.client.get("/settings/teams/package.zip").status_code == 403


def test_signed_out_is_sent_to_sign_in(world: World, teams: TeamsDriver) -> None:
    response = teams.client.get("/settings/teams/package.zip")
    assert response.status_code == 302
