from django import forms

from holdfast.kit.money import Money

from .models import Payment, PriceRule


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300)


class MarkPaidForm(forms.Form):
    method = forms.ChoiceField(choices=[c for c in Payment.METHODS if c[0] != Payment.STRIPE])
    reference = forms.CharField(max_length=200, required=False)


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, help_text="In major units, e.g. 12.50")
    reason = forms.CharField(max_length=300)


class ReminderForm(forms.Form):
    send_at = forms.DateTimeField(required=False, help_text="Leave empty to send now", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReceivePaymentForm(forms.Form):
    method = forms.ChoiceField(choices=[c for c in Payment.METHODS if c[0] != Payment.STRIPE])
    reference = forms.CharField(max_length=200, required=False)


class ExpectPaymentForm(forms.Form):
    """Money a customer is due to pay by a date; amounts in major units (the service takes minor)."""

    customer = forms.TypedChoiceField(coerce=int, label="Customer")
    booking_id = forms.IntegerField(required=False, min_value=1, label="Booking number", help_text="Optional: the booking it is for.")
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, help_text="In major units, e.g. 1500.00")
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.CharField(max_length=40, required=False, help_text="e.g. TOKEN, DOWN_PAYMENT, INSTALMENT, BALANCE")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        from holdfast.core.customers import selectors as customers

        self.fields["customer"].choices = [("", "Choose a customer")] + [(c.pk, c.name) for c in customers.customers(tenant, active=True).order_by("name")[:500]]


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    reason = forms.CharField(max_length=300)


# ---------------------------------------------------------------- price and tax rule screens

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _optional_id():
    return forms.TypedChoiceField(coerce=int, empty_value=None, required=False)


class ScopeChoicesMixin:
    """Site and resource type choices of the tenant (inventory owns them; billing stores plain ids)."""

    def set_scope_choices(self, tenant):
        from holdfast.core.inventory import selectors as inventory

        self.fields["site_id"].choices = [("", "Any site")] + [(s.pk, s.name) for s in inventory.sites(tenant)]
        self.fields["resource_type_id"].choices = [("", "Any resource type")] + [(t.pk, f"{t.name} ({t.site.name})" if t.site_id else t.name) for t in inventory.resource_types(tenant).select_related("site")]


class PriceRuleForm(ScopeChoicesMixin, forms.Form):
    """Amounts are typed in major units (12.50) and stored as minor units; the service validates."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(max_length=200, required=False)
    product_code = forms.CharField(max_length=60, required=False, initial="base", help_text="'base' is the booking's base price; any other code is an extra.")
    site_id = _optional_id()
    resource_type_id = _optional_id()
    calculation = forms.ChoiceField(choices=PriceRule.CALCULATIONS, initial=PriceRule.PER_UNIT_PER_DAY)
    amount = forms.DecimalField(max_digits=14, decimal_places=3, required=False, help_text="Flat or per unit per day, in major units (e.g. 12.50).")
    percent = forms.DecimalField(max_digits=8, decimal_places=4, required=False, help_text="Percentage on base only, e.g. 10 for 10 %.")
    currency = forms.CharField(max_length=3, required=False)
    effective_from = forms.DateField(required=False, widget=DATE)
    effective_to = forms.DateField(required=False, widget=DATE, help_text="Exclusive; leave empty for open-ended.")
    is_promotional = forms.BooleanField(required=False, label="Promotional")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    SERVICE_NAMES = {"amount_minor": "amount"}
    # The service speaks minor units; this form takes major ones.
    SERVICE_MESSAGES = {"amount": ["Give an amount of zero or more, e.g. 12.50."]}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_scope_choices(tenant)
        self.fields["site_id"].label, self.fields["resource_type_id"].label = "Site", "Resource type"
        self.fields["currency"].initial = tenant.currency

    @classmethod
    def initial_for(cls, rule) -> dict:
        data = {k: getattr(rule, k) for k in ("version", "name", "product_code", "site_id", "resource_type_id", "calculation", "percent", "currency", "effective_from", "effective_to", "is_promotional", "is_active")}
        data["amount"] = Money(rule.amount_minor, rule.currency).to_decimal() if rule.amount_minor is not None else None
        return data

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "amount")}
        currency = (data["currency"] or "").upper()
        amount = self.cleaned_data["amount"]
        try:
            data["amount_minor"] = Money.from_decimal(amount, currency).minor if amount is not None else None
        except ValueError:  # an unusable currency: let the service say so next to the field
            data["amount_minor"] = None
        return data


class TaxRuleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(max_length=100, required=False)
    rate = forms.DecimalField(max_digits=7, decimal_places=2, required=False, help_text="Percent, e.g. 6.00 for 6 %.")
    country = forms.CharField(max_length=2, required=False, help_text="Two letters (PT); empty = everywhere.")
    region = forms.CharField(max_length=100, required=False, help_text="Empty = the whole country.")
    site_id = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Site", help_text="A site's own rule beats business-wide rules there (e.g. a hotel property's rate).")
    effective_from = forms.DateField(required=False, widget=DATE)
    effective_to = forms.DateField(required=False, widget=DATE, help_text="Exclusive; leave empty for open-ended.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    SERVICE_NAMES: dict = {}

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        from holdfast.core.inventory import selectors as inventory

        self.fields["site_id"].choices = [("", "All sites (business-wide)")] + ([(s.pk, s.name) for s in inventory.sites(tenant)] if tenant is not None else [])

    @classmethod
    def initial_for(cls, rule) -> dict:
        return {k: getattr(rule, k) for k in ("version", "name", "rate", "country", "region", "site_id", "effective_from", "effective_to", "is_active")}

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class EndRuleForm(forms.Form):
    end_on = forms.DateField(required=False, widget=DATE, label="End on", help_text="The first day the rule no longer applies; empty = deactivate now.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class QuotePreviewForm(ScopeChoicesMixin, forms.Form):
    SERVICE_NAMES = {"extras": "product"}

    site_id = _optional_id()
    resource_type_id = _optional_id()
    start_date = forms.DateField(widget=DATE, label="From")
    end_date = forms.DateField(widget=DATE, label="To", help_text="Exclusive (the check-out day).")
    units = forms.IntegerField(min_value=1, initial=1, label="Quantity")
    product = forms.CharField(max_length=60, required=False, label="Extra product code", help_text="Optional, e.g. breakfast.")
    product_quantity = forms.IntegerField(min_value=1, initial=1, required=False, label="Extra quantity")
    country = forms.CharField(max_length=2, required=False, help_text="Empty = the business's country.")
    region = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_scope_choices(tenant)
        self.fields["site_id"].label, self.fields["resource_type_id"].label = "Site", "Resource type"

    def quote_args(self) -> dict:
        d = self.cleaned_data
        extras = [{"code": d["product"].strip(), "quantity": d["product_quantity"] or 1}] if d["product"].strip() else []
        return {"start_date": d["start_date"], "end_date": d["end_date"], "units": d["units"], "extras": extras, "site_id": d["site_id"], "resource_type_id": d["resource_type_id"],
                "country": d["country"] or None, "region": d["region"] if d["country"] else None}
