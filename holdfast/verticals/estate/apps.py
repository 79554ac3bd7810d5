from django.apps import AppConfig

PERMISSIONS = {
    "estate.view": "See estate projects, units, bookings and the sales dashboard",
    "estate.project.manage": "Create and change projects and their payment rule",
    "estate.unit.manage": "Create units and change their prices",
    "estate.lead.manage": "See and manage every lead; assign leads to agents",
    "estate.lead.work": "Work the leads assigned to oneself",
    "estate.booking.request": "Request a hold on a unit (customers)",
    "estate.booking.cancel": "Cancel one's own hold (customers; staff who approve cancel any hold)",
    "estate.booking.approve": "Approve or reject hold requests",
    "estate.booking.complete": "Complete a booking once its payments meet the project's rule",
    "estate.payment.record": "Record and expect payments for bookings",
    "estate.reminder.manage": "Send and schedule payment reminders",
    "estate.review.write": "Write reviews of projects and agents (customers)",
    "estate.review.moderate": "Approve or reject reviews",
}


class EstateConfig(AppConfig):
    name = "holdfast.verticals.estate"
    label = "estate"
    nav_items = [
        {"label": "Sales", "url": "estate:dashboard", "perm": "estate.view", "portals": ["admin", "staff"], "vertical": "estate"},
        {"label": "Approvals", "url": "estate:approvals", "perm": "estate.booking.approve", "portals": ["admin", "staff"], "vertical": "estate"},
        {"label": "Units", "url": "estate:projects", "perm": "estate.view", "portals": ["admin", "staff"], "vertical": "estate"},
        {"label": "Leads", "url": "estate:leads", "perm": "estate.lead.work", "portals": ["admin", "staff"], "vertical": "estate"},
        {"label": "Reviews", "url": "estate:moderation", "perm": "estate.review.moderate", "portals": ["admin", "staff"], "vertical": "estate"},
        {"label": "Projects", "url": "estate:portal", "perm": "estate.booking.request", "portals": ["client"], "vertical": "estate"},
        {"label": "My bookings", "url": "estate:my_bookings", "perm": "estate.booking.request", "portals": ["client"], "vertical": "estate"},
    ]

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions
        from holdfast.core.inventory.services import on_hold_expired

        register_permissions(PERMISSIONS)
        # Seed 000 §B. Admin holds "*". Manager: units, leads, payments, reminders, approvals.
        extend_builtin_role("manager", ["estate.view", "estate.unit.manage", "estate.lead.manage", "estate.lead.work", "estate.booking.cancel", "estate.booking.approve",
                                        "estate.booking.complete", "estate.payment.record", "estate.reminder.manage", "estate.review.moderate"])
        extend_builtin_role("agent", ["estate.view", "estate.lead.work", "estate.booking.cancel", "estate.booking.approve", "estate.review.moderate"])
        extend_builtin_role("customer", ["estate.booking.request", "estate.booking.cancel", "estate.review.write"])
        from holdfast.core.billing.hooks import register_cancellation_check

        from . import flows  # noqa: F401  (registers the estate flow)
        from .services import on_hold_expired as estate_follows_hold
        from .services.sales import booking_has_ended

        on_hold_expired(estate_follows_hold)
        # Money for an estate booking that ended (received in billing after a cancellation) is kept
        # and flagged for refund by billing, never applied. Payment reminders are billing's worker sweep.
        register_cancellation_check(booking_has_ended)
        from .item_origin import register as register_item_origin

        register_item_origin()  # billing's Items to invoice screen explains this vertical's items
