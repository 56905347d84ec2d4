from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "okrs.metrics.delivery"
    label = "delivery"
    verbose_name = "Delivery events and DORA"
