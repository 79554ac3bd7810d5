from django.urls import path

from . import views, views_prices

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
    path("payments/<int:payment_id>/<slug:action>/", views.payment_action, name="payment_action"),
    path("ledgers/", views.ledger_list, name="ledgers"),
    path("ledgers/<int:ledger_id>/", views.ledger_detail, name="ledger"),
    path("prices/", views_prices.price_rule_list, name="price_rules"),
    path("prices/new/", views_prices.price_rule_create, name="price_rule_create"),
    path("prices/quote/", views_prices.quote_preview, name="quote_preview"),
    path("prices/<int:rule_id>/", views_prices.price_rule_edit, name="price_rule"),
    path("prices/<int:rule_id>/end/", views_prices.price_rule_end, name="price_rule_end"),
    path("prices/taxes/", views_prices.tax_rule_list, name="tax_rules"),
    path("prices/taxes/new/", views_prices.tax_rule_create, name="tax_rule_create"),
    path("prices/taxes/<int:rule_id>/", views_prices.tax_rule_edit, name="tax_rule"),
    path("prices/taxes/<int:rule_id>/end/", views_prices.tax_rule_end, name="tax_rule_end"),
    path("export/<slug:what>.csv", views.export_csv, name="export"),
]
