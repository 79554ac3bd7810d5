from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "holdfast.core.customers"
    label = "customers"
