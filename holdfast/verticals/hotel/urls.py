from django.urls import path

from . import views, views_setup

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
    path("setup/", views_setup.setup_home, name="setup"),
    path("setup/properties/new/", views_setup.property_new, name="setup_property_new"),
    path("setup/properties/<int:property_id>/", views_setup.property_edit, name="setup_property"),
    path("setup/properties/<int:property_id>/room-types/", views_setup.room_type_list, name="setup_room_types"),
    path("setup/properties/<int:property_id>/room-types/new/", views_setup.room_type_new, name="setup_room_type_new"),
    path("setup/room-types/<int:room_type_id>/", views_setup.room_type_edit, name="setup_room_type"),
    path("setup/room-types/<int:room_type_id>/restrictions/", views_setup.room_type_restrictions, name="setup_restrictions"),
    path("setup/properties/<int:property_id>/rooms/", views_setup.room_list, name="setup_rooms"),
    path("setup/properties/<int:property_id>/rooms/new/", views_setup.room_new, name="setup_room_new"),
    path("setup/rooms/<int:room_id>/", views_setup.room_edit, name="setup_room"),
    path("setup/properties/<int:property_id>/rate-plans/", views_setup.rate_plan_list, name="setup_rate_plans"),
    path("setup/properties/<int:property_id>/rate-plans/new/", views_setup.rate_plan_new, name="setup_rate_plan_new"),
    path("setup/rate-plans/<int:rate_plan_id>/", views_setup.rate_plan_edit, name="setup_rate_plan"),
    path("setup/rate-plans/<int:rate_plan_id>/prices/", views_setup.rate_plan_price, name="setup_price"),
]
