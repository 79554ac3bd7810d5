from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "holdfast.core.events"
    label = "events"
