from django.apps import AppConfig

PERMISSIONS = {
    "apartments.view": "See the apartment catalogue: projects, apartments, packages and addons",
    "apartments.project.manage": "Add and remove projects and apartments; add or remove packages and addons of an apartment",
    "apartments.catalogue.manage": "Create packages, addons and categories and change their prices",
    "apartments.booking.create": "Create a booking of an apartment for sale (customers for themselves)",
    "apartments.booking.configure": "Choose the package and addons of one's own Pending booking and confirm it (customers)",
    "apartments.booking.manage": "See every booking, configure open ones, assign the follow-up person",
    "apartments.booking.review": "Review bookings: start a review, send back, approve, reject",
    "apartments.payment.record": "Record payments against a booking's invoices",
}


class ApartmentsConfig(AppConfig):
    name = "holdfast.verticals.apartments"
    label = "apartments"
    verbose_name = "Apartments"
    nav_items = [
        {"label": "Apartment sales", "url": "apartments:dashboard", "perm": "apartments.booking.manage", "portals": ["admin", "staff", "platform"], "vertical": "apartments"},
        {"label": "Sales board", "url": "apartments:board", "perm": "apartments.booking.manage", "portals": ["admin", "staff", "platform"], "vertical": "apartments"},
        {"label": "Catalogue", "url": "apartments:catalogue", "perm": "apartments.view", "portals": ["admin", "staff", "platform"], "vertical": "apartments"},
        {"label": "Apartments for sale", "url": "apartments:shop", "perm": "apartments.booking.create", "portals": ["client"], "vertical": "apartments"},
        {"label": "My apartments", "url": "apartments:my_bookings", "perm": "apartments.booking.create", "portals": ["client"], "vertical": "apartments"},
    ]

    def ready(self):
        from holdfast.core.accounts.permissions import extend_builtin_role, register_permissions
        from holdfast.core.billing.hooks import register_cancellation_check

        register_permissions(PERMISSIONS)
        # Seed 001 §1.9: Admin holds "*"; Sales follow bookings up and take payments; a Customer books,
        # configures and confirms their own. Roles are rows: a tenant edits these lists in Team > Roles.
        extend_builtin_role("sales", ["apartments.view", "apartments.booking.create", "apartments.booking.manage", "apartments.booking.review", "apartments.payment.record"])
        extend_builtin_role("customer", ["apartments.view", "apartments.booking.create", "apartments.booking.configure"])

        from . import doctor, flows  # noqa: F401  (registers the apartments flow and doctor checks)
        from .services.bookings import booking_has_ended

        register_cancellation_check(booking_has_ended)
        from .item_origin import register as register_item_origin

        register_item_origin()  # billing's Items to invoice screen explains this vertical's items
