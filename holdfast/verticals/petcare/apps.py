from django.apps import AppConfig

PERMISSIONS = {
    "petcare.view": "See every job, walker, client, service and the business dashboards",
    "petcare.view_own": "See one's own schedule and the jobs assigned to oneself (staff)",
    "petcare.portal": "Use the client portal: one's own jobs, dogs and invoices (clients)",
    "petcare.job.request": "Request a job (clients; admins create jobs directly)",
    "petcare.job.manage": "Create, edit, reschedule and assign jobs",
    "petcare.job.approve": "Approve or decline client requests",
    "petcare.job.confirm_own": "Confirm a PENDING job assigned to oneself (when the business allows staff approval)",
    "petcare.job.respond": "Accept or decline a job assigned to oneself",
    "petcare.job.complete": "Mark any job completed",
    "petcare.job.complete_own": "Mark one's own job completed (when the business allows it)",
    "petcare.job.cancel": "Cancel any job, including completed ones (voiding their invoice item)",
    "petcare.job.cancel_own": "Cancel one's own PENDING request (clients) or assigned job (staff)",
    "petcare.job.price": "Set or change a job's price (and adjust its billing)",
    "petcare.job.override": "Book a walker outside their availability or time off",
    "petcare.service.manage": "Create and change services and their prices",
    "petcare.staff.manage": "Create walkers, their availability and services; decide time off",
    "petcare.timeoff.request": "Ask for time off (staff)",
    "petcare.client.manage": "Create and edit clients and dogs; deactivate and reactivate clients",
    "petcare.invoice.manage": "Batch invoice items into invoices, send them, record payments",
    "petcare.feedback.write": "Send feedback to the platform",
}


class PetcareConfig(AppConfig):
    name = "holdfast.verticals.petcare"
    label = "petcare"
    verbose_name = "Pet care"
    nav_items = [
        {"label": "Walks overview", "url": "petcare:dashboard", "perm": "petcare.view", "portals": ["admin", "staff"], "vertical": "petcare"},
        {"label": "Jobs", "url": "petcare:jobs", "perm": "petcare.view", "portals": ["admin", "staff"], "vertical": "petcare"},
        {"label": "Clients", "url": "petcare:clients", "perm": "petcare.view", "portals": ["admin", "staff"], "vertical": "petcare"},
        {"label": "Walkers", "url": "petcare:walkers", "perm": "petcare.view", "portals": ["admin", "staff"], "vertical": "petcare"},
        {"label": "Services", "url": "petcare:services", "perm": "petcare.view", "portals": ["admin", "staff"], "vertical": "petcare"},
        {"label": "Invoicing", "url": "petcare:finance", "perm": "petcare.invoice.manage", "portals": ["admin"], "vertical": "petcare"},
        {"label": "My schedule", "url": "petcare:schedule", "perm": "petcare.view_own", "portals": ["staff"], "vertical": "petcare"},
        {"label": "My walks", "url": "petcare:portal", "perm": "petcare.portal", "portals": ["client"], "vertical": "petcare"},
        {"label": "Feedback", "url": "petcare:feedback", "perm": "petcare.feedback.write", "portals": ["admin", "staff"], "vertical": "petcare"},
        {"label": "Pet care platform", "url": "petcare:platform", "perm": "platform.view_all", "portals": ["platform"]},
    ]

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions
        from holdfast.core.billing.hooks import register_staff_names

        from . import doctor, flows  # noqa: F401  (registers the petcare flow and doctor checks)

        register_permissions(PERMISSIONS)
        register_staff_names(walker_names)
        # Seed 003 §2/§8. Admin holds "*"; staff work their own jobs; clients request and cancel PENDING ones.
        extend_builtin_role("staff", ["petcare.view_own", "petcare.job.confirm_own", "petcare.job.respond", "petcare.job.complete_own", "petcare.job.cancel_own",
                                      "petcare.timeoff.request", "petcare.feedback.write"])
        extend_builtin_role("customer", ["petcare.portal", "petcare.job.request", "petcare.job.cancel_own"])
        from .item_origin import register as register_item_origin

        register_item_origin()  # billing's Items to invoice screen explains this vertical's items


def walker_names(tenant, ids) -> dict:
    """Billing's finance screen names the walker behind each invoice line (lines carry the walker's id)."""
    from .models import Walker

    return {w.pk: w.user.full_name or w.user.email for w in Walker.objects.for_tenant(tenant).filter(pk__in=ids).select_related("user")}
