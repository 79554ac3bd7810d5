"""People, roles (rows holding permission lists), memberships and API tokens."""
from __future__ import annotations

import hashlib

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdfast.core.tenancy.models import Tenant, TenantOwnedQuerySet


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. What they may do comes from memberships, not from flags.

    `is_staff`/`is_superuser` only open Django's back-office admin; holdfast's own checks read roles.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class Role(models.Model):
    """A named list of permission codes/patterns. tenant NULL = platform role (Super Admin)."""

    SCOPE_TENANT = "tenant"
    SCOPE_PLATFORM = "platform"

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="roles")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=[(SCOPE_TENANT, "Tenant"), (SCOPE_PLATFORM, "Platform")], default=SCOPE_TENANT)
    permissions = models.JSONField(default=list, blank=True)
    is_builtin = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="role_key_unique_per_tenant"),
            models.UniqueConstraint(fields=["key"], condition=Q(tenant__isnull=True), name="platform_role_key_unique"),
            models.CheckConstraint(condition=Q(tenant__isnull=True, scope="platform") | Q(tenant__isnull=False, scope="tenant"), name="role_scope_matches_tenant"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """user × tenant × role. tenant NULL with a platform role makes a platform super admin."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant"),
            models.UniqueConstraint(fields=["user"], condition=Q(tenant__isnull=True), name="membership_unique_platform"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant or 'platform'} as {self.role}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """An integration credential scoped to one tenant, acting as one user. Only its hash is stored."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginAttempt(models.Model):
    """Every login attempt, for throttling (kept in the database so it holds across web processes)."""

    email = models.CharField(max_length=254, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip_address", "at"], name="loginattempt_ip_at")]
