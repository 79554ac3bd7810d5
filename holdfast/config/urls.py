from django.contrib import admin
from django.urls import include, path

from holdfast.config.api import api
from holdfast.config.registry import extra_urlconfs

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("holdfast.web.urls")),
]
urlpatterns += [path(prefix, include(module)) for prefix, module in extra_urlconfs()]
