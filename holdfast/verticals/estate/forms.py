"""Estate web forms: plain input; every rule lives in services."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from holdfast.core.billing.models import Payment
from holdfast.web.forms import OwnIds

from .models import DOWN_PAYMENT, INSTALMENT, PAYMENT_KINDS, Lead

# What a sales office takes at the desk (card-provider money arrives through billing's webhook).
DESK_METHODS = [(m, label) for m, label in Payment.METHODS if m != Payment.STRIPE]


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    city = forms.CharField(max_length=120, required=False)
    down_payment_percent = forms.DecimalField(label="Down payment required (%)", min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, initial=Decimal("10"))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class UnitForm(forms.Form):
    code = forms.CharField(max_length=40)
    price = forms.DecimalField(min_value=Decimal(0), decimal_places=2, max_digits=14)
    bedrooms = forms.IntegerField(min_value=0, max_value=50, initial=1)
    floor = forms.IntegerField(required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)


class PaymentForm(OwnIds, forms.Form):
    id_prefix = "pay"
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    method = forms.ChoiceField(choices=DESK_METHODS)
    kind = forms.ChoiceField(choices=PAYMENT_KINDS, initial=DOWN_PAYMENT)
    reference = forms.CharField(max_length=120, required=False)


class ExpectedPaymentForm(OwnIds, forms.Form):
    id_prefix = "expect"
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=PAYMENT_KINDS, initial=INSTALMENT)


class ReminderForm(OwnIds, forms.Form):
    id_prefix = "reminder"
    send_at = forms.DateTimeField(required=False, label="Send at (empty: now)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    message = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LeadForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    source = forms.CharField(max_length=60, required=False)


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=Lead.STAGES)
    note = forms.CharField(max_length=500, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(choices=[(i, f"{i} ★") for i in range(5, 0, -1)], coerce=int)
    text = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
