from __future__ import annotations

import datetime as dt

from ninja import Router, Schema

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.api import ProblemSchema, paginate

from . import selectors

router = Router(tags=["audit"])


class AuditOut(Schema):
    id: int
    actor_id: int | None
    actor_label: str
    entity_type: str
    entity_id: str
    action: str
    diff: dict
    correlation_id: str
    occurred_at: dt.datetime


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AuditOut]


class SystemLogOut(Schema):
    id: int
    log_type: str
    severity: str
    message: str
    metadata: dict
    user_id: int | None
    created_at: dt.datetime


class SystemLogPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SystemLogOut]


@router.get("/entries", response={200: AuditPage, 401: ProblemSchema, 403: ProblemSchema})
def list_audit_entries(request, entity_type: str | None = None, entity_id: str | None = None, action: str | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "audit.view")
    return paginate(selectors.audit_entries(request.tenant, entity_type=entity_type, entity_id=entity_id, action_prefix=action), page, page_size)


@router.get("/logs", response={200: SystemLogPage, 401: ProblemSchema, 403: ProblemSchema})
def list_system_logs(request, log_type: str | None = None, severity: str | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "logs.view")
    return paginate(selectors.system_logs(request.tenant, log_type=log_type, severity=severity), page, page_size)
