from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "holdfast.core.inventory"
    label = "inventory"

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions

        register_permissions(
            {
                "inventory.view": "See sites, resources, availability and the calendar",
                "inventory.manage": "Create and change sites, resources, capacity and maintenance blocks",
                "inventory.hold": "Place, extend and release holds",
            }
        )
        extend_builtin_role("manager", ["inventory.*"])
        for role in ("agent", "sales"):
            extend_builtin_role(role, ["inventory.view", "inventory.hold"])
        extend_builtin_role("staff", ["inventory.view"])
        from . import tasks  # noqa: F401  (registers the hold sweeper)
