from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "holdfast.core.bookings"
    label = "bookings"

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions
        from holdfast.core.inventory.services import on_hold_expired

        from . import flows  # noqa: F401  (registers the generic flow)
        from .services import on_hold_expired as booking_follows_hold

        register_permissions(
            {
                "bookings.view": "See bookings and their status history",
                "bookings.create": "Create bookings (placing their hold)",
                "bookings.manage": "Confirm, cancel and edit bookings",
                "bookings.approve": "Approve held bookings",
            }
        )
        extend_builtin_role("manager", ["bookings.*"])
        for role in ("agent", "sales"):
            extend_builtin_role(role, ["bookings.view", "bookings.create", "bookings.manage"])
        extend_builtin_role("staff", ["bookings.view"])
        on_hold_expired(booking_follows_hold)
