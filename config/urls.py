from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.exposition, name="metrics"),
    path("admin/", admin.site.urls),
    path("dns/", include(("resolver.urls", "dns"))),
    path("", include(("registrar.urls", "shop"))),
    path("api/v1/", include(("registrar.api.urls", "registrar-api"))),
    path("api/v1/", include(("resolver.api.urls", "rental-api"))),
    path("api/registry/v1/", include(("registry.api.urls", "registry-api"))),
    path("rdap/", include(("registry.rdap.urls", "rdap"))),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]

handler404 = "config.views.not_found"
