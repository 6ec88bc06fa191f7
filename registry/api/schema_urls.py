"""The registry API alone, as its OpenAPI schema sees it (at its real path)."""

from django.urls import include, path

urlpatterns = [path("api/registry/v1/", include(("registry.api.urls", "registry-api")))]
