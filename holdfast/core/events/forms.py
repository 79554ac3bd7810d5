from __future__ import annotations

import re

from django import forms


class WebhookForm(forms.Form):
    url = forms.CharField(label="URL", max_length=500, widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/holdfast"}))
    event_types = forms.CharField(
        label="Event types", required=False, max_length=2000,
        help_text="Comma or space separated, patterns allowed (booking:*, invoice:updated). Empty means every event.",
    )
    description = forms.CharField(max_length=200, required=False)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {"url": data["url"], "event_types": [p for p in re.split(r"[\s,]+", data.get("event_types") or "") if p], "description": data.get("description") or ""}


def apply_error(form: forms.Form, exc) -> None:
    """Show a service refusal on the form: field errors where they belong, the rest on top."""
    placed = False
    for field, errors in (getattr(exc, "fields", None) or {}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
