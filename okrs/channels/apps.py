from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    """What every channel shares: the interactions already handled (okrs.channels.models)."""

    name = "okrs.channels"
    label = "channels"
    verbose_name = "Channels"
