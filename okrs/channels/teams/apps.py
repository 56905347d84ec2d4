from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "okrs.channels.teams"
    label = "teams"
    verbose_name = "Microsoft Teams"
