from django.apps import AppConfig


class SlackConfig(AppConfig):
    name = "okrs.channels.slack"
    label = "slack"
    verbose_name = "Slack"

    def ready(self) -> None:
        from okrs.channels.slack import checks  # noqa: F401  (registers the system checks)
