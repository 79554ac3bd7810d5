from django.apps import AppConfig


class HotelConfig(AppConfig):
    name = "holdfast.verticals.hotel"
    label = "hotel"
    verbose_name = "Hotel"
    nav_items = [
        {"label": "Tape chart", "url": "hotel:tape", "perm": "hotel.view", "portals": ["admin", "staff", "platform"], "vertical": "hotel"},
        {"label": "Front desk", "url": "hotel:frontdesk", "perm": "hotel.view", "portals": ["admin", "staff", "platform"], "vertical": "hotel"},
        {"label": "Housekeeping", "url": "hotel:housekeeping", "perm": "hotel.view", "portals": ["admin", "staff", "platform"], "vertical": "hotel"},
        {"label": "Occupancy", "url": "hotel:occupancy", "perm": "hotel.view", "portals": ["admin", "staff", "platform"], "vertical": "hotel"},
    ]

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions

        from . import flows  # noqa: F401  (registers the "hotel" booking flow)

        register_permissions(
            {
                "hotel.view": "See hotel properties, rooms, reservations, calendars and folios",
                "hotel.reservation.manage": "Book, assign, move, resize and cancel hotel reservations",
                "hotel.frontdesk": "Check guests in and out, mark no-shows, take walk-ins",
                "hotel.housekeeping": "Change room housekeeping status",
                "hotel.folio.manage": "Post charges and payments on folios",
                "hotel.setup": "Manage properties, room types, rooms, rate plans, prices and restrictions",
                "hotel.audit.run": "Run the nightly audit and rebuild the calendar",
            }
        )
        extend_builtin_role("manager", ["hotel.*"])
        for role in ("agent", "sales"):
            extend_builtin_role(role, ["hotel.view", "hotel.reservation.manage", "hotel.frontdesk", "hotel.folio.manage"])
        extend_builtin_role("staff", ["hotel.view", "hotel.housekeeping"])
        from . import tasks  # noqa: F401  (registers the nightly audit)
        from holdfast.core.inventory.services import on_hold_expired

        from .services.expiry import on_hold_expired as hotel_follows_hold

        on_hold_expired(hotel_follows_hold)  # an expired HOLD reservation is cancelled (services/expiry.py)
        from .item_origin import register as register_item_origin

        register_item_origin()  # billing's Items to invoice screen explains this vertical's items
