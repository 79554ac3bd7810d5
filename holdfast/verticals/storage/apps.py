from django.apps import AppConfig

PERMISSIONS = {
    "storage.view": "See facilities, slots, bookings, prices and the operator screens",
    "storage.facility.manage": "Create and change companies, facilities, features, media and slots",
    "storage.price.manage": "Change base and feature prices and taxes",
    "storage.booking.create": "Book pallet storage (customers book for themselves, staff for anyone)",
    "storage.booking.manage": "Confirm, cancel and extend any storage booking",
    "storage.booking.confirm": "Confirm one's own held booking (customers)",
    "storage.booking.cancel": "Cancel one's own booking (customers)",
    "storage.payment.record": "Record receipts and issue invoices for storage bookings",
}


class StorageConfig(AppConfig):
    name = "holdfast.verticals.storage"
    label = "storage"
    nav_items = [
        {"label": "Storage bookings", "url": "storage:board", "perm": "storage.view", "portals": ["admin", "staff", "platform"], "vertical": "storage"},
        {"label": "Capacity", "url": "storage:calendar", "perm": "storage.view", "portals": ["admin", "staff", "platform"], "vertical": "storage"},
        {"label": "Facilities", "url": "storage:facilities", "perm": "storage.view", "portals": ["admin", "staff", "platform"], "vertical": "storage"},
        {"label": "Storage money", "url": "storage:money", "perm": "storage.view", "portals": ["admin", "staff", "platform"], "vertical": "storage"},
        {"label": "Prices & taxes", "url": "storage:prices", "perm": "storage.view", "portals": ["admin", "staff", "platform"], "vertical": "storage"},
        {"label": "Find storage", "url": "storage:finder", "perm": "storage.booking.create", "portals": ["client"], "vertical": "storage"},
        {"label": "My storage", "url": "storage:my_bookings", "perm": "storage.booking.create", "portals": ["client"], "vertical": "storage"},
    ]

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions
        from holdfast.core.billing.hooks import register_cancellation_check
        from holdfast.core.inventory.services import on_hold_expired

        from . import doctor, flows  # noqa: F401  (registers the storage flow and doctor checks)
        from .services.bookings import booking_has_ended
        from .services.bookings import on_hold_expired as storage_follows_hold

        register_permissions(PERMISSIONS)
        extend_builtin_role("manager", ["storage.*"])
        extend_builtin_role("staff", ["storage.view", "storage.booking.create", "storage.booking.manage", "storage.payment.record"])
        extend_builtin_role("customer", ["storage.booking.create", "storage.booking.confirm", "storage.booking.cancel"])
        on_hold_expired(storage_follows_hold)
        register_cancellation_check(booking_has_ended)
        from .item_origin import register as register_item_origin

        register_item_origin()  # billing's Items to invoice screen explains this vertical's items
