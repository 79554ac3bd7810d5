from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/stats/", views.dashboard_stats, name="dashboard_stats"),
    path("platform/", views.platform, name="platform"),
    path("platform/tenants/new/", views.platform_create_tenant, name="platform_create_tenant"),
    path("platform/logs/", views.platform_logs, name="platform_logs"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("switch-tenant/", views.switch_tenant, name="switch_tenant"),
    path("password-reset/", auth_views.PasswordResetView.as_view(template_name="web/password_reset.html", email_template_name="web/password_reset_email.txt", subject_template_name="web/password_reset_subject.txt", success_url=reverse_lazy("web:password_reset_done")), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html"), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(template_name="web/password_reset_confirm.html", success_url=reverse_lazy("web:password_reset_complete")), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(template_name="web/password_reset_complete.html"), name="password_reset_complete"),
]
