"""RDAP query paths (RFC 9082), mounted at /rdap/. Anything else under /rdap/ is an RDAP 404."""

from django.urls import path, re_path

from registry.rdap import views

urlpatterns = [
    path("domain/<str:name>", views.domain, name="domain"),
    path("nameserver/<str:name>", views.nameserver, name="nameserver"),
    path("entity/<str:handle>", views.entity, name="entity"),
    path("domains", views.domain_search, name="domain-search"),
    path("help", views.help_view, name="help"),
    path("", views.unknown, name="base"),
    re_path(r"^(?P<rest>.+)$", views.unknown, name="unknown"),
]
