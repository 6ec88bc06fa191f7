from rest_framework.routers import SimpleRouter

from resolver.api.views import ChangeViewSet, HealthCheckViewSet, HostedZoneViewSet

router = SimpleRouter()  # the registrar API already serves the api/v1/ root
router.register("hosted-zones", HostedZoneViewSet, basename="hosted-zone")
router.register("changes", ChangeViewSet, basename="change")
router.register("health-checks", HealthCheckViewSet, basename="health-check")

urlpatterns = router.urls
