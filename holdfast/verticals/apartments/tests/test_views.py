"""The apartments screens by role: a customer shops, configures (live total) and confirms; sales work
the board and the booking; the admin manages the catalogue and sees a price's impact before saving."""
from __future__ import annotations

import pytest
from django.test import Client

from holdfast.core.billing.models import Invoice
from holdfast.verticals.apartments.models import ApartmentBooking

from .factories import PNG

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def apartments_enabled(tenant):
    tenant.enabled_verticals = ["apartments"]
    tenant.save(update_fields=["enabled_verticals"])


def test_a_customer_books_configures_with_a_live_total_and_confirms(tenant, buyer, cat):
    web = login(buyer[0])
    page = web.get("/apartments/shop/").content.decode()
    assert "A-1" in page and "Book and configure" in page
    response = web.post(f"/apartments/units/{cat.listing.pk}/book/")
    ab = ApartmentBooking.objects.get(customer=buyer[1])
    assert response.status_code == 302 and response["Location"] == f"/apartments/bookings/{ab.pk}/configure/"
    page = web.get(response["Location"]).content.decode()
    assert "Gold" in page and f'name="addon_{cat.ac.pk}"' in page and 'max="3"' in page
    live = web.post(f"/apartments/bookings/{ab.pk}/preview/", {"package_id": cat.gold.pk, f"addon_{cat.ac.pk}": "4"}).content.decode()
    assert "12,000.00" in live and "between 1 and 3" in live  # the stepper's limit, told before saving
    live = web.post(f"/apartments/bookings/{ab.pk}/preview/", {"package_id": cat.gold.pk, f"addon_{cat.ac.pk}": "2"}).content.decode()
    assert "11,000.00" in live or "11000.00" in live, live
    response = web.post(f"/apartments/bookings/{ab.pk}/configure/", {"package_id": cat.gold.pk, f"addon_{cat.ac.pk}": "2", "then": "confirm", "payment_method": "CARD"}, follow=True)
    assert "Booking confirmed" in response.content.decode()
    ab.refresh_from_db()
    assert ab.status == "IN_PROGRESS" and ab.total_minor == 11_000_00 and ab.payment_method == "CARD"
    assert "In Progress" in web.get("/apartments/my/").content.decode()
    assert web.get("/apartments/board/").status_code == 403  # the board is for sales


def test_sales_move_bookings_on_the_board_approve_and_take_payments(tenant, sales, in_progress):
    web = login(sales)
    board = web.get("/apartments/board/").content.decode()
    assert "A-1" in board and "→ Under Review" in board
    web.post(f"/apartments/bookings/{in_progress.pk}/move/", {"to_status": "APPROVED", "next": "board"})  # not a step from In Progress
    assert ApartmentBooking.objects.get(pk=in_progress.pk).status == "IN_PROGRESS"
    response = web.post(f"/apartments/bookings/{in_progress.pk}/move/", {"to_status": "UNDER_REVIEW", "next": "board"}, follow=True)
    assert "Moved to Under Review" in response.content.decode()
    response = web.post(f"/apartments/bookings/{in_progress.pk}/approve/", follow=True)
    assert "Booking approved" in response.content.decode()
    response = web.post(f"/apartments/bookings/{in_progress.pk}/pay/", {"amount": "1000.01", "method": "CARD"}, follow=True)
    page = response.content.decode()
    assert "Payment recorded" in page and "12,399.99" in page or "12399.99" in page
    response = web.post(f"/apartments/bookings/{in_progress.pk}/pay/", {"amount": "99999.00", "method": "CARD"}, follow=True)
    assert "ask only" in response.content.decode()
    assert web.get("/apartments/").status_code == 200


def test_the_admin_sees_a_price_change_impact_before_saving(tenant, owner, cat, in_progress):
    web = login(owner)
    page = web.get(f"/apartments/prices/package/{cat.gold.pk}/", {"price": "11000.00"}).content.decode()
    assert f"#{in_progress.pk}" in page and "Save the new price" in page
    assert ApartmentBooking.objects.get(pk=in_progress.pk).total_minor == 13_400_00  # nothing saved yet
    response = web.post(f"/apartments/prices/package/{cat.gold.pk}/", {"price": "11000.00", "confirm": "yes", "version": "1"}, follow=True)
    assert "1 booking(s) repriced" in response.content.decode()
    assert ApartmentBooking.objects.get(pk=in_progress.pk).total_minor == 14_400_00
    assert Invoice.objects.get(booking_id=in_progress.pk, status="PENDING").total_minor == 14_400_00


def test_the_admin_manages_projects_apartments_and_photos(tenant, owner, cat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    web = login(owner)
    assert "Skyline One" in web.get("/apartments/catalogue/").content.decode()
    web.post("/apartments/catalogue/", {"what": "project", "project-name": "Skyline Two", "project-location": "Hamburg"})
    web.post("/apartments/catalogue/", {"what": "package", "package-name": "Diamond", "package-kind": "PLATINUM", "package-price": "20000"})
    page = web.get("/apartments/catalogue/").content.decode()
    assert "Skyline Two" in page and "Diamond" in page
    web.post(f"/apartments/projects/{cat.project.pk}/", {"name": "A-7", "kind": "PROJECT", "space_sqm": "55.5", "packages": [cat.gold.pk]})
    assert "A-7" in web.get(f"/apartments/projects/{cat.project.pk}/").content.decode()
    web.post(f"/apartments/units/{cat.listing.pk}/photo/", {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png"), "caption": "Balcony"})
    page = web.get(f"/apartments/units/{cat.listing.pk}/").content.decode()
    assert "Balcony" in page
    photo_id = cat.listing.photos.get().pk
    assert web.get(f"/apartments/photos/{photo_id}.img").content == PNG
    response = web.post(f"/apartments/projects/{cat.project.pk}/", {"name": "", "kind": "PROJECT", "space_sqm": "x" * 3000})
    assert response.status_code == 200  # a refusal is a page with messages, never a 500


def test_a_customer_cannot_open_someone_elses_booking(tenant, buyer2, pending):
    web = login(buyer2[0])
    assert web.get(f"/apartments/bookings/{pending.pk}/").status_code == 404
    assert web.get(f"/apartments/bookings/{pending.pk}/configure/").status_code == 404
    assert web.post(f"/apartments/bookings/{pending.pk}/confirm/").status_code == 404
