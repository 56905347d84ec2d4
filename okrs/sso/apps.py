from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "okrs.sso"
    label = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from okrs.sso import checks, signals  # noqa: F401  (registers the checks and receivers)
