from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "holdfast.core.audit"
    label = "audit"
