"""The registrar's web pages: the home page with its search box, and search results."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registrar import services
from registry.errors import RegistryError


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context = {"q": query, "result": None, "error": ""}
    if query:
        try:
            context["result"] = services.search(query)
        except RegistryError as exc:
            context["error"] = exc.message
    return render(request, "registrar/search.html", context, status=400 if context["error"] else 200)
