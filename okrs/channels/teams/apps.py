from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "okrs.channels.teams"
    label = "teams"
    verbose_name = "Microsoft Teams"

    def ready(self) -> None:
        from okrs.channels.teams import checks  # noqa: F401  (registers the system checks)
