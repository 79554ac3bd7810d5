"""Petcare screen forms: shapes only; every rule is in the services."""
from __future__ import annotations

import datetime as dt

from django import forms

from holdfast.kit import clock
from holdfast.web.forms import OwnIds

from .models import WEEKDAYS, Feedback


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time in the business's zone (the view passes it), stored as an aware instant."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def localise(value: dt.datetime, tz_name: str) -> dt.datetime:
    naive = value.replace(tzinfo=None) if value.tzinfo else value
    return naive.replace(tzinfo=clock.zone(tz_name))


class JobForm(forms.Form):
    customer_id = forms.TypedChoiceField(label="Client", coerce=int)
    service_id = forms.TypedChoiceField(label="Service", coerce=int)
    start = LocalDateTimeField(label="Start (local time)")
    walker_id = forms.TypedChoiceField(label="Walker", coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(choices=[("BOOKED", "Booked"), ("PENDING", "Pending")], initial="BOOKED")
    price = forms.DecimalField(label="Price (blank = the service's)", required=False, min_value=0, max_digits=12, decimal_places=2)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override = forms.BooleanField(required=False, label="Override availability / time off")


class SeriesForm(OwnIds, forms.Form):
    id_prefix = "series"  # shown beside JobForm on the jobs screen
    customer_id = forms.TypedChoiceField(label="Client", coerce=int)
    service_id = forms.TypedChoiceField(label="Service", coerce=int)
    walker_id = forms.TypedChoiceField(label="Walker", coerce=int, required=False, empty_value=None)
    weekdays = forms.TypedMultipleChoiceField(choices=[(i, d.title()) for i, d in enumerate(WEEKDAYS)], coerce=int, widget=forms.CheckboxSelectMultiple)
    local_time = forms.TimeField(label="Time (local)", widget=forms.TimeInput(attrs={"type": "time"}))
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(required=False, min_value=1, max_value=200, label="or number of walks")


class RequestForm(forms.Form):
    service_id = forms.TypedChoiceField(label="Service", coerce=int)
    start = LocalDateTimeField(label="When (local time)")
    dog_ids = forms.TypedMultipleChoiceField(label="Dogs", coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ClientForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)
    line1 = forms.CharField(max_length=200, required=False, label="Address")
    city = forms.CharField(max_length=100, required=False)
    vet_details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    emergency_contact = forms.CharField(max_length=300, required=False)


class DogForm(forms.Form):
    name = forms.CharField(max_length=120)
    breed = forms.CharField(max_length=120, required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=120)
    price = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2)
    duration_minutes = forms.IntegerField(min_value=5, max_value=1440, initial=60)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WalkerForm(forms.Form):
    user_id = forms.TypedChoiceField(label="Staff member", coerce=int)
    phone = forms.CharField(max_length=40, required=False)
    bio = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TimeOffForm(forms.Form):
    starts_at = LocalDateTimeField(label="From (local)")
    ends_at = LocalDateTimeField(label="Until (local)")
    reason = forms.CharField(max_length=300, required=False)


class FeedbackForm(forms.Form):
    category = forms.ChoiceField(choices=Feedback.CATEGORIES)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
