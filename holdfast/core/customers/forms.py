"""Customer forms: shape input only; validation that matters lives in customers.services."""
from __future__ import annotations

from django import forms

ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


class CustomerForm(forms.Form):
    # Optional here on purpose: the service checks name, email and phone together, so every
    # problem is reported in one round instead of one form error hiding the others.
    name = forms.CharField(max_length=200, required=False)
    email = forms.CharField(max_length=254, required=False)
    phone = forms.CharField(max_length=40, required=False)
    line1 = forms.CharField(max_length=200, required=False, label="Address")
    line2 = forms.CharField(max_length=200, required=False, label="Address (line 2)")
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two-letter code, e.g. DE.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].show_required = True

    @classmethod
    def initial_for(cls, customer) -> dict:
        data = {k: getattr(customer, k) for k in ("name", "email", "phone", "notes", "version")}
        data.update({k: (customer.address or {}).get(k, "") for k in ADDRESS_FIELDS})
        return data

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ("name", "email", "phone", "notes")}
        data["address"] = {k: self.cleaned_data[k] for k in ADDRESS_FIELDS if self.cleaned_data.get(k)}
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}), help_text="Shown in the customer's history.")
    override = forms.BooleanField(required=False, label="Deactivate even if something blocks it (e.g. unpaid invoices)")
