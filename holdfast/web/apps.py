from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "holdfast.web"
    label = "web"
