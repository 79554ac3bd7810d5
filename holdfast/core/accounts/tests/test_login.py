"""Login throttling, AUTH system logs and the password-reset email."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client

from holdfast.core.accounts import services
from holdfast.core.accounts.models import LoginAttempt
from holdfast.core.audit.models import SystemLog
from holdfast.kit.errors import Throttled
from tests.factories import PASSWORD


def attempt(client, email, password):
    return client.post("/login/", {"email": email, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
class TestThrottling:
    def test_failures_lock_the_account_with_a_clear_message_even_for_the_right_password(self, owner, settings):
        client = Client()
        for _ in range(settings.LOGIN_MAX_FAILURES):
            response = attempt(client, owner.email, "wrong-password")
            assert response.status_code == 400 and not is_logged_in(client)
        locked = attempt(client, owner.email, PASSWORD)
        assert not is_logged_in(client)
        assert "Too many failed logins" in locked.content.decode()

    def test_the_lock_lifts_after_the_window(self, owner, settings):
        client = Client()
        for _ in range(settings.LOGIN_MAX_FAILURES):
            attempt(client, owner.email, "wrong-password")
        with pytest.raises(Throttled):
            services.check_login_allowed(owner.email, "127.0.0.1")
        past = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
        for row in LoginAttempt.objects.all():
            LoginAttempt.objects.filter(pk=row.pk).update(at=row.at - past)
        response = attempt(client, owner.email, PASSWORD)
        assert response.status_code == 302 and is_logged_in(client)

    def test_fewer_failures_than_the_limit_still_let_the_right_password_in(self, owner, settings):
        client = Client()
        for _ in range(settings.LOGIN_MAX_FAILURES - 1):
            attempt(client, owner.email, "wrong-password")
        assert attempt(client, owner.email, PASSWORD).status_code == 302

    def test_guessing_across_emails_from_one_address_is_throttled_with_a_larger_allowance(self, owner, settings):
        for n in range(settings.LOGIN_MAX_FAILURES_PER_ADDRESS - 1):
            services.record_login(email=f"guess{n}@example.com", ip="203.0.113.9", succeeded=False)
        services.check_login_allowed(owner.email, "203.0.113.9")  # colleagues behind the same NAT still get in
        services.record_login(email="one-more@example.com", ip="203.0.113.9", succeeded=False)
        with pytest.raises(Throttled) as info:
            services.check_login_allowed(owner.email, "203.0.113.9")
        assert info.value.code == "login_throttled" and info.value.status == 429
        services.check_login_allowed(owner.email, "198.51.100.1")  # another address is not affected


@pytest.mark.django_db
def test_logins_failures_and_throttling_are_written_to_auth_system_logs(owner, settings):
    client = Client()
    attempt(client, owner.email, "wrong-password")
    attempt(client, owner.email, PASSWORD)
    logs = SystemLog.objects.filter(log_type=SystemLog.AUTH)
    assert logs.filter(message="login failed", severity=SystemLog.WARN, metadata__email=owner.email).count() == 1
    assert logs.filter(message="login succeeded", user=owner).count() == 1
    for _ in range(settings.LOGIN_MAX_FAILURES):
        attempt(Client(), owner.email, "wrong-password")
    assert logs.filter(message="login throttled").exists()


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(owner):
    client = Client()
    response = client.post("/password-reset/", {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    link = re.search(r"https?://[^/\s]+(/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = client.post(set_password_url, {"new_password1": "a-brand-new-passphrase-42", "new_password2": "a-brand-new-passphrase-42"})
    assert done.status_code == 302 and "reset/done" in done.url
    fresh = Client()
    assert attempt(fresh, owner.email, "a-brand-new-passphrase-42").status_code == 302 and is_logged_in(fresh)
    assert attempt(Client(), owner.email, PASSWORD).status_code == 400


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing_and_reveals_nothing(client):
    response = client.post("/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302 and len(mail.outbox) == 0
