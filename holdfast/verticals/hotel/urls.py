from django.urls import path

from . import views

app_name = "hotel"

urlpatterns = [
    path("", views.home, name="home"),
    path("tape/", views.tape_chart, name="tape"),
    path("availability/", views.availability, name="availability"),
    path("reservations/", views.reservation_list, name="reservations"),
    path("reservations/new/", views.reservation_new, name="reservation_new"),
    path("reservations/<int:reservation_id>/", views.reservation_detail, name="reservation"),
    path("reservations/<int:reservation_id>/folio.pdf", views.folio_pdf, name="folio_pdf"),
    path("reservations/<int:reservation_id>/<slug:action>/", views.reservation_action, name="reservation_action"),
    path("front-desk/", views.frontdesk, name="frontdesk"),
    path("front-desk/walk-in/", views.walk_in, name="walk_in"),
    path("housekeeping/", views.housekeeping, name="housekeeping"),
    path("housekeeping/rooms/<int:room_id>/", views.room_status, name="room_status"),
    path("housekeeping/blocks/", views.room_block, name="room_block"),
    path("occupancy/", views.occupancy, name="occupancy"),
    path("occupancy/night-audit/", views.night_audit, name="night_audit"),
]
