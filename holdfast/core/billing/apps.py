from django.apps import AppConfig

PERMISSIONS = {
    "billing.view": "See invoices, payments, ledgers and prices",
    "billing.manage": "Create, issue, void and write off invoices; bill items; post ledger entries",
    "billing.record_payment": "Record payments and mark invoices paid",
    "billing.refund": "Refund payments and issue credit notes",
    "billing.manage_prices": "Maintain price and tax rules and lock prices",
    "billing.send_reminders": "Send and schedule payment reminders",
    "billing.view_revenue": "See revenue figures and forecasts",
    "billing.export": "Export invoices and payments as CSV",
}


class BillingConfig(AppConfig):
    name = "holdfast.core.billing"
    label = "billing"
    # Invoices is in the shell's own list; these follow it in the Work section.
    nav_items = [
        {"label": "Payments", "url": "billing:payments", "perm": "billing.view", "portals": ["admin", "staff", "platform"], "after": "billing:invoices"},
        {"label": "Ledgers", "url": "billing:ledgers", "perm": "billing.view", "portals": ["admin", "staff", "platform"], "after": "billing:invoices"},
        {"label": "Finance", "url": "billing:finance", "perm": "billing.view_revenue", "portals": ["admin", "staff", "platform"], "after": "billing:invoices"},
        {"label": "Prices", "url": "billing:price_rules", "perm": "billing.view", "portals": ["admin", "staff", "platform"], "after": "billing:invoices"},
    ]

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions

        register_permissions(PERMISSIONS)
        # Admin holds "*" already; the super admin's "*.view"/"*.view_*" patterns cover the read codes.
        extend_builtin_role("manager", ["billing.*"])
        extend_builtin_role("agent", ["billing.view", "billing.record_payment", "billing.send_reminders"])
        extend_builtin_role("sales", ["billing.view"])
        from . import tasks  # noqa: F401  (registers the periodic reminder sweep)
        from holdfast.core.customers.services import DEACTIVATION_GUARDS

        if unpaid_invoices_guard not in DEACTIVATION_GUARDS:
            DEACTIVATION_GUARDS.append(unpaid_invoices_guard)
        from .hooks import ItemOrigin, register_item_origin

        register_item_origin(ItemOrigin(
            vertical="", source="billing.ledger", label="Ledger charge", links=ledger_item_links,
            creates="Invoicing a ledger (a folio) turns its charges into items and invoices them at once; they wait here only if that invoice was voided.",
            when_empty=""))


def ledger_item_links(tenant, items) -> dict:
    """A ledger charge's item (source_ref "<ledger>:<entry>") links to its ledger."""
    from django.urls import reverse

    links = {}
    for item in items:
        ledger_id = (item.source_ref or "").split(":")[0]
        if ledger_id.isdigit():
            links[item.pk] = (reverse("billing:ledger", args=[int(ledger_id)]), f"Ledger {ledger_id}")
    return links


def unpaid_invoices_guard(tenant, customer) -> str | None:
    """Seed 003 §10.4: a customer with unpaid invoices is not deactivated without an override."""
    from .selectors import unpaid_invoice_count

    count = unpaid_invoice_count(tenant, customer.pk)
    return f"{customer.name} has {count} unpaid invoice{'s' if count != 1 else ''}." if count else None
