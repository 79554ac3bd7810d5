"""Audit trail and system log screens (read-only, filterable, paginated)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from holdfast.core.accounts.views import page_of, querystring_without_page, require

from . import selectors
from .models import AuditEntry, SystemLog


@login_required
def audit_trail(request):
    tenant = require(request, "audit.view")
    filters = {k: request.GET.get(k, "").strip() for k in ("entity_type", "entity_id", "action", "actor")}
    qs = selectors.audit_entries(tenant, entity_type=filters["entity_type"] or None, entity_id=filters["entity_id"] or None, action_prefix=filters["action"] or None)
    if filters["actor"]:
        qs = qs.filter(actor_label__icontains=filters["actor"])
    entity_types = AuditEntry.objects.for_tenant(tenant).order_by("entity_type").values_list("entity_type", flat=True).distinct()
    return render(request, "audit/trail.html", {"page": page_of(request, qs, 50), "filters": filters, "entity_types": list(entity_types), "qs": querystring_without_page(request)})


@login_required
def system_log_list(request):
    tenant = require(request, "logs.view")
    filters = {k: request.GET.get(k, "").strip() for k in ("log_type", "severity")}
    qs = selectors.system_logs(tenant, log_type=filters["log_type"] or None, severity=filters["severity"] or None)
    return render(request, "audit/logs.html", {
        "page": page_of(request, qs, 50), "filters": filters, "qs": querystring_without_page(request),
        "log_types": [t for t, _ in SystemLog.LOG_TYPES], "severities": [s for s, _ in SystemLog.SEVERITIES], "platform": False,
    })
