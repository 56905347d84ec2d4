"""The Teams app package an admin uploads: manifest.json and two icons, zipped.

The icons are drawn here (a target: rings around a dot) and encoded as PNG with zlib, so the
package needs no image files or libraries and is byte-for-byte the same for the same settings.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.17"
APP_VERSION = "1.0.0"
ACCENT = (0x2E, 0x6B, 0x57)  # okrs green
# Zip entries carry a timestamp; a fixed one keeps the package reproducible.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

Pixel = tuple[int, int, int, int]


def manifest(*, app_id: str, base_url: str) -> dict[str, Any]:
    """The app manifest for a personal-scope bot whose id is the Azure Bot's app id."""
    host = urlsplit(base_url).hostname or ""
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": {
            "name": "okrs",
            "websiteUrl": base_url,
            "privacyUrl": base_url,
            "termsOfUseUrl": base_url,
        },
        "name": {"short": "okrs", "full": "okrs: weekly OKR check-ins"},
        "description": {
            "short": "Check in on your key results without leaving Teams.",
            "full": (
                "okrs sends you one card a week listing the key results you own that are due "
                "for a check-in, with the current values filled in. Save, No change or Snooze "
                "right in the card; okrs records the check-ins and shows the new statuses."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
    }


def png(size: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An RGBA PNG of size x size, each pixel from `pixel(x, y)`."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _on_target(x: int, y: int, size: int) -> bool:
    """Whether a pixel is inked in the target: a dot and two rings."""
    centre = (size - 1) / 2
    r = math.hypot(x - centre, y - centre) / (size / 2)  # 0 at the centre, 1 at the edge
    return r < 0.16 or 0.34 < r < 0.5 or 0.68 < r < 0.84


def color_icon() -> bytes:
    """192x192: white target on the accent colour (Teams shows it on app tiles)."""
    size = 192

    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _on_target(x, y, size) else (*ACCENT, 255)

    return png(size, pixel)


def outline_icon() -> bytes:
    """32x32: the target in white on transparent (Teams requires exactly that)."""
    size = 32

    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _on_target(x, y, size) else (0, 0, 0, 0)

    return png(size, pixel)


def app_package(*, app_id: str, base_url: str) -> bytes:
    """The zip to upload to Teams: manifest.json, color.png and outline.png at its root."""
    files = {
        "manifest.json": json.dumps(manifest(app_id=app_id, base_url=base_url), indent=2).encode(),
        "color.png": color_icon(),
        "outline.png": outline_icon(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
