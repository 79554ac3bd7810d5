"""factory_boy factories for every model of the foundation. Verticals add theirs beside their tests."""
from __future__ import annotations

import factory
from django.utils import timezone

from holdfast.core.accounts.models import ApiToken, Membership, Role, User, hash_token
from holdfast.core.accounts.services import ensure_builtin_roles, ensure_platform_roles
from holdfast.core.audit.models import AuditEntry, SystemLog
from holdfast.core.customers.models import Customer
from holdfast.core.events.models import IdempotencyKey, Notification, OutboxEvent, WebhookDelivery, WebhookEndpoint
from holdfast.core.tenancy.models import DEFAULT_SETTINGS, VERTICALS, Tenant

PASSWORD = "correct-horse-battery-staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Business {n}")
    slug = factory.Sequence(lambda n: f"business-{n}")
    currency = "USD"
    time_zone = "Europe/Berlin"
    country = "DE"
    settings = factory.LazyFunction(lambda: dict(DEFAULT_SETTINGS))
    enabled_verticals = factory.LazyFunction(lambda: list(VERTICALS))  # every vertical: a guard 404s the others (tests narrow it)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if create:
            ensure_builtin_roles(obj)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"custom-{n}")
    name = factory.Sequence(lambda n: f"Custom role {n}")
    permissions = factory.LazyFunction(lambda: ["customers.view"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = factory.LazyAttribute(lambda o: Role.objects.get(tenant=o.tenant, key="admin"))


def member(tenant, role_key: str, **user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, tenant=tenant, role=Role.objects.get(tenant=tenant, key=role_key))
    return user


def platform_admin(**user_kwargs) -> User:
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, tenant=None, role=ensure_platform_roles())
    return user


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    name = "integration"
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    token_hash = factory.LazyAttribute(lambda o: hash_token(f"hf_{o.prefix}_secret"))


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = factory.Sequence(lambda n: f"+49 30 {n:07d}")


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    tenant = factory.SubFactory(TenantFactory)
    entity_type = "customers.customer"
    entity_id = "1"
    action = "customers.customer.created"


class SystemLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemLog

    log_type = SystemLog.SYSTEM
    message = "something happened"


class OutboxEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEvent

    tenant = factory.SubFactory(TenantFactory)
    event_type = "booking:created"
    payload = factory.LazyFunction(lambda: {"id": 1})


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    tenant = factory.SubFactory(TenantFactory)
    url = "http://127.0.0.1:9/hook"
    secret = "whsec_test"


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    tenant = factory.LazyAttribute(lambda o: o.endpoint.tenant)
    event = factory.LazyAttribute(lambda o: OutboxEventFactory(tenant=o.endpoint.tenant))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    tenant = factory.SubFactory(TenantFactory)
    recipient = factory.SubFactory(UserFactory)
    event_type = "booking:created"
    title = "New booking"


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyKey

    tenant = factory.SubFactory(TenantFactory)
    key = factory.Sequence(lambda n: f"key-{n}")
    method = "POST"
    path = "/api/v1/customers"
    request_hash = "0" * 64
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=24))
