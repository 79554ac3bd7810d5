from django.urls import path

from . import views

app_name = "estate"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("approvals/", views.approvals, name="approvals"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:project_id>/", views.project_board, name="project"),
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking"),
    path("bookings/<int:booking_id>/<slug:action>/", views.booking_action, name="booking_action"),
    path("payments/<int:payment_id>/<slug:action>/", views.payment_action, name="payment_action"),
    path("leads/", views.leads, name="leads"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead"),
    path("leads/<int:lead_id>/<slug:action>/", views.lead_action, name="lead_action"),
    path("reviews/", views.moderation, name="moderation"),
    path("reviews/<int:review_id>/<slug:decision>/", views.moderate, name="moderate"),
    path("portal/", views.portal, name="portal"),
    path("portal/projects/<int:project_id>/", views.portal_project, name="portal_project"),
    path("portal/units/<int:unit_id>/hold/", views.request_hold, name="request_hold"),
    path("portal/review/", views.write_review, name="write_review"),
    path("my/", views.my_bookings, name="my_bookings"),
]
