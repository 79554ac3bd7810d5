from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "holdfast.core.bookings"
    label = "bookings"
