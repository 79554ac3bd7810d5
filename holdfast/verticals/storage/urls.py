from django.urls import path

from . import views

app_name = "storage"

urlpatterns = [
    path("", views.board, name="board"),
    path("calendar/", views.capacity_calendar, name="calendar"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/<int:facility_id>/", views.facility_page, name="facility"),
    path("facilities/<int:facility_id>/quote/", views.quote_partial, name="quote"),
    path("facilities/<int:facility_id>/book/", views.book, name="book"),
    path("facilities/<int:facility_id>/<slug:action>/", views.facility_action, name="facility_action"),
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking"),
    path("bookings/<int:booking_id>/<slug:action>/", views.booking_action, name="booking_action"),
    path("money/", views.money, name="money"),
    path("prices/", views.prices, name="prices"),
    path("find/", views.finder, name="finder"),
    path("my/", views.my_bookings, name="my_bookings"),
    path("media/<int:media_id>/", views.media_file, name="media"),
]
