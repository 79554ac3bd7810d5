from django import forms

from .models import Payment


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


class RefundForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    reason = forms.CharField(max_length=300)
