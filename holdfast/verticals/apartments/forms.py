"""Apartments web forms: plain input; every rule lives in services."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from .models import PAYMENT_METHODS, Apartment, Package

MONEY = {"min_value": Decimal(0), "decimal_places": 2, "max_digits": 14}


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    location = forms.CharField(max_length=300, required=False)
    amenities = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)


class ImageForm(forms.Form):
    file = forms.FileField()
    caption = forms.CharField(max_length=200, required=False)


class ApartmentForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=[(Apartment.PROJECT, "In this project"), (Apartment.STANDALONE, "Standalone"), (Apartment.TEMPLATE, "Template")], initial=Apartment.PROJECT)
    template = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="From template")
    space_sqm = forms.DecimalField(label="Space (m²)", min_value=Decimal("0.01"), max_digits=8, decimal_places=2, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000)
    packages = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    addons = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, templates=(), packages=(), addons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "—")] + [(t.pk, t.name) for t in templates]
        self.fields["packages"].choices = [(p.pk, f"{p.name} ({p.get_kind_display()})") for p in packages]
        self.fields["addons"].choices = [(a.pk, f"{a.name} · {a.category.name}") for a in addons]


class PackageForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Package.KINDS, initial=Package.GOLDEN)
    price = forms.DecimalField(**MONEY)
    description = forms.CharField(max_length=4000, required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=120)
    max_units = forms.IntegerField(label="Max units per apartment", min_value=1, max_value=1000, initial=3)


class AddonForm(forms.Form):
    name = forms.CharField(max_length=200)
    addon_type = forms.CharField(max_length=120, label="Type")
    category = forms.TypedChoiceField(coerce=int)
    unit_price = forms.DecimalField(label="Price per unit", **MONEY)
    max_units = forms.IntegerField(min_value=1, max_value=1000, initial=1)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, f"{c.name} (≤ {c.max_units})") for c in categories]


class PriceForm(forms.Form):
    price = forms.DecimalField(label="New price", **MONEY)


class BookForm(forms.Form):
    customer = forms.TypedChoiceField(coerce=int, label="For customer")

    def __init__(self, *args, customers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [(c.pk, c.name) for c in customers]


class PaymentForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    method = forms.ChoiceField(choices=PAYMENT_METHODS)
    reference = forms.CharField(max_length=120, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)
