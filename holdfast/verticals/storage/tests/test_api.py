"""The storage API: the customer's booking flow and the back office, problem bodies with stable codes,
strict input, soft delete, the finder, media upload, receipts."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.verticals.storage import services
from holdfast.verticals.storage.models import Facility

from .factories import PNG, FacilityFactory, FeatureFactory, today

pytestmark = pytest.mark.django_db
API = "/api/v1/storage"


def days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


def test_customer_finds_quotes_holds_pays_and_confirms(api_as, tenant, shipper, facility):
    api = api_as(shipper[0], tenant)
    hits = api.get(f"{API}/facilities", {"start_date": days(1), "end_date": days(4), "pallets": 3}).json()
    assert [h["facility"]["name"] for h in hits] == ["North Dock"] and hits[0]["free_pallets"] == 10
    quote = api.get(f"{API}/quote", {"facility_pk": facility.pk, "start_date": days(1), "end_date": days(4), "pallets": 3}).json()
    assert quote["total_minor"] == 150 * 3 * 3 and quote["lines"][0]["calculation"] == "PALLET_PER_DAY"
    response = api.post(f"{API}/bookings", {"facility_pk": facility.pk, "start_date": days(1), "end_date": days(4), "pallets": 3})
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["status"] == "HELD" and booking["hold_status"] == "ACTIVE" and booking["base_price_minor"] == 1350 and not booking["price_locked"]
    assert api.get(f"{API}/facilities/{facility.pk}/slots", {"start_date": days(1), "end_date": days(2)}).json()[0]["held"] == 3
    assert api.get(f"{API}/bookings").json()["count"] == 1
    confirmed = api.post(f"{API}/bookings/{booking['id']}/confirm").json()
    assert confirmed["status"] == "CONFIRMED" and confirmed["price_locked"]
    assert len(api.get(f"{API}/bookings/{booking['id']}/pricing").json()) == 1
    assert [h["to_status"] for h in api.get(f"{API}/bookings/{booking['id']}/history").json()] == ["NEW", "HELD", "CONFIRMED"]
    invoices = api.get(f"{API}/invoices").json()
    assert len(invoices) == 1 and invoices[0]["remaining_minor"] == 1350
    paid = api.post(f"{API}/bookings/{booking['id']}/payments", {"amount_minor": 1350, "method": "CARD"})
    assert paid.status_code == 201, paid.content
    assert api.get(f"{API}/bookings/{booking['id']}").json()["outstanding_minor"] == 0
    assert api.get(f"{API}/invoices").json()[0]["status"] == "PAID"
    # Back-office reads stay closed to customers.
    assert api.get(f"{API}/companies").status_code == 403
    assert api.post(f"{API}/prices/base", {"name": "x", "rate_minor": 1, "effective_from": days(0)}).status_code == 403


def test_refusals_are_problem_bodies_with_stable_codes(api_as, tenant, shipper, shipper2, facility):
    api = api_as(shipper[0], tenant)
    full = api.post(f"{API}/bookings", {"facility_pk": facility.pk, "start_date": days(1), "end_date": days(3), "pallets": 11})
    assert full.status_code == 409 and full.json()["code"] == "capacity_exceeded" and full["Content-Type"] == "application/problem+json"
    typo = api.post(f"{API}/bookings", {"facility_pk": facility.pk, "start_date": days(1), "end_date": days(3), "palets": 1})
    assert typo.status_code == 422
    past = api.post(f"{API}/bookings", {"facility_pk": facility.pk, "start_date": days(-2), "end_date": days(1), "pallets": 1})
    assert past.status_code == 422 and "start_date" in past.json()["errors"]
    mine = api.post(f"{API}/bookings", {"facility_pk": facility.pk, "start_date": days(1), "end_date": days(3), "pallets": 1}).json()
    other = api_as(shipper2[0], tenant)
    assert other.get(f"{API}/bookings/{mine['id']}").status_code == 404
    assert other.post(f"{API}/bookings/{mine['id']}/cancel").status_code == 404
    assert other.get(f"{API}/bookings").json()["count"] == 0
    api.post(f"{API}/bookings/{mine['id']}/cancel", {"reason": "changed plans"})
    again = api.post(f"{API}/bookings/{mine['id']}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_back_office_companies_facilities_slots_features_prices_taxes(owner_api, tenant, shipper, api_as):
    company = owner_api.post(f"{API}/companies", {"name": "PalletPoint", "address_line1": "1 Jalan", "country": "my", "latitude": 3.1, "longitude": 101.6})
    assert company.status_code == 201, company.content
    cid = company.json()["id"]
    assert company.json()["country"] == "MY" and company.json()["company_id"].startswith("CMP-")
    facility = owner_api.post(f"{API}/facilities", {"company_pk": cid, "name": "Shah Alam", "address_line1": "2 Jalan", "country": "MY", "state": "Selangor",
                                                  "latitude": 3.07, "longitude": 101.52, "time_zone": "Asia/Kuala_Lumpur", "open_hours": "08:00-18:00",
                                                  "cutoff_time": "15:00", "max_pallet_height_cm": "180", "currency": "MYR"})
    assert facility.status_code == 201, facility.content
    fid = facility.json()["id"]
    assert facility.json()["open_hours"]["mon"] == [["08:00", "18:00"]] and facility.json()["cutoff_time"] == "15:00"
    bad = owner_api.post(f"{API}/facilities", {"company_pk": cid, "name": "X", "address_line1": "y", "open_hours": {"mon": [["18:00", "08:00"]]}})
    assert bad.status_code == 422 and "open_hours" in bad.json()["errors"]
    slots = owner_api.put(f"{API}/facilities/{fid}/slots", {"start_date": days(0), "end_date": days(10), "capacity": 40,
                                                          "policy": {"deposit_required": True, "deposit_minor": 5000, "free_cancellation": True, "cancellation_minor": 2000,
                                                                     "cancellation_unit": "HOURS", "cancellation_window": 48}})
    assert slots.status_code == 200, slots.content
    assert slots.json()[0]["capacity"] == 40 and slots.json()[0]["deposit_minor"] == 5000
    feature = owner_api.post(f"{API}/features", {"code": "cold_storage", "name": "Cold storage"}).json()
    assert feature["code"] == "COLD_STORAGE"
    assert owner_api.post(f"{API}/facilities/{fid}/features", {"feature_pk": feature["id"]}).json()["is_active"]
    assert owner_api.post(f"{API}/prices/base", {"name": "Standard", "rate_minor": 250, "effective_from": days(-1), "facility_pk": fid}).status_code == 201
    fp = owner_api.post(f"{API}/prices/features", {"feature_pk": feature["id"], "name": "Cold", "calculation": "PERCENTAGE_ON_BASE", "value": "20", "effective_from": days(-1), "currency": "MYR"})
    assert fp.status_code == 201, fp.content
    assert owner_api.post(f"{API}/taxes", {"name": "SST", "rate": "6", "effective_from": days(-1), "country": "MY"}).status_code == 201
    hits = owner_api.get(f"{API}/facilities", {"lat": 3.1, "lng": 101.6, "radius_km": 50, "features": "COLD_STORAGE"}).json()
    assert [h["facility"]["id"] for h in hits] == [fid] and 0 < hits[0]["distance_km"] < 20
    assert owner_api.get(f"{API}/facilities", {"lat": 52.5, "lng": 13.4, "radius_km": 50}).json() == []
    too_tall = api_as(shipper[0], tenant).post(f"{API}/bookings", {"facility_pk": fid, "start_date": days(2), "end_date": days(4), "pallets": 1, "pallet_height_cm": "200"})
    assert too_tall.status_code == 422 and "pallet_height_cm" in too_tall.json()["errors"]
    q = owner_api.get(f"{API}/quote", {"facility_pk": fid, "start_date": days(2), "end_date": days(4), "pallets": 2, "features": "COLD_STORAGE"}).json()
    assert (q["base_price_minor"], q["features_price_minor"], q["tax_minor"], q["deposit_minor"]) == (1000, 200, 72, 5000)
    assert {r["product_code"] for r in owner_api.get(f"{API}/prices").json()} == {"base", "COLD_STORAGE"}
    assert owner_api.get(f"{API}/taxes").json()[0]["name"] == "SST"
    assert owner_api.get(f"{API}/prices/preview", {"effective_from": days(0)}).json() == {"repriced": [], "locked": []}
    # Soft delete hides and restores.
    assert owner_api.delete(f"{API}/facilities/{fid}").json()["is_deleted"]
    assert owner_api.get(f"{API}/facilities").json() == []
    assert owner_api.delete(f"{API}/companies/{cid}").status_code == 200
    assert owner_api.get(f"{API}/companies").json() == []
    assert owner_api.post(f"{API}/companies/{cid}/restore").json()["is_deleted"] is False
    assert owner_api.post(f"{API}/facilities/{fid}/restore").json()["is_deleted"] is False


def test_a_company_with_live_facilities_is_not_deleted(owner_api, facility):
    response = owner_api.delete(f"{API}/companies/{facility.company_id}")
    assert response.status_code == 409 and response.json()["code"] == "company_has_facilities"


def test_media_upload_through_the_storage_api_and_shown_on_the_facility(owner_api, tenant, facility, web_as, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = owner_api.client.post(f"{API}/facilities/{facility.pk}/media", {"file": SimpleUploadedFile("dock.png", PNG, content_type="image/png"), "caption": "Dock"},
                                     HTTP_AUTHORIZATION=f"Bearer {owner_api.raw_token}")
    assert response.status_code == 201, response.content
    media = response.json()
    assert media["kind"] == "PHOTO" and media["file_id"].endswith(".png")
    wrong = owner_api.client.post(f"{API}/facilities/{facility.pk}/media", {"file": SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")},
                                  HTTP_AUTHORIZATION=f"Bearer {owner_api.raw_token}")
    assert wrong.status_code == 422 and "file" in wrong.json()["errors"]
    assert [m["id"] for m in owner_api.get(f"{API}/facilities/{facility.pk}/media").json()] == [media["id"]]
    assert owner_api.delete(f"{API}/media/{media['id']}").status_code == 200
    assert owner_api.get(f"{API}/facilities/{facility.pk}/media").json() == []


def test_bulk_receipt_pays_two_invoices(owner_api, tenant, manager, shipper, facility):
    ids = []
    for n in (2, 4):
        b = services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=today() + dt.timedelta(days=1), end_date=today() + dt.timedelta(days=1 + n),
                                  pallets=1, customer_id=shipper[1].pk)
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=b.pk)
        ids.append(b.pk)
    invoices = owner_api.get(f"{API}/invoices", {"customer_id": shipper[1].pk}).json()
    receipt = owner_api.post(f"{API}/receipts", {"customer_id": shipper[1].pk, "amount_minor": 900, "invoice_ids": [i["id"] for i in invoices], "reference": "BULK"})
    assert receipt.status_code == 201, receipt.content
    assert receipt.json()["allocated_minor"] == 900
    assert {i["status"] for i in owner_api.get(f"{API}/invoices").json()} == {"PAID"}
    assert len(owner_api.get(f"{API}/bookings/{ids[0]}/receipts").json()) == 1


def test_staff_extend_holds_and_customers_may_not(api_as, staff_api, tenant, shipper, held):
    assert api_as(shipper[0], tenant).post(f"{API}/bookings/{held.pk}/extend", {"minutes": 30}).status_code == 403
    response = staff_api.post(f"{API}/bookings/{held.pk}/extend", {"minutes": 30})
    assert response.status_code == 200 and response.json()["hold_expires_at"] > held.booking.hold.expires_at.isoformat().replace("+00:00", "")


def test_inactive_facility_refuses_bookings_with_a_code(api_as, tenant, shipper):
    facility = FacilityFactory(tenant=tenant, status=Facility.MAINTENANCE)
    FeatureFactory(tenant=tenant)
    response = api_as(shipper[0], tenant).post(f"{API}/bookings", {"facility_pk": facility.pk, "start_date": days(1), "end_date": days(2), "pallets": 1})
    assert response.status_code == 409 and response.json()["code"] == "facility_not_active"
