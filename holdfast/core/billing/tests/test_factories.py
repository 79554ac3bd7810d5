import pytest

from tests.test_isolation_matrix import create_in, discovered_factories, match_factory

from . import factories as f

pytestmark = pytest.mark.django_db

CLASSES = [f.PriceRuleFactory, f.TaxRuleFactory, f.PriceQuoteFactory, f.PriceLineFactory, f.InvoiceItemFactory, f.InvoiceFactory, f.InvoiceLineFactory, f.PaymentFactory,
           f.PaymentAllocationFactory, f.RefundFactory, f.CreditNoteFactory, f.LedgerAccountFactory, f.PaymentReminderFactory]


@pytest.mark.parametrize("factory_class", CLASSES, ids=lambda c: c.__name__)
def test_billing_factory_builds_every_row_in_the_tenant_the_matrix_names(factory_class, tenant):
    obj = create_in(tenant, factory_class)
    assert obj is not None and obj.tenant_id == tenant.pk
    for field in obj._meta.fields:
        parent = getattr(obj, field.name) if field.is_relation and field.name != "tenant" else None
        if parent is not None and hasattr(parent, "tenant_id"):
            assert parent.tenant_id == tenant.pk, f"{field.name} belongs to another tenant"


def test_the_matrix_finds_billing_models_under_the_api_id_names():
    found = discovered_factories()
    for key, expected in (("invoice", f.InvoiceFactory), ("pricequote", f.PriceQuoteFactory), ("ledgeraccount", f.LedgerAccountFactory), ("payment", f.PaymentFactory)):
        assert match_factory(key, found, "billing") is expected
