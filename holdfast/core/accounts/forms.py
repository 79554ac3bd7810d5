"""Web forms for the accounts screens. They only shape input; the services decide what is allowed."""
from __future__ import annotations

from django import forms

from holdfast.core.tenancy.models import VERTICALS

from .permissions import CATALOGUE

VERTICAL_CHOICES = [(v, v.capitalize()) for v in VERTICALS]


def apply_domain_error(form, exc) -> None:
    """Show a service's refusal on the form: field errors next to fields, the rest at the top."""
    placed = False
    for field, messages in (getattr(exc, "fields", None) or {}).items():
        name = field.split(".")[-1] if field not in form.fields else field
        if name in form.fields:
            form.add_error(name, list(messages))
            placed = True
    if not placed:
        form.add_error(None, exc.detail)


def permission_choices():
    """Catalogue codes a business role may hold, grouped by area for the checkbox grid."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, text in sorted(CATALOGUE.items()):
        if code.startswith("platform."):
            continue
        groups.setdefault(code.split(".")[0], []).append((code, f"{code} — {text}"))
    return [(area.capitalize(), items) for area, items in groups.items()]


class MemberAddForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=200, required=False, label="Full name")
    role = forms.ChoiceField()
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False, help_text="Leave empty to let them use 'Forgot your password?'.")

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.key, r.name) for r in roles]


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField()

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.key, r.name) for r in roles]


class RoleForm(forms.Form):
    name = forms.CharField(max_length=100)
    permissions = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = permission_choices()


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'accounting sync'.")
    expires_in_days = forms.IntegerField(min_value=1, max_value=3650, required=False, label="Expires after (days)", help_text="Empty: never expires.")


class TenantSettingsForm(forms.Form):
    name = forms.CharField(max_length=200)
    currency = forms.CharField(max_length=3, help_text="ISO code, e.g. EUR.")
    time_zone = forms.CharField(max_length=64, label="Time zone", help_text="IANA name, e.g. Europe/Berlin.")
    country = forms.CharField(max_length=2, required=False)
    region = forms.CharField(max_length=100, required=False)
    enabled_verticals = forms.MultipleChoiceField(choices=VERTICAL_CHOICES, widget=forms.CheckboxSelectMultiple, required=False, label="Enabled verticals")
    payment_terms_days = forms.IntegerField(min_value=0, label="Payment terms (days)")
    hold_ttl_minutes = forms.IntegerField(min_value=0, label="Hold time-to-live (minutes)")
    hold_max_extensions = forms.IntegerField(min_value=0, label="Hold extensions allowed")
    staff_may_complete_jobs = forms.BooleanField(required=False, label="Staff may complete their jobs")
    staff_may_approve = forms.BooleanField(required=False, label="Staff may approve requests")
    brand_name = forms.CharField(max_length=100, required=False, label="Brand name")
    brand_color = forms.RegexField(regex=r"^#[0-9a-fA-F]{6}$", required=False, label="Brand colour", help_text="Hex colour like #1f4e79.")
    version = forms.IntegerField(widget=forms.HiddenInput)

    SETTING_KEYS = ("payment_terms_days", "hold_ttl_minutes", "hold_max_extensions", "staff_may_complete_jobs", "staff_may_approve", "brand_name", "brand_color")

    @classmethod
    def initial_for(cls, tenant) -> dict:
        data = {k: getattr(tenant, k) for k in ("name", "currency", "time_zone", "country", "region", "enabled_verticals", "version")}
        data.update({k: tenant.setting(k) for k in cls.SETTING_KEYS})
        return data

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["currency"] = data["currency"].upper()
        data["country"] = data["country"].upper()
        settings = {k: data.pop(k) for k in self.SETTING_KEYS}
        if not settings["brand_color"]:
            settings.pop("brand_color")
        data["settings"] = settings
        return data


class TenantCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=60, required=False, help_text="Empty: made from the name.")
    currency = forms.CharField(max_length=3, initial="USD")
    time_zone = forms.CharField(max_length=64, initial="UTC", label="Time zone")
    country = forms.CharField(max_length=2, required=False)
    enabled_verticals = forms.MultipleChoiceField(choices=VERTICAL_CHOICES, widget=forms.CheckboxSelectMultiple, required=False, label="Verticals")
    owner_email = forms.EmailField(required=False, label="First admin's email", help_text="Created when new; they set a password via 'Forgot your password?'.")
