from django.apps import AppConfig


class ScimConfig(AppConfig):
    name = "okrs.scim"
    label = "scim"
    verbose_name = "Provisioning (SCIM)"
