"""Storage writes, one function per business step of seed 002 (each all-or-nothing).

facilities: companies, facilities, slots, features, media; bookings: the booking flow; money:
invoices and receipts; pricing: base and feature prices on billing's rules.
"""
from .bookings import cancel_booking, confirm_booking, expire_booking, extend_hold, hold_booking, on_hold_expired, preview_booking
from .facilities import (
    add_media, create_company, create_facility, create_feature, open_slots, remove_media, set_company_deleted, set_facility_deleted, set_facility_feature,
    update_company, update_facility,
)
from .money import pay_booking, record_receipt
from .pricing import set_base_price, set_feature_price

__all__ = [
    "add_media", "cancel_booking", "confirm_booking", "create_company", "create_facility", "create_feature", "expire_booking", "extend_hold", "hold_booking",
    "on_hold_expired", "open_slots", "preview_booking", "pay_booking", "record_receipt", "remove_media", "set_base_price", "set_company_deleted", "set_facility_deleted",
    "set_facility_feature", "set_feature_price", "update_company", "update_facility",
]
