from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.defaults import page_not_found

from config import problems


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Answers 200 once the web process can reach its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a path no route matches: problem+json under an API that mounted its problem
    catalog (``config.problems.mount``), the usual page elsewhere."""
    catalog = problems.catalog_for(request.path)
    if catalog is not None:
        body = catalog.problem("not_found", f"no such resource: {request.path}")
        return JsonResponse(body, status=404, content_type=problems.PROBLEM_CONTENT_TYPE)
    return page_not_found(request, exception)
