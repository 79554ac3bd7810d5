from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT, PatchSchema

# Tenant settings that hold secrets (write-only in every answer).
SECRET_SETTINGS = frozenset({"stripe_webhook_secret"})


def public_settings(values: dict | None) -> dict:
    shown = {k: v for k, v in (values or {}).items() if k not in SECRET_SETTINGS}
    shown.update({f"{k}_is_set": bool((values or {}).get(k)) for k in SECRET_SETTINGS})
    return shown


class TenantOut(Schema):
    id: int
    name: str
    slug: str
    currency: str
    time_zone: str
    country: str
    region: str
    settings: dict
    enabled_verticals: list[str]
    is_active: bool
    version: int

    @staticmethod
    def resolve_settings(obj) -> dict:
        # Secrets are write-only: an answer says that one is set, never what it is.
        return public_settings(obj.settings)


class TenantPatch(PatchSchema):
    model_config = STRICT_INPUT
    version: int
    name: str | None = None
    currency: str | None = None
    time_zone: str | None = None
    country: str | None = None
    region: str | None = None
    enabled_verticals: list[str] | None = None
    settings: dict | None = None


class TenantCreate(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=200)
    slug: str | None = None
    currency: str = "USD"
    time_zone: str = "UTC"
    country: str = ""
    region: str = ""
    enabled_verticals: list[str] = []
    owner_email: str | None = None


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    tenant: TenantOut | None
    role: str | None
    is_platform_admin: bool
    permissions: list[str]


class RoleOut(Schema):
    id: int
    key: str
    name: str
    permissions: list[str]
    is_builtin: bool
    version: int


class RoleIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=100)
    key: str | None = None
    permissions: list[str]


class RolePatch(PatchSchema):
    model_config = STRICT_INPUT
    version: int
    name: str | None = None
    permissions: list[str] | None = None


class MemberOut(Schema):
    id: int
    user_id: int
    email: str = Field(..., alias="user.email")
    full_name: str = Field(..., alias="user.full_name")
    role: str = Field(..., alias="role.key")
    is_active: bool
    created_at: dt.datetime


class MemberIn(Schema):
    model_config = STRICT_INPUT
    email: str
    role: str
    full_name: str = ""
    password: str | None = None


class MemberRolePatch(Schema):
    model_config = STRICT_INPUT
    role: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    user_id: int
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    model_config = STRICT_INPUT
    name: str = Field(..., min_length=1, max_length=100)
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class TokenCreated(TokenOut):
    token: str


class PermissionOut(Schema):
    code: str
    description: str
