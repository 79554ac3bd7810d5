"""Issue 15 (1, 2): the folio shows what check-out will post (one computation: services.folio.checkout_preview),
check-out refusals name money, the desk pays and checks out in one step, an invoice made in house covers
the nights to date, and a payment above what is due needs confirmation and then reads as credit."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from holdfast.core.billing import services as billing
from holdfast.core.billing.doctor import ledger_balances
from holdfast.core.billing.models import LedgerEntry, Payment
from holdfast.kit.errors import Conflict
from holdfast.verticals.hotel import pdf, selectors, services
from holdfast.verticals.hotel.models import Reservation
from holdfast.verticals.hotel.services.folio import seed_type

from .factories import book, hotel, today

pytestmark = pytest.mark.django_db
NIGHT = 10000 + 700  # the DBL rate plus 7 % lodging tax


@pytest.fixture
def taxed(tenant):
    h = hotel(tenant)
    billing.create_tax_rule(tenant=tenant, actor=None, name="Lodging tax", rate=Decimal("7"), site_id=h.property.site_id, effective_from=today() - dt.timedelta(days=30))
    return h


def _in_house(tenant, h, nights=(0, 1)):
    res = book(tenant, h, nights=nights, room=h.rooms["101"], guest={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"})
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    return Reservation.objects.get(pk=res.pk)


def _preview(tenant, res):
    return selectors.folio_preview(tenant, selectors.get_reservation(tenant, res.pk))


def test_the_folio_shows_what_check_out_posts_and_the_refusal_names_money(tenant, taxed):
    res = _in_house(tenant, taxed)
    preview = _preview(tenant, res)
    assert preview["balance_cents"] == 0 and preview["in_house"] and preview["departure_date"] == res.check_out_date
    assert [(c.entry_type, c.amount_cents) for c in preview["charges_at_checkout"]] == [("ROOM_CHARGE", 10000), ("TAX", 700)]
    assert preview["charges_at_checkout_cents"] == NIGHT and preview["due_at_checkout_cents"] == NIGHT
    with pytest.raises(Conflict) as refused:
        services.check_out(tenant=tenant, actor=None, reservation_id=res.pk)
    assert refused.value.code == "folio_unsettled" and refused.value.extra["balance_minor"] == NIGHT
    assert "EUR 107.00" in refused.value.detail and "minor units" not in refused.value.detail
    assert selectors.folio(tenant, res).balance_minor == 0  # the refused check-out posted nothing
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=preview["due_at_checkout_cents"], method="CARD")
    assert _preview(tenant, res)["due_at_checkout_cents"] == 0
    services.check_out(tenant=tenant, actor=None, reservation_id=res.pk)
    folio = selectors.folio(tenant, res)
    posted = [(seed_type(e), e.amount_minor, e.description) for e in folio.entries.exclude(entry_type=LedgerEntry.PAYMENT).order_by("id")]
    assert posted == [(c.entry_type, c.amount_cents, c.description) for c in preview["charges_at_checkout"]]  # check-out posted what the folio showed
    assert folio.status == "CLOSED" and folio.balance_minor == 0 and ledger_balances() == []


def test_posted_and_unposted_nights_are_paid_and_checked_out_in_one_step(tenant, taxed, travel):
    res = _in_house(tenant, taxed, nights=(0, 2))
    travel(1)
    services.run_night_audit(tenant=tenant, actor=None, property_id=taxed.property.pk)  # posts the first night
    travel(2)
    preview = _preview(tenant, res)
    assert preview["balance_cents"] == NIGHT and [c.date for c in preview["charges_at_checkout"]] == [res.check_in_date + dt.timedelta(days=1)] * 2
    assert preview["due_at_checkout_cents"] == 2 * NIGHT
    with pytest.raises(Conflict) as stale:
        services.pay_and_check_out(tenant=tenant, actor=None, reservation_id=res.pk, expected_cents=NIGHT, method="CARD")
    assert stale.value.code == "balance_changed" and "EUR 214.00" in stale.value.detail
    assert not Payment.objects.exists()
    done = services.pay_and_check_out(tenant=tenant, actor=None, reservation_id=res.pk, expected_cents=2 * NIGHT, method="CASH", reference="till 2")
    assert done.status == Reservation.CHECKED_OUT
    assert list(Payment.objects.values_list("amount_minor", "method")) == [(2 * NIGHT, "CASH")]
    folio = selectors.folio(tenant, res)
    assert folio.status == "CLOSED" and folio.balance_minor == 0 and folio.charges_minor == 20000 and folio.tax_minor == 1400


def test_an_early_departure_previews_only_the_nights_it_keeps(tenant, taxed, travel):
    res = _in_house(tenant, taxed, nights=(0, 3))
    travel(1)
    preview = _preview(tenant, res)
    assert preview["departure_date"] == res.check_in_date + dt.timedelta(days=1)
    assert preview["due_at_checkout_cents"] == NIGHT and preview["due_for_stay_cents"] == 3 * NIGHT
    done = services.pay_and_check_out(tenant=tenant, actor=None, reservation_id=res.pk, expected_cents=NIGHT)
    assert done.check_out_date == res.check_in_date + dt.timedelta(days=1) and selectors.folio(tenant, res).balance_minor == 0


def test_a_credit_at_check_out_is_named_in_money_too(tenant, taxed):
    res = _in_house(tenant, taxed)
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=NIGHT + 4000, confirm_overpayment=True)
    assert _preview(tenant, res)["due_at_checkout_cents"] == -4000
    with pytest.raises(Conflict) as refused:
        services.check_out(tenant=tenant, actor=None, reservation_id=res.pk)
    assert "credit of EUR 40.00" in refused.value.detail
    services.check_out(tenant=tenant, actor=None, reservation_id=res.pk, allow_balance=True)
    assert selectors.folio(tenant, res).balance_minor == -4000


def test_an_invoice_made_in_house_covers_the_nights_check_out_would_bill(tenant, taxed):
    res = _in_house(tenant, taxed)
    invoice = services.invoice_folio(tenant=tenant, actor=None, reservation_id=res.pk)
    assert invoice.total_minor == NIGHT
    preview = _preview(tenant, res)
    assert preview["balance_cents"] == NIGHT and preview["charges_at_checkout"] == []  # posted once, check-out adds nothing
    services.pay_and_check_out(tenant=tenant, actor=None, reservation_id=res.pk, expected_cents=NIGHT)
    invoice.refresh_from_db()
    assert invoice.status == "PAID" and selectors.folio(tenant, res).charges_minor == 10000


def test_an_overpayment_needs_confirmation_and_then_reads_as_credit(tenant, h):
    res = book(tenant, h, nights=(0, 1), room=h.rooms["101"])
    services.post_folio_entry(tenant=tenant, actor=None, reservation_id=res.pk, entry_type="FEE", amount_cents=4000, description="Parking")
    Reservation.objects.filter(pk=res.pk).update(status=Reservation.CANCELLED)  # no nights to come: EUR 40 is all that is due
    assert _preview(tenant, res)["due_for_stay_cents"] == 4000
    with pytest.raises(Conflict) as refused:
        services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=9_999_900, method="CARD")
    assert refused.value.code == "overpayment_needs_confirmation" and refused.value.extra == {"due_cents": 4000, "overpayment_cents": 9_995_900}
    assert "EUR 99,999.00" in refused.value.detail and "EUR 40.00" in refused.value.detail
    assert not Payment.objects.exists()
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=4000, method="CARD")  # exactly what is due: no question
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=4000, method="CARD", confirm_overpayment=True)
    with pytest.raises(Conflict) as again:
        services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=100, method="CARD")
    assert again.value.code == "overpayment_needs_confirmation"  # a credit is owed to the guest: any more is over
    assert selectors.folio(tenant, res).balance_minor == -4000


def test_a_deposit_up_to_the_stay_is_not_an_overpayment(tenant, h):
    res = book(tenant, h, nights=(1, 3))
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=20000, method="CARD")
    with pytest.raises(Conflict):
        services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=1, method="CARD")


def test_the_folio_api_previews_check_out_and_refuses_an_unconfirmed_overpayment(owner_api, tenant, taxed):
    res = _in_house(tenant, taxed)
    url = f"/api/v1/hotel/reservations/{res.pk}/folio"
    folio = owner_api.get(url).json()
    assert (folio["balance_cents"], folio["charges_at_checkout_cents"], folio["due_at_checkout_cents"], folio["due_for_stay_cents"]) == (0, NIGHT, NIGHT, NIGHT)
    assert [c["entry_type"] for c in folio["charges_at_checkout"]] == ["ROOM_CHARGE", "TAX"] and folio["departure_date"] == res.check_out_date.isoformat()
    over = owner_api.post(f"{url}/payments", {"amount_cents": 9_999_900, "method": "CARD"})
    assert over.status_code == 409 and over.json()["code"] == "overpayment_needs_confirmation" and "EUR 107.00" in over.json()["detail"]
    assert owner_api.post(f"{url}/payments", {"amount_cents": 100, "confirm_overpaymnet": True}).status_code == 422
    taken = owner_api.post(f"{url}/payments", {"amount_cents": 9_999_900, "method": "CARD", "confirm_overpayment": True})
    assert taken.status_code == 201
    assert owner_api.get(url).json()["due_at_checkout_cents"] == NIGHT - 9_999_900
    refused = owner_api.post(f"/api/v1/hotel/reservations/{res.pk}/check-out", {})
    assert refused.status_code == 409 and refused.json()["code"] == "folio_unsettled" and "EUR 99,892.00" in refused.json()["detail"]


def test_the_reservation_page_shows_charges_at_check_out_and_a_credit(web_as, owner, tenant, taxed):
    res = _in_house(tenant, taxed)
    client = web_as(owner)
    page = client.get(f"/hotel/reservations/{res.pk}/").content.decode()
    assert "Charges at check-out" in page and 'data-due-at-checkout="10700"' in page and "Take EUR 107.00 and check out" in page
    assert 'value="107.00"' in page and "leave balance EUR 107.00" in page
    bill = pdf.folio_html(tenant, selectors.get_reservation(tenant, res.pk))
    assert "Charges at check-out" in bill and "Balance due at check-out" in bill and "EUR 107.00" in bill
    over = client.post(f"/hotel/reservations/{res.pk}/pay/", {"amount": "99999.00", "method": "CARD"})
    assert "confirm the overpayment" in [str(m) for m in get_messages(over.wsgi_request)][-1]
    client.post(f"/hotel/reservations/{res.pk}/pay/", {"amount": "207.00", "method": "CARD", "confirm_overpayment": "on"})
    page = client.get(f"/hotel/reservations/{res.pk}/").content.decode()
    assert "Credit <strong data-credit=\"20700\">EUR 207.00</strong>" in page and "Credit at check-out" in page and "Balance <strong>EUR -" not in page
    settled = client.post(f"/hotel/reservations/{res.pk}/pay-and-check-out/", {"expected": "-10000", "method": "CARD"}, follow=True)
    assert b"credit of EUR 100.00" in settled.content and Reservation.objects.get(pk=res.pk).status == Reservation.CHECKED_IN


def test_settle_and_check_out_through_the_api(owner_api, tenant, taxed):
    res = _in_house(tenant, taxed)
    url = f"/api/v1/hotel/reservations/{res.pk}/settle-and-check-out"
    stale = owner_api.post(url, {"expected_cents": 100, "method": "CASH"})
    assert stale.status_code == 409 and stale.json()["code"] == "balance_changed" and "EUR 107.00" in stale.json()["detail"]
    assert owner_api.post(url, {"expected_cents": NIGHT, "amount_cents": NIGHT}).status_code == 422
    done = owner_api.post(url, {"expected_cents": NIGHT, "method": "CASH", "reference": "till 1"})
    assert done.status_code == 200 and done.json()["status"] == "CHECKED_OUT"
    assert owner_api.get(f"/api/v1/hotel/reservations/{res.pk}/folio").json()["balance_cents"] == 0
