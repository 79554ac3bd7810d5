from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="invoice"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("finance/", views.finance, name="finance"),
    path("items/", views.items, name="items"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment"),
    path("ledgers/", views.ledger_list, name="ledgers"),
    path("ledgers/<int:ledger_id>/", views.ledger_detail, name="ledger"),
    path("export/<slug:what>.csv", views.export_csv, name="export"),
]
