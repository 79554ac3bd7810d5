"""Every storage screen renders for the roles that use it, and the web actions call the same services."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from holdfast.verticals.storage import services
from holdfast.verticals.storage.models import FacilityMedia, StorageBooking

from .factories import PNG, FeatureFactory, today

pytestmark = pytest.mark.django_db


def test_staff_screens_render(web_as, tenant, owner, manager, staff, facility, held):
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=held.pk)
    for user in (owner, manager, staff):
        web = web_as(user)
        for url in ("/storage/", "/storage/calendar/", f"/storage/calendar/?facility={facility.pk}", "/storage/facilities/", f"/storage/facilities/{facility.pk}/",
                    f"/storage/bookings/{held.pk}/", "/storage/money/", "/storage/prices/", f"/storage/prices/?preview_from={today().isoformat()}", "/storage/find/"):
            response = web.get(url)
            assert response.status_code == 200, (user.email, url, response.status_code)
    page = web_as(manager).get("/storage/").content.decode()
    assert held.booking_ref in page and "Storage bookings" in page
    calendar = web_as(manager).get(f"/storage/calendar/?facility={facility.pk}").content.decode()
    assert 'class="day high' not in calendar and "free" in calendar
    assert "Overlapping periods" in web_as(manager).get("/storage/prices/").content.decode()
    assert held.booking_ref in web_as(manager).get(f"/storage/prices/?preview_from={today().isoformat()}").content.decode()


def test_customer_books_in_the_portal(web_as, tenant, shipper, facility, tomorrow):
    web = web_as(shipper[0])
    assert "North Dock" in web.get("/storage/").get("Location", "") or web.get("/storage/").status_code == 302
    assert "North Dock" in web.get("/storage/find/", {"start_date": tomorrow.isoformat(), "end_date": (tomorrow + dt.timedelta(days=2)).isoformat(), "pallets": 2}).content.decode()
    quote = web.get(f"/storage/facilities/{facility.pk}/quote/", {"start_date": tomorrow.isoformat(), "end_date": (tomorrow + dt.timedelta(days=2)).isoformat(), "pallets": 2}).content.decode()
    assert 'data-total="600"' in quote
    response = web.post(f"/storage/facilities/{facility.pk}/book/", {"start_date": tomorrow.isoformat(), "end_date": (tomorrow + dt.timedelta(days=2)).isoformat(), "pallets": 2})
    assert response.status_code == 302
    booking = StorageBooking.objects.get(customer=shipper[1])
    assert booking.status == "HELD" and response["Location"] == f"/storage/bookings/{booking.pk}/"
    assert booking.booking_ref in web.get("/storage/my/").content.decode()
    web.post(f"/storage/bookings/{booking.pk}/confirm/")
    assert StorageBooking.objects.get(pk=booking.pk).status == "CONFIRMED"
    web.post(f"/storage/bookings/{booking.pk}/pay/", {"amount": "6.00"})
    page = web.get(f"/storage/bookings/{booking.pk}/").content.decode()
    assert "locked at confirmation" in page and 'data-outstanding>' in page
    for url in ("/storage/calendar/", "/storage/money/", "/storage/prices/", "/storage/facilities/"):
        assert web.get(url).status_code == 403, url


def test_a_refused_booking_shows_a_message_not_an_error(web_as, tenant, shipper, facility, tomorrow):
    response = web_as(shipper[0]).post(f"/storage/facilities/{facility.pk}/book/", {"start_date": tomorrow.isoformat(), "end_date": (tomorrow + dt.timedelta(days=2)).isoformat(),
                                                                                    "pallets": 50}, follow=True)
    assert response.status_code == 200 and "Not enough pallets left on" in response.content.decode()
    quote = web_as(shipper[0]).get(f"/storage/facilities/{facility.pk}/quote/", {"start_date": tomorrow.isoformat(), "end_date": tomorrow.isoformat(), "pallets": 1}).content.decode()
    assert "data-refusal" in quote


def test_someone_elses_booking_is_404_on_the_screens(web_as, shipper2, held):
    web = web_as(shipper2[0])
    assert web.get(f"/storage/bookings/{held.pk}/").status_code == 404
    assert web.post(f"/storage/bookings/{held.pk}/cancel/").status_code == 404


def test_back_office_forms_create_open_price_and_receive(web_as, tenant, owner, manager, shipper, facility, tomorrow):
    web = web_as(owner)
    web.post("/storage/facilities/", {"form": "company", "name": "Second Co", "address_line1": "9 Road", "country": "SG"})
    from holdfast.verticals.storage.models import Company, Facility

    company = Company.objects.get(name="Second Co")
    response = web.post("/storage/facilities/", {"form": "facility", "company_pk": company.pk, "name": "Tuas", "address_line1": "1 Tuas Ave", "country": "SG", "time_zone": "Asia/Singapore",
                                                 "open_hours": "07:00-19:00", "pallet_type": "Cold", "status": "ACTIVE"})
    new = Facility.objects.get(site__name="Tuas")
    assert response.status_code == 302 and new.site.opening_hours["sun"] == [["07:00", "19:00"]]
    web.post("/storage/calendar/", {"facility": new.pk, "start_date": today().isoformat(), "end_date": (today() + dt.timedelta(days=10)).isoformat(), "capacity": 25,
                                    "deposit_required": "on", "deposit": "50.00"})
    from holdfast.core.inventory.models import DailyCapacity

    assert DailyCapacity.objects.filter(pool_id=new.pool_id, capacity=25, deposit_minor=5000).count() == 10
    web.post("/storage/facilities/", {"form": "feature", "code": "CCTV", "name": "CCTV"})
    web.post("/storage/prices/", {"form": "base", "name": "Std", "rate": "2.50", "effective_from": today().isoformat(), "facility_pk": new.pk})
    web.post("/storage/prices/", {"form": "tax", "name": "GST", "rate": "9", "country": "SG", "effective_from": today().isoformat()})
    from holdfast.core.billing.models import PriceRule, TaxRule

    assert PriceRule.objects.filter(site_id=new.site_id, amount_minor=250).exists() and TaxRule.objects.filter(name="GST").exists()
    web.post(f"/storage/facilities/{new.pk}/media/", {"file": SimpleUploadedFile("bay.png", PNG, content_type="image/png"), "caption": "Bay"})
    media = FacilityMedia.objects.get(facility=new)
    assert web.get(f"/storage/media/{media.pk}/").status_code == 200
    assert f"/storage/media/{media.pk}/" in web.get(f"/storage/facilities/{new.pk}/").content.decode()
    # Bulk receipt from the money screen.
    a = services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=tomorrow, end_date=tomorrow + dt.timedelta(days=2), pallets=1, customer_id=shipper[1].pk)
    b = services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=tomorrow, end_date=tomorrow + dt.timedelta(days=3), pallets=1, customer_id=shipper[1].pk)
    for x in (a, b):
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=x.pk)
    from holdfast.core.billing.models import Invoice

    ids = list(Invoice.objects.filter(booking_id__in=[a.pk, b.pk]).values_list("pk", flat=True))
    web.post("/storage/money/", {"customer_id": shipper[1].pk, "amount": "7.50", "invoice_ids": ids, "method": "BANK_TRANSFER", "reference": "BULK"})
    assert set(Invoice.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"PAID"}
    web.post(f"/storage/facilities/{new.pk}/delete/")
    assert Facility.objects.get(pk=new.pk).is_deleted
    FeatureFactory(tenant=tenant)


def test_navigation_shows_storage_to_staff_and_customers(web_as, tenant, manager, shipper):
    assert "/storage/calendar/" in web_as(manager).get("/storage/").content.decode()
    page = web_as(shipper[0]).get("/storage/find/").content.decode()
    assert "/storage/my/" in page and "/storage/calendar/" not in page
