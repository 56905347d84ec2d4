from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "okrs.channels.slack"
    label = "slack"
    verbose_name = "Slack"
