from django.urls import include, path
from rest_framework.routers import DefaultRouter

from registrar.api.views import CheckView, OrderViewSet

router = DefaultRouter()
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("check/", CheckView.as_view(), name="check"),
    path("", include(router.urls)),
]
