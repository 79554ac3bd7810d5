"""Petcare writes, one function per business step (each owns its transaction, audit entry and event)."""
from .invoices import generate_invoice, mark_paid, send_invoice
from .jobs import approve_job, assign_walker, cancel_job, change_job_price, complete_job, create_job, decline_job, request_job, reschedule_job, respond_to_assignment, update_job
from .people import (
    add_dog, create_client, create_service, create_walker, deactivate_client, decide_time_off, reactivate_client, request_time_off, rotate_ical_link, set_availability,
    submit_feedback, update_client, update_dog, update_service, update_walker,
)
from .recurring import book_recurring_series
from .repair import create_missing_items

__all__ = [
    "add_dog", "approve_job", "assign_walker", "book_recurring_series", "cancel_job", "change_job_price", "complete_job", "create_client", "create_job", "create_missing_items",
    "create_service", "create_walker", "deactivate_client", "decide_time_off", "decline_job", "generate_invoice", "mark_paid", "reactivate_client", "request_job",
    "request_time_off", "reschedule_job", "respond_to_assignment", "rotate_ical_link", "send_invoice", "set_availability", "submit_feedback", "update_client", "update_dog", "update_job",
    "update_service", "update_walker",
]
