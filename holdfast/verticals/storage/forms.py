"""Storage web forms: plain input; every rule lives in services."""
from __future__ import annotations

from decimal import Decimal

from django import forms

from holdfast.core.billing.models import Payment
from holdfast.core.inventory.models import DailyCapacity
from holdfast.web.forms import OwnIds

from .models import Facility
from .services.pricing import CALCULATIONS

DATE = {"type": "date"}
DESK_METHODS = [(m, label) for m, label in Payment.METHODS if m != Payment.STRIPE]


class FinderForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    start_date = forms.DateField(required=False, label="Check-in", widget=forms.DateInput(attrs=DATE))
    end_date = forms.DateField(required=False, label="Check-out", widget=forms.DateInput(attrs=DATE))
    pallets = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, label="Latitude")
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, label="Longitude")
    radius_km = forms.FloatField(required=False, min_value=0, label="Within km")
    features = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, feature_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["features"].choices = list(feature_choices)

    def clean(self):
        data = super().clean()
        if bool(data.get("start_date")) != bool(data.get("end_date")):
            raise forms.ValidationError("Give both check-in and check-out, or neither.")
        return data


class BookingForm(forms.Form):
    """The booking wizard (customers book for themselves; staff choose the customer)."""

    start_date = forms.DateField(label="Check-in", widget=forms.DateInput(attrs=DATE))
    end_date = forms.DateField(label="Check-out (not stored)", widget=forms.DateInput(attrs=DATE))
    pallets = forms.IntegerField(min_value=1, max_value=100_000, initial=1)
    features = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    pallet_height_cm = forms.DecimalField(required=False, min_value=Decimal("0.01"), max_digits=7, decimal_places=2, label="Pallet height (cm)")
    pallet_width_cm = forms.DecimalField(required=False, min_value=Decimal("0.01"), max_digits=7, decimal_places=2, label="Pallet width (cm)")
    customer_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Customer")

    def __init__(self, *args, feature_choices=(), customer_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["features"].choices = list(feature_choices)
        if customer_choices is None:
            del self.fields["customer_id"]
        else:
            self.fields["customer_id"].choices = [("", "—")] + list(customer_choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    method = forms.ChoiceField(choices=DESK_METHODS, initial="BANK_TRANSFER")
    reference = forms.CharField(max_length=200, required=False)


class ReceiptForm(forms.Form):
    """One receipt for several invoices of one customer."""

    customer_id = forms.TypedChoiceField(coerce=int, label="Customer")
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    invoice_ids = forms.TypedMultipleChoiceField(coerce=int, widget=forms.CheckboxSelectMultiple, label="Invoices")
    method = forms.ChoiceField(choices=DESK_METHODS, initial="BANK_TRANSFER")
    reference = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, customer_choices=(), invoice_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = list(customer_choices)
        self.fields["invoice_ids"].choices = list(invoice_choices)


class FacilityForm(OwnIds, forms.Form):
    id_prefix = "facility"
    company_pk = forms.TypedChoiceField(coerce=int, label="Company")
    name = forms.CharField(max_length=200)
    address_line1 = forms.CharField(max_length=200, label="Address")
    city = forms.CharField(max_length=120, required=False)
    state = forms.CharField(max_length=120, required=False, label="State / region")
    country = forms.CharField(max_length=2, required=False, help_text="Two letters, e.g. MY")
    latitude = forms.FloatField(required=False)
    longitude = forms.FloatField(required=False)
    time_zone = forms.CharField(max_length=60, required=False)
    open_hours = forms.CharField(max_length=500, required=False, help_text='"08:00-17:00" every day, or JSON {"mon": [["08:00", "17:00"]], …}')
    cutoff_time = forms.TimeField(required=False, label="Same-day cut-off", widget=forms.TimeInput(attrs={"type": "time"}))
    pallet_type = forms.CharField(max_length=60, initial="Standard")
    max_pallet_height_cm = forms.DecimalField(required=False, max_digits=7, decimal_places=2)
    max_pallet_width_cm = forms.DecimalField(required=False, max_digits=7, decimal_places=2)
    status = forms.ChoiceField(choices=Facility.STATUSES)
    is_featured = forms.BooleanField(required=False)

    def __init__(self, *args, company_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company_pk"].choices = list(company_choices)


class CompanyForm(OwnIds, forms.Form):
    id_prefix = "company"
    name = forms.CharField(max_length=200)
    address_line1 = forms.CharField(max_length=200, label="Address")
    city = forms.CharField(max_length=120, required=False)
    country = forms.CharField(max_length=2, required=False)
    contact_email = forms.EmailField(required=False)


class SlotsForm(forms.Form):
    start_date = forms.DateField(widget=forms.DateInput(attrs=DATE))
    end_date = forms.DateField(widget=forms.DateInput(attrs=DATE), label="Until (exclusive)")
    capacity = forms.IntegerField(min_value=0, label="Pallets per day")
    deposit_required = forms.BooleanField(required=False)
    deposit = forms.DecimalField(required=False, min_value=Decimal(0), decimal_places=2, max_digits=14)
    free_cancellation = forms.BooleanField(required=False)
    cancellation = forms.DecimalField(required=False, min_value=Decimal(0), decimal_places=2, max_digits=14, label="Cancellation fee")
    cancellation_window = forms.IntegerField(required=False, min_value=0)
    cancellation_unit = forms.ChoiceField(required=False, choices=[("", "—"), *DailyCapacity.CANCELLATION_UNITS])
    prepayment_required = forms.BooleanField(required=False)


class BasePriceForm(OwnIds, forms.Form):
    id_prefix = "base"
    name = forms.CharField(max_length=200)
    rate = forms.DecimalField(min_value=Decimal(0), decimal_places=2, max_digits=14, label="Rate per pallet per day")
    effective_from = forms.DateField(widget=forms.DateInput(attrs=DATE))
    effective_to = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE), label="Until (exclusive, empty = ongoing)")
    facility_pk = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Facility")
    is_promotional = forms.BooleanField(required=False)

    def __init__(self, *args, facility_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility_pk"].choices = [("", "Every facility")] + list(facility_choices)


class FeaturePriceForm(BasePriceForm):
    id_prefix = "featureprice"
    feature_pk = forms.TypedChoiceField(coerce=int, label="Feature")
    calculation = forms.ChoiceField(choices=[(k, k) for k in CALCULATIONS])
    rate = forms.DecimalField(min_value=Decimal(0), decimal_places=2, max_digits=14, label="Amount (or percent for PERCENTAGE_ON_BASE)")

    def __init__(self, *args, feature_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature_pk"].choices = list(feature_choices)


class TaxForm(OwnIds, forms.Form):
    id_prefix = "tax"
    name = forms.CharField(max_length=100)
    rate = forms.DecimalField(min_value=Decimal(0), max_value=Decimal(100), decimal_places=2, max_digits=5, label="Rate (%)")
    country = forms.CharField(max_length=2, required=False)
    region = forms.CharField(max_length=100, required=False)
    effective_from = forms.DateField(widget=forms.DateInput(attrs=DATE))
    effective_to = forms.DateField(required=False, widget=forms.DateInput(attrs=DATE))


class FeatureForm(OwnIds, forms.Form):
    id_prefix = "feature"
    code = forms.CharField(max_length=40, help_text="e.g. CCTV, COLD_STORAGE, ACCESS_24H")
    name = forms.CharField(max_length=120)
    description = forms.CharField(max_length=500, required=False)


class MediaForm(forms.Form):
    file = forms.FileField()
    caption = forms.CharField(max_length=200, required=False)
