from __future__ import annotations

from django import forms


class OwnIds:
    """For forms shown together on one page: their fields get ids of their own (`<id_prefix>_<name>`), so
    `id_amount` never names two fields and each label points at its own (names, and so POSTs, are unchanged).
    Put it before `forms.Form` and set `id_prefix`."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class LoginForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
