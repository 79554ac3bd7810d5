from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "holdfast.core.inventory"
    label = "inventory"
