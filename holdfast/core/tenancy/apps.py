from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "holdfast.core.tenancy"
    label = "tenancy"
