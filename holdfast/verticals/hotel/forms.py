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


# ---------------------------------------------------------------- setup (properties, room types, rooms, rate plans)

def _zone_choices():
    import zoneinfo

    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class SetupForm(forms.Form):
    """A setup form: `SERVICE_FIELDS` names the form field a service's field error belongs to, `CODE_FIELDS`
    the field a refusal code is about (e.g. a taken room number), so refusals appear next to their field."""

    SERVICE_FIELDS: dict = {}
    CODE_FIELDS = {"room_type_code_taken": "code", "rate_plan_code_taken": "code", "room_number_taken": "room_number",
                   "default_rate_plan_required": "is_default"}

    def apply_refusal(self, exc) -> None:
        """Put a service refusal on the form in words: next to its field when it names one, else on top."""
        fields = [self.SERVICE_FIELDS.get(name, name) for name in (getattr(exc, "fields", None) or {})]
        fields.append(self.CODE_FIELDS.get(exc.code, ""))
        target = next((f for f in fields if f in self.fields), None)
        self.add_error(target, exc.detail)


class PropertyForm(SetupForm):
    name = forms.CharField(max_length=200)
    time_zone = forms.ChoiceField(label="Time zone", help_text="Stay dates, “today” and the night audit follow this zone.")
    currency = forms.CharField(min_length=3, max_length=3, help_text="Three letters, e.g. EUR.")
    line1 = forms.CharField(max_length=200, required=False, label="Street and number")
    line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    city = forms.CharField(max_length=100, required=False)
    country = forms.CharField(max_length=60, required=False, help_text="E.g. PT or Portugal.")

    ADDRESS = ("line1", "line2", "postal_code", "city", "country")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zone_choices()

    @classmethod
    def initial_for(cls, prop) -> dict:
        address = prop.site.address or {}
        return {"name": prop.name, "time_zone": prop.site.time_zone, "currency": prop.currency, **{k: address.get(k, "") for k in cls.ADDRESS}}

    def service_data(self) -> dict:
        c = self.cleaned_data
        return {"name": c["name"], "time_zone": c["time_zone"], "currency": c["currency"],
                "address": {k: c[k].strip() for k in self.ADDRESS if c[k].strip()}}


class RoomTypeForm(SetupForm):
    code = forms.CharField(max_length=40, help_text="Short and unique at the property, e.g. DBL.")
    name = forms.CharField(max_length=120)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    max_adults = forms.IntegerField(label="Adults at most", min_value=0, max_value=50, initial=2)
    max_children = forms.IntegerField(label="Children at most", min_value=0, max_value=50, initial=0)
    max_occupancy = forms.IntegerField(label="Guests at most", min_value=0, max_value=50, initial=2, help_text="Adults and children together.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active (offered for booking)")

    FIELDS = ("name", "description", "max_adults", "max_children", "max_occupancy", "is_active")

    @classmethod
    def initial_for(cls, rt) -> dict:
        return {"code": rt.code, **{k: getattr(rt, k) for k in cls.FIELDS}}


class RestrictionForm(OwnIds, SetupForm):
    id_prefix = "restrict"
    start_date = forms.DateField(widget=DateInput, label="From")
    end_date = forms.DateField(widget=DateInput, label="To (not included)")
    min_stay = forms.IntegerField(required=False, min_value=0, max_value=365, label="Minimum stay (nights)", help_text="For stays arriving on these dates.")
    closed_to_arrival = forms.BooleanField(required=False, label="Closed to arrival")
    closed_to_departure = forms.BooleanField(required=False, label="Closed to departure")


class RoomForm(SetupForm):
    room_number = forms.CharField(max_length=20, label="Room number")
    room_type = forms.TypedChoiceField(coerce=int, label="Room type")
    floor = forms.CharField(max_length=20, required=False)
    name = forms.CharField(max_length=120, required=False, label="Name (optional)")
    is_active = forms.BooleanField(required=False, initial=True, label="Active (on the tape chart and bookable)")

    SERVICE_FIELDS = {"room_type_id": "room_type"}

    def __init__(self, *args, room_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].choices = [(rt.pk, f"{rt.code} · {rt.name}") for rt in room_types]

    @classmethod
    def initial_for(cls, room) -> dict:
        return {"room_number": room.room_number, "room_type": room.room_type_id, "floor": room.floor, "name": room.name, "is_active": room.is_active}


class RatePlanForm(SetupForm):
    code = forms.CharField(max_length=40, help_text="Short and unique at the property, e.g. BAR.")
    name = forms.CharField(max_length=120)
    description = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_default = forms.BooleanField(required=False, label="Default plan (used when a booking names none)")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    FIELDS = ("name", "description", "is_default", "is_active")

    @classmethod
    def initial_for(cls, plan) -> dict:
        return {"code": plan.code, **{k: getattr(plan, k) for k in cls.FIELDS}}


class RatePriceForm(OwnIds, SetupForm):
    id_prefix = "price"
    room_type = forms.TypedChoiceField(coerce=int, label="Room type")
    start_date = forms.DateField(widget=DateInput, label="From")
    end_date = forms.DateField(widget=DateInput, label="To (not included)")
    amount = forms.DecimalField(min_value=0, max_digits=9, decimal_places=2, label="Price per night", widget=forms.NumberInput(attrs={"step": "0.01"}))

    SERVICE_FIELDS = {"nightly_base_cents": "amount", "room_type_id": "room_type"}

    def __init__(self, *args, room_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].choices = [(rt.pk, f"{rt.code} · {rt.name}") for rt in room_types]
