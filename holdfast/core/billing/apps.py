from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "holdfast.core.billing"
    label = "billing"
