from django.urls import path

from . import views

app_name = "petcare"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/new/", views.create_job, name="create_job"),
    path("jobs/recurring/", views.book_series, name="book_series"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/<slug:action>/", views.job_action, name="job_action"),
    path("clients/", views.clients, name="clients"),
    path("clients/<int:customer_id>/", views.client_detail, name="client"),
    path("walkers/", views.walkers, name="walkers"),
    path("services/", views.service_list, name="services"),
    path("finance/", views.finance, name="finance"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/time-off/", views.ask_time_off, name="ask_time_off"),
    path("schedule/ical/rotate/", views.rotate_ical, name="rotate_ical"),
    path("ical/<str:token>.ics", views.ical, name="ical"),
    path("portal/", views.portal, name="portal"),
    path("feedback/", views.feedback, name="feedback"),
    path("platform/", views.platform, name="platform"),
]
