"""Adding a channel is one package and one registry line: everything else reads the registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import resolve, reverse

from okrs.channels.base import (
    CHANNELS,
    PACKAGE,
    Channel,
    admin_pages,
    channel_apps,
    channel_choices,
    channel_url_modules,
    load_channel,
    package_of,
)
from okrs.goals.checkins.models import CheckIn, source_choices
from okrs.org.models import Person
from tests.conftest import World

CHANNELS_DIR = Path(__file__).resolve().parent.parent / "okrs" / "channels"


@pytest.mark.parametrize("name", list(CHANNELS))
def test_each_registered_channel_loads_as_itself(name: str) -> None:
    channel = load_channel(name)
    assert isinstance(channel, Channel) and channel.name == name


@pytest.mark.parametrize("name", list(CHANNELS))
def test_each_channel_name_fits_the_fields_that_store_it(name: str) -> None:
    assert len(name) <= Person._meta.get_field("channel").max_length  # type: ignore[operator]
    assert len(name) <= CheckIn._meta.get_field("source").max_length  # type: ignore[operator]


def test_a_person_may_choose_every_registered_channel_and_nothing_else() -> None:
    field = Person._meta.get_field("channel")
    assert [value for value, _ in field.choices] == list(CHANNELS)  # type: ignore[union-attr]
    assert ("teams", "Teams") in channel_choices()
    field.clean("slack", None)
    with pytest.raises(ValidationError):
        field.clean("pigeon", None)


def test_a_check_in_comes_from_the_web_a_channel_the_api_the_cli_or_a_sync() -> None:
    sources = [value for value, _ in source_choices()]
    assert sources == ["web", *CHANNELS, "api", "cli", "sync"]


def test_the_choices_are_read_from_the_registry_so_a_new_channel_needs_no_migration() -> None:
    # The migrations name the functions, not today's list of channels.
    _, _, _, person = Person._meta.get_field("channel").deconstruct()
    _, _, _, checkin = CheckIn._meta.get_field("source").deconstruct()
    assert person["choices"] is channel_choices
    assert checkin["choices"] is source_choices


def test_the_channels_that_keep_rows_are_installed_apps() -> None:
    assert PACKAGE in settings.INSTALLED_APPS  # the handled interactions of every channel
    for name, registered in CHANNELS.items():
        assert (package_of(name) in settings.INSTALLED_APPS) == registered.app
        assert (CHANNELS_DIR / name / "apps.py").exists() == registered.app
    assert all(apps.is_installed(app) for app in channel_apps())


def test_the_channels_with_endpoints_have_their_urls_included() -> None:
    assert channel_url_modules() == [f"{package_of(n)}.urls" for n, r in CHANNELS.items() if r.urls]
    assert resolve("/slack/events/").url_name == "slack_events"
    assert resolve("/settings/slack/").url_name == "slack_settings"
    assert resolve("/api/teams/messages").url_name == "teams_messages"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("name", list(CHANNELS))
def test_no_channel_imports_another(name: str) -> None:
    others = [package_of(other) for other in CHANNELS if other != name]
    for path in sorted((CHANNELS_DIR / name).rglob("*.py")):
        for module in _imported_modules(path):
            assert not any(module == o or module.startswith(o + ".") for o in others), (
                f"{path.relative_to(CHANNELS_DIR)} imports {module}"
            )


def test_an_admin_finds_each_channels_page_from_the_settings_page(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    page = client.get("/settings/").content.decode()
    for admin in admin_pages():
        assert f'<a href="{reverse(admin.url_name)}">{admin.title}</a>: {admin.summary}' in page
    assert "Microsoft Teams</a>: app package, who is linked" in page
