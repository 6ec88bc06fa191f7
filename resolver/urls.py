from django.urls import path

from resolver import views

urlpatterns = [
    path("trace/", views.trace, name="trace"),
    path("resolver-cache/", views.resolver_cache, name="resolver-cache"),
]
