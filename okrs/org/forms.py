"""Forms of the signed-in person's settings page: timezone, channel, API tokens."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms

from okrs.channels.base import channel_choices
from okrs.web.shell import Form

# The areas of the IANA database's Area/Location names. Its other names (US/Eastern, CST6CDT,
# Etc/GMT+0, Zulu, localtime, Factory...) are old aliases or internals nobody picks a city from.
_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


def timezone_choices(default_label: str, keep: str = "") -> list[tuple[str, str]]:
    """The Area/Location zones this server knows and UTC, after a blank meaning the
    organisation's zone. `keep` (a person's stored zone, perhaps an old alias from a plan file)
    stays offered, so saving the page does not change it."""
    zones = sorted(
        zone for zone in zoneinfo.available_timezones() if zone.split("/", 1)[0] in _AREAS
    )
    zones.append("UTC")
    if keep and keep not in zones:
        zones.append(keep)
    return [("", default_label), *((zone, zone.replace("_", " ")) for zone in zones)]


class PersonSettingsForm(Form):
    timezone = forms.CharField(
        required=False,
        widget=forms.Select(attrs={"data-searchable": "true"}),
        help_text="Nudges arrive at 10:00 in this timezone on your team's check-in day.",
    )
    channel = forms.CharField(
        label="Preferred chat channel",
        error_messages={"required": "Preferred chat channel is required"},
        widget=forms.Select(choices=channel_choices()),
        help_text="Where check-in nudges reach you; email when the channel is not set up.",
    )

    def __init__(self, *args: Any, default_timezone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = f"Organisation default ({default_timezone})"
        chosen = self.data.get("timezone") if self.is_bound else self.initial.get("timezone")
        self.fields["timezone"].widget.choices = timezone_choices(label, keep=chosen or "")


class ApiTokenForm(Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        error_messages={
            "required": "Give the token a name, e.g. the script that will use it",
            "max_length": "Token name is too long "
            "(%(show_value)d characters, at most %(limit_value)d)",
        },
        help_text="What will use it, e.g. “CI pipeline”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
