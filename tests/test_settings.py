"""The production profile refuses unsafe secrets and turns on the transport and browser protections."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from holdfast.config import settings as main_settings

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({k: getattr(settings, k, None) for k in ("
    "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_SSL_REDIRECT', 'MIDDLEWARE', 'SECURE_CSP', 'PASSWORD_HASHERS', 'SESSION_COOKIE_HTTPONLY')}, default=str))"
)
GOOD_KEY = "q8Vt3kP0zX_w7Lr2mN5bY9cJ4hF6dS1aG0eT8uI3oK7pQ2vW5xZ9"


def run_production(secret_key: str | None, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(HOLDFAST_PROFILE="production", DJANGO_SETTINGS_MODULE="holdfast.config.settings", DATABASE_URL="sqlite:////tmp/hf-settings-probe.sqlite3", **extra_env)
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "too-short-secret", main_settings.DEV_SECRET, "django-insecure-" + "x1y2z3" * 10, "a" * 80],
    ids=["missing", "empty", "short", "dev-default", "django-insecure", "low-entropy"],
)
def test_production_profile_refuses_unsafe_secret_key(secret_key):
    result = run_production(secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_profile_with_good_key_is_locked_down():
    result = run_production(GOOD_KEY)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in values["MIDDLEWARE"]
    assert "django.middleware.security.SecurityMiddleware" in values["MIDDLEWARE"]
    assert values["SECURE_CSP"]["default-src"] == ["'self'"]
    assert values["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")


def test_production_profile_refuses_debug_on():
    result = run_production(GOOD_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG cannot be on" in result.stderr


def test_argon2_is_the_first_password_hasher_of_the_main_settings():
    assert main_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    from django.contrib.auth.hashers import Argon2PasswordHasher

    encoded = Argon2PasswordHasher().encode("correct-horse-battery-staple", Argon2PasswordHasher().salt())
    assert encoded.startswith("argon2$") and Argon2PasswordHasher().verify("correct-horse-battery-staple", encoded)


def test_development_profile_keeps_csp_and_security_middleware():
    assert "django.middleware.csp.ContentSecurityPolicyMiddleware" in main_settings.MIDDLEWARE
    assert main_settings.SESSION_COOKIE_HTTPONLY is True
    assert main_settings.X_FRAME_OPTIONS == "DENY"
