"""Hotel money on billing: guests are core customers, desk payments/refunds are billing payments on the
folio, room charges are coded ROOM_CHARGE on the property's site, per-property tax, folio → invoice."""
import datetime as dt
from decimal import Decimal

import pytest

from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.doctor import ledger_balances, unreceived_payments_are_not_money
from holdfast.core.billing.models import Invoice, LedgerEntry, Payment
from holdfast.core.customers.models import Customer
from holdfast.kit.errors import Conflict
from holdfast.verticals.hotel import selectors, services
from holdfast.verticals.hotel.models import Guest
from holdfast.verticals.hotel.services.folio import SOURCE, seed_type

from .factories import book, hotel, today

pytestmark = pytest.mark.django_db


def test_a_new_guest_is_linked_to_a_core_customer_by_email(tenant, h):
    first = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Grace", last_name="Hopper", email="Grace@Example.com", phone="+1 555 0100")
    assert first.customer.name == "Grace Hopper" and first.customer.email == "grace@example.com" and first.customer.phone == "+1 555 0100"
    again = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="G.", last_name="Hopper", email="grace@example.com")
    assert again.customer_id == first.customer_id
    nameless = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Grace", last_name="Hopper")
    assert nameless.customer_id not in (None, first.customer_id)
    odd = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Odd", last_name="Mail", email="odd@@mail", phone="call me")
    assert odd.email == "odd@@mail" and odd.customer.email == "" and odd.customer.phone == ""


def test_editing_a_guest_corrects_a_customer_of_their_own(tenant, h):
    guest = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Grace", last_name="Hoper", email="grace@example.com")
    services.update_guest(tenant=tenant, actor=None, guest_id=guest.pk, first_name="Grace", last_name="Hopper", email="grace.hopper@example.com", phone="+1 555 0101")
    customer = Customer.objects.get(pk=guest.customer_id)
    assert (customer.name, customer.email, customer.phone) == ("Grace Hopper", "grace.hopper@example.com", "+1 555 0101")
    assert Guest.objects.get(pk=guest.pk).customer_id == customer.pk


def test_a_guests_new_email_of_a_known_customer_links_them_and_a_shared_record_is_left_alone(tenant, h):
    known = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Ada", last_name="Lovelace", email="ada@example.com")
    first = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Ann", last_name="Byron", email="ann@example.com")
    second = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Ann", last_name="B.", email="ann@example.com")
    shared = first.customer_id
    services.update_guest(tenant=tenant, actor=None, guest_id=second.pk, first_name="Ada", last_name="Lovelace", email="ADA@example.com")
    assert Guest.objects.get(pk=second.pk).customer_id == known.customer_id  # the same person, by email
    services.update_guest(tenant=tenant, actor=None, guest_id=first.pk, first_name="Annabella", last_name="Byron")
    assert Customer.objects.get(pk=shared).name == "Annabella Byron"  # now this guest's alone: corrected
    third = services.create_guest(tenant=tenant, actor=None, property_id=h.property.pk, first_name="Ann", last_name="Byron", email="ann@example.com")
    services.update_guest(tenant=tenant, actor=None, guest_id=third.pk, first_name="Ann", last_name="King", email="ann.king@example.com")
    moved = Guest.objects.get(pk=third.pk).customer
    assert moved.pk != shared and moved.email == "ann.king@example.com"
    assert Customer.objects.get(pk=shared).email == "ann@example.com"  # the other guest's record is untouched


def test_desk_payments_and_refunds_are_billing_payments_on_the_folio(tenant, h, travel):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"], guest={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    entry = services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=15000, method="CARD", reference="auth-1")
    payment = Payment.objects.get()
    assert (payment.booking_id, payment.source, payment.status, payment.amount_minor, payment.currency) == (res.booking_id, SOURCE, "RECEIVED", 15000, "EUR")
    assert payment.customer_id == Guest.objects.get(pk=res.guest_id).customer_id
    assert entry.payment_id == payment.pk and entry.entry_type == "PAYMENT" and entry.amount_minor == -15000
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=5000, method="CASH")
    refund = services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=7000, method="CASH", refund=True)
    assert refund.entry_type == "REFUND" and refund.amount_minor == 2000  # the last of the refund's entries
    # newest payment first: the 50.00 cash is refunded whole, then 20.00 of the card payment
    assert sorted(Payment.objects.values_list("amount_minor", flat=True)) == [5000, 15000]
    assert {p.amount_minor: p.refunds.get().amount_minor for p in Payment.objects.all()} == {5000: 5000, 15000: 2000}
    folio = selectors.folio(tenant, res)
    assert (folio.payments_minor, folio.refunds_minor) == (20000, 7000)
    with pytest.raises(Conflict) as too_much:
        services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=13001, method="CASH", refund=True)
    assert too_much.value.code == "refund_exceeds_payments"
    assert ledger_balances() == [] and unreceived_payments_are_not_money() == []


def test_room_charges_are_coded_on_the_propertys_site(tenant, h, travel):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(1)
    services.run_night_audit(tenant=tenant, actor=None, property_id=h.property.pk)
    folio = selectors.folio(tenant, res)
    assert folio.site_id == h.property.site_id
    night = LedgerEntry.objects.get(account=folio, entry_type="CHARGE")
    assert night.code == "ROOM_CHARGE" and seed_type(night) == "ROOM_CHARGE"
    fee = services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="FEE", amount_cents=800, description="Minibar")
    assert fee.code == "FEE" and fee.account_id == folio.pk


def test_a_property_can_have_its_own_tax_rate(tenant):
    start = today() - dt.timedelta(days=30)
    billing.create_tax_rule(tenant=tenant, actor=None, name="VAT", rate=Decimal("19"), country=tenant.country or "", effective_from=start)
    harbour, hill = hotel(tenant, name="Harbour"), hotel(tenant, name="Hill")
    billing.create_tax_rule(tenant=tenant, actor=None, name="Harbour lodging tax", rate=Decimal("7"), site_id=harbour.property.site_id, effective_from=start)
    at_harbour, at_hill = book(tenant, harbour), book(tenant, hill)
    assert at_harbour.tax_cents == 2 * 700 and at_hill.tax_cents == 2 * 1900
    assert at_harbour.booking.data["tax_name"] == "Harbour lodging tax"


def test_a_folio_becomes_a_paid_invoice_once(tenant, h, travel):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"], guest={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(2)
    services.check_out(tenant=tenant, actor=None, reservation_id=res.pk, allow_balance=True)
    folio = selectors.folio(tenant, res)
    assert folio.status == "CLOSED"
    billing.reopen_ledger(tenant=tenant, actor=None, ledger_id=folio.pk)
    services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="ADJUSTMENT", amount_cents=-1000, description="Goodwill")
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=19000, method="CARD")
    invoice = services.invoice_folio(tenant=tenant, actor=None, reservation_id=res.pk)
    assert invoice.status == Invoice.PAID and invoice.customer_id == Guest.objects.get(pk=res.guest_id).customer_id
    assert invoice.total_minor == 20000 and [line.amount_minor for line in invoice.lines.all()] == [10000, 10000, 0]  # the 0 names the goodwill credit
    folio.refresh_from_db()
    assert folio.balance_minor == 0 and folio.charges_minor == 20000  # issuing posted nothing more onto the folio
    with pytest.raises(Conflict) as again:
        services.invoice_folio(tenant=tenant, actor=None, reservation_id=res.pk)
    assert again.value.code == "nothing_to_invoice"
    assert ledger_balances() == []


def test_folio_invoice_through_the_api_and_the_reservation_page(owner_api, web_as, owner, tenant, h):
    res = book(tenant, h, nights=(0, 1), room=h.rooms["101"])
    services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="ROOM_CHARGE", amount_cents=10000, description="Night")
    made = owner_api.post(f"/api/v1/hotel/reservations/{res.pk}/folio/invoice", {})
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "PENDING" and made.json()["total_minor"] == 10000
    again = owner_api.post(f"/api/v1/hotel/reservations/{res.pk}/folio/invoice", {})
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_invoice"
    page = web_as(owner).get(f"/hotel/reservations/{res.pk}/")
    assert page.status_code == 200 and made.json()["display_number"].encode() in page.content and b"Turn the folio into an invoice" in page.content
    services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="FEE", amount_cents=500, description="Parking")
    clicked = web_as(owner).post(f"/hotel/reservations/{res.pk}/invoice/", follow=True)
    assert clicked.status_code == 200 and b"issued for the folio" in clicked.content
    assert Invoice.objects.count() == 2


def test_a_guest_created_before_customers_gets_one_when_paying(tenant, h):
    res = book(tenant, h, nights=(0, 1))
    Guest.objects.filter(pk=res.guest_id).update(customer=None)
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=100, method="CASH")
    guest = Guest.objects.get(pk=res.guest_id)
    assert guest.customer_id and Payment.objects.get().customer_id == guest.customer_id
    assert Customer.objects.filter(pk=guest.customer_id, name="Alpha Marker").exists()


def test_a_desk_payment_after_invoicing_pays_the_folios_open_invoice(tenant, h):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"], guest={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="ROOM_CHARGE", amount_cents=10000, description="Night 1")
    services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="FEE", amount_cents=2000, description="Parking")
    invoice = services.invoice_folio(tenant=tenant, actor=None, reservation_id=res.pk)
    assert invoice.status == Invoice.PENDING and invoice.total_minor == 12000
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=5000, method="CASH")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.PENDING and billing_selectors.invoice_remaining_minor(invoice) == 7000  # part paid, allocated
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=7000, method="CARD")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.PAID and billing_selectors.invoice_remaining_minor(invoice) == 0
    folio = selectors.folio(tenant, res)
    assert folio.balance_minor == 0  # each payment posted once on the folio (allocating posted nothing more)
    assert sum(a.amount_minor for p in Payment.objects.filter(booking_id=res.booking_id) for a in p.allocations.all()) == 12000
    assert ledger_balances() == []
