"""The resolution trace page (open to everyone) and the resolver cache page (staff)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from resolver import trace as tracing
from resolver.models import HostedZone


def trace(request: HttpRequest) -> HttpResponse:
    name = request.GET.get("name", "").strip()
    qtype = request.GET.get("type", "A").strip().upper() or "A"
    context: dict[str, Any] = {
        "name": name,
        "qtype": qtype,
        "types": tracing.QUERY_TYPES,
        "result": None,
        "error": "",
        "resolver_address": settings.NETWORK_PLAN.resolver.address,
        "fresh": request.GET.get("fresh") == "1",
    }
    if name:
        try:
            if context["fresh"]:
                _forget(request, name)
            context["result"] = tracing.trace(name, qtype)
        except tracing.TraceError as exc:
            context["error"] = str(exc)
    return render(request, "resolver/trace.html", context, status=400 if name and context["error"] else 200)


def _forget(request: HttpRequest, name: str) -> None:
    """Flush ``name`` from the resolver's cache before a fresh lookup: for staff, or for
    the owner of the hosted zone the name is in (after editing its records, say)."""
    qname = tracing.ascii_name(name)
    enclosing = {qname.split(".", depth)[-1] for depth in range(qname.count("."))}
    owns = request.user.is_authenticated and HostedZone.objects.filter(owner=request.user, name__in=enclosing).exists()
    if not (request.user.is_staff or owns):
        raise tracing.TraceError(
            f"only staff, or the owner of the hosted zone {name} is in, may make the resolver forget it; "
            "others see the cached answer until its TTL runs out"
        )
    tracing.control({"command": "flush", "name": qname})


@staff_member_required
@require_http_methods(["GET", "POST"])
def resolver_cache(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        try:
            flushed = tracing.control({"command": "flush", "name": tracing.ascii_name(name) if name else None})
        except tracing.TraceError as exc:
            messages.error(request, str(exc))
        else:
            what = f"{name} and the names below it" if name else "the whole cache"
            messages.success(request, f"Flushed {what}: {flushed['flushed']} entries.")
        return redirect("dns:resolver-cache")
    query = request.GET.get("q", "").strip().lower()
    context = {"entries": [], "stats": {}, "error": "", "q": query}
    try:
        entries = tracing.control({"command": "cache"})["entries"]
        context["stats"] = tracing.control({"command": "stats"})
    except tracing.TraceError as exc:
        context["error"] = str(exc)
    else:
        context["entries"] = [e for e in entries if query in e["name"]] if query else entries
    return render(request, "resolver/cache.html", context)
