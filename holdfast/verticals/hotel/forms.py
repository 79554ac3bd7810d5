"""Hotel web forms: input shapes only; every rule is in the services."""
from __future__ import annotations

from django import forms

from holdfast.web.forms import OwnIds

from .models import Reservation, Room


class DateInput(forms.DateInput):
    input_type = "date"


class SearchForm(forms.Form):
    check_in = forms.DateField(widget=DateInput)
    check_out = forms.DateField(widget=DateInput)
    adults = forms.IntegerField(min_value=1, max_value=20, initial=2)
    children = forms.IntegerField(min_value=0, max_value=20, initial=0)


class ReservationForm(forms.Form):
    room_type = forms.TypedChoiceField(coerce=int, label="Room type")
    room = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Room (optional)")
    check_in_date = forms.DateField(widget=DateInput, label="Check-in")
    check_out_date = forms.DateField(widget=DateInput, label="Check-out")
    adults = forms.IntegerField(min_value=1, max_value=20, initial=2)
    children = forms.IntegerField(min_value=0, max_value=20, initial=0)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    status = forms.ChoiceField(choices=[(Reservation.CONFIRMED, "Confirmed"), (Reservation.HOLD, "Tentative hold")], initial=Reservation.CONFIRMED)
    source_type = forms.ChoiceField(choices=[c for c in Reservation.SOURCES if c[0] != Reservation.WALKIN], initial=Reservation.DIRECT, label="Source")
    guest_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    internal_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, room_types=(), rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].choices = [(rt.pk, f"{rt.code} · {rt.name}") for rt in room_types]
        self.fields["room"].choices = [("", "Assign later")] + [(r.pk, f"{r.room_number} ({r.room_type.code})") for r in rooms]


class WalkInForm(forms.Form):
    room = forms.TypedChoiceField(coerce=int)
    check_out_date = forms.DateField(widget=DateInput, label="Check-out")
    adults = forms.IntegerField(min_value=1, max_value=20, initial=1)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(r.pk, f"{r.room_number} ({r.room_type.code})") for r in rooms]


class MoveForm(OwnIds, forms.Form):
    id_prefix = "move"
    room = forms.TypedChoiceField(coerce=int, label="Room")

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(r.pk, f"{r.room_number} ({r.room_type.code})") for r in rooms]


class ResizeForm(OwnIds, forms.Form):
    id_prefix = "resize"
    check_in_date = forms.DateField(widget=DateInput, label="Check-in")
    check_out_date = forms.DateField(widget=DateInput, label="Check-out")


class PaymentForm(OwnIds, forms.Form):
    id_prefix = "pay"
    amount = forms.DecimalField(min_value=0.01, max_digits=12, decimal_places=2)
    method = forms.ChoiceField(choices=[("CARD", "Card"), ("CASH", "Cash"), ("BANK_TRANSFER", "Bank transfer"), ("OTHER", "Other")])
    reference = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": "Reference"}))
    confirm_overpayment = forms.BooleanField(required=False, label="confirm overpayment (keep the excess as credit)")


class SettleForm(OwnIds, forms.Form):
    """Take the balance due at check-out and check out: `expected` is the amount the desk was shown."""
    id_prefix = "settle"
    expected = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(choices=PaymentForm.base_fields["method"].choices)
    reference = forms.CharField(max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": "Reference"}))


class ChargeForm(OwnIds, forms.Form):
    id_prefix = "charge"
    entry_type = forms.ChoiceField(label="Type", choices=[("FEE", "Fee"), ("ROOM_CHARGE", "Room charge"), ("ADJUSTMENT", "Adjustment"), ("TAX", "Tax")])
    amount = forms.DecimalField(max_digits=12, decimal_places=2, widget=forms.NumberInput(attrs={"placeholder": "Amount", "step": "0.01"}))
    description = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"placeholder": "Description"}))


class RoomStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Room.STATUSES)
    reason = forms.CharField(max_length=300, required=False)


class BlockForm(forms.Form):
    room = forms.TypedChoiceField(coerce=int)
    start_date = forms.DateField(widget=DateInput)
    end_date = forms.DateField(widget=DateInput)
    kind = forms.ChoiceField(choices=[("MAINTENANCE", "Maintenance"), ("HOUSE_USE", "House use")])
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(r.pk, r.room_number) for r in rooms]
