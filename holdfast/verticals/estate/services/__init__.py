"""Estate writes, one function per business step of seed 000 §D (each all-or-nothing).

sales: projects, units and the booking flow; money: payments and reminders (on billing); crm: leads and reviews.
"""
from .crm import (
    add_lead_note, assign_lead, convert_lead, create_lead, link_lead_customer, moderate_review, move_lead, write_review,
)
from .money import create_payment_reminder, expect_payment, receive_payment, record_payment, void_payment
from .sales import (
    approve_hold, cancel_hold, complete_booking, create_hold, create_project, create_unit, expire_hold, on_hold_expired, reject_hold, sync_unit_status,
    update_project, update_unit,
)

__all__ = [
    "add_lead_note", "approve_hold", "assign_lead", "cancel_hold", "complete_booking", "convert_lead", "create_hold", "create_lead", "create_payment_reminder",
    "create_project", "create_unit", "expect_payment", "expire_hold", "link_lead_customer", "moderate_review", "move_lead", "on_hold_expired",
    "receive_payment", "record_payment", "reject_hold", "sync_unit_status", "update_project", "update_unit", "void_payment", "write_review",
]
