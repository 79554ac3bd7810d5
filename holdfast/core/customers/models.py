"""The shared customer record: estate's Customer, apartments' Customer, storage's user, petcare's client, hotel's guest."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from holdfast.core.tenancy.models import TenantOwned


class Customer(TenantOwned):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    address = models.JSONField(default=dict, blank=True)  # line1, line2, city, region, postal_code, country
    notes = models.TextField(blank=True, default="")
    is_verified = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivation_reason = models.CharField(max_length=300, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer_profiles")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["tenant", "name"], name="customer_name_idx"),
            models.Index(fields=["tenant", "email"], name="customer_email_idx"),
            models.Index(fields=["tenant", "phone"], name="customer_phone_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], condition=models.Q(user__isnull=False), name="customer_one_profile_per_user"),
            models.CheckConstraint(condition=models.Q(is_active=True) | models.Q(deactivated_at__isnull=False), name="customer_deactivated_has_time"),
        ]

    def __str__(self) -> str:
        return self.name
