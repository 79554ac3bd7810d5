from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "holdfast.core.accounts"
    label = "accounts"
