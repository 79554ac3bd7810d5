"""The benchmark's WSGI entry: the app with its URLconf and API imported up front, so with
gunicorn --preload every worker forks warm and start-up is not measured as latency."""
from django.urls import get_resolver

from holdfast.config.wsgi import application  # noqa: F401

get_resolver().url_patterns  # noqa: B018  (imports every router and schema)
