"""Routes of the registry API, mounted at /api/registry/v1/ (namespace ``registry-api``)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from registry.api import views

router = DefaultRouter()
router.register("domains", views.DomainViewSet, basename="domain")
router.register("hosts", views.HostViewSet, basename="host")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("operations", views.OperationViewSet, basename="operation")
router.register("poll-messages", views.PollMessageViewSet, basename="poll-message")
router.register("ledger", views.LedgerViewSet, basename="ledger")

urlpatterns = [
    path("balance/", views.BalanceView.as_view(), name="balance"),
    path("problems/<slug:code>", views.problem_type, name="problem"),
    # The schema and its interactive page are public; trying a call needs a token.
    path(
        "schema/",
        SpectacularAPIView.as_view(
            urlconf="registry.api.schema_urls",
            custom_settings={"TITLE": "Namesmith registry API", "DESCRIPTION": views.__doc__},
            permission_classes=[AllowAny],
        ),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="registry-api:schema", permission_classes=[AllowAny]),
        name="docs",
    ),
    path("", include(router.urls)),
]
