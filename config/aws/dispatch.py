"""Taking a request for an AWS API to the facade that answers it.

A facade registers a ``Service`` at app start: the botocore model it speaks, where its
requests arrive (under a path for REST protocols; ``POST /`` naming the model's target
prefix in ``X-Amz-Target`` for the JSON protocol) and a handler per operation. ``AwsMiddleware`` sees every request
first: one under a registered path is authenticated (access key, SigV4), matched to its
operation through the model, parsed, handled and rendered, and never reaches Django's
views; every failure is an AWS error in the service's format, never an HTML page.

botocore (``protocol``) is imported on the first AWS request, not when an app registers its
facade: every process (workers, run_dns, each manage.py command) registers one at start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from config.aws import keys, sigv4
from config.aws.errors import AwsError

if TYPE_CHECKING:
    import botocore.model

    from config.aws import protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One operation as a handler sees it: its input in the model's shape, the account
    whose key signed it, and the endpoint the client used (for ``Location`` headers)."""

    operation: str
    params: dict[str, Any]
    account: Any
    endpoint: str
    request_id: str


Handler = Callable[[Call], dict[str, Any]]


@dataclass
class Service:
    """An AWS API the emulator answers: ``model`` (botocore's name for it) under
    ``path_prefix`` (REST protocols) or, with ``target_prefix``, at ``POST /`` by its
    ``X-Amz-Target`` (JSON protocol), with a handler per operation it emulates."""

    model: str
    path_prefix: str
    handlers: Mapping[str, Handler]
    target_prefix: str = ""

    @property
    def service_model(self) -> botocore.model.ServiceModel:
        from config.aws import protocol

        return protocol.service_model(self.model)

    @functools.cached_property
    def checked_model(self) -> botocore.model.ServiceModel:
        """The model, once it is checked that the facade names only the model's operations."""
        unknown = set(self.handlers) - set(self.service_model.operation_names)
        if unknown:
            raise ValueError(f"{self.model} has no operations {sorted(unknown)}")
        return self.service_model

    @functools.cached_property
    def routes(self) -> list[protocol.Route]:
        """Every operation's route (REST protocols)."""
        from config.aws import protocol

        return protocol.routes(self.checked_model)

    @property
    def signing_name(self) -> str:
        model = self.service_model
        return str(model.metadata.get("signingName") or model.endpoint_prefix)


_SERVICES: dict[str, Service] = {}
_TARGETS: dict[str, Service] = {}


def register(service: Service) -> None:
    if service.target_prefix:
        _TARGETS[service.target_prefix] = service
    else:
        _SERVICES[service.path_prefix] = service


def service_for(path: str, target: str = "") -> Service | None:
    """The service of a request: by its ``X-Amz-Target`` when it names one, else by path."""
    if target:
        return _TARGETS.get(target.partition(".")[0])
    return next((s for prefix, s in _SERVICES.items() if path.startswith(prefix)), None)


class AwsMiddleware:
    """Answers requests for a registered AWS API before any Django view (and its CSRF
    check: these requests are signed instead)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        service = service_for(request.path_info, request.headers.get("X-Amz-Target", ""))
        if service is not None:
            return handle(service, request)
        if request.headers.get("Authorization", "").startswith(sigv4.ALGORITHM):
            return _not_emulated(request)  # an AWS client calling an API nobody registered
        return self.get_response(request)


def _not_emulated(request: HttpRequest) -> HttpResponse:
    """A signed request for an AWS API the emulator does not answer: AWS's error shape for
    its protocol (JSON when it names an X-Amz-Target, XML otherwise), never a web page."""
    from config.aws import protocol

    try:
        name = sigv4.read_authorization({k.lower(): v for k, v in request.headers.items()}).service
    except AwsError:
        name = "this AWS service"
    emulated = ", ".join(sorted(s.model for s in [*_SERVICES.values(), *_TARGETS.values()]))
    message = f"{name} is not emulated by Namesmith (these are: {emulated})"
    request_id = str(uuid.uuid4())
    if "X-Amz-Target" in request.headers:
        error = json.dumps({"__type": "UnknownOperationException", "message": message})
        response = HttpResponse(error, status=400, content_type="application/x-amz-json-1.1")
    else:
        document = protocol.error_document("InvalidAction", message, request_id)
        response = HttpResponse(document, status=400, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    return response


def handle(service: Service, request: HttpRequest) -> HttpResponse:
    from config.aws import json_protocol, protocol

    request_id = str(uuid.uuid4())
    model = service.service_model
    request.metrics_view = f"aws:{service.model}"  # type: ignore[attr-defined]  # read by config.metrics

    def render_error(error: AwsError) -> tuple[int, dict[str, str], bytes]:
        if service.target_prefix:
            return json_protocol.render_error(model, error)
        return protocol.render_error(model, error, request_id)

    try:
        status, headers, body = _answer(service, request, request_id)
    except AwsError as exc:
        status, headers, body = render_error(exc)
    except Exception:  # a bug costs this answer, in the service's error format
        log.exception("%s %s failed", request.method, request.path)
        status, headers, body = render_error(
            AwsError("InternalFailure", "The request processing has failed because of an unknown error.")
        )
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    response["x-amzn-RequestId"] = request_id
    return response


def _answer(service: Service, request: HttpRequest, request_id: str) -> tuple[int, dict[str, str], bytes]:
    from config.aws import protocol

    try:
        body = request.body
    except RequestDataTooBig:
        raise AwsError("RequestEntityTooLarge", "The request body is too large") from None
    headers = {name.lower(): value for name, value in request.headers.items()}
    key = _authenticate(service, request, headers, body)
    endpoint = f"{request.scheme}://{request.get_host()}"
    if service.target_prefix:
        return _answer_json(service, request, headers, body, Call("", {}, key.user, endpoint, request_id))
    query = {name: request.GET.getlist(name) for name in request.GET}
    method = request.method or "GET"
    # Routes match the path as sent, so an id with an escaped slash (%2F) stays one label.
    path = (request.META.get("RAW_URI") or "").split("?", 1)[0] or request.path_info
    route, path_known = protocol.find_route(service.routes, method, path, query)
    if route is None:
        if path_known:
            raise AwsError("MethodNotAllowed", f"{method} is not allowed on {request.path_info}", status=405)
        raise AwsError("UnknownOperation", f"No operation of {service.model} is at {request.path_info}", status=404)
    operation = route.operation
    handler = service.handlers.get(operation.name)
    if handler is None:
        raise AwsError("NotImplemented", f"{operation.name} is not emulated by Namesmith")
    params = route.parse(path, query, headers, body)
    output = handler(Call(operation.name, params, key.user, endpoint, request_id))
    return protocol.render(service.service_model, operation, output)


def _answer_json(
    service: Service, request: HttpRequest, headers: dict[str, str], body: bytes, call: Call
) -> tuple[int, dict[str, str], bytes]:
    """A JSON-protocol request: ``POST /``, the operation named by ``X-Amz-Target``."""
    from config.aws import json_protocol

    if request.method != "POST":
        raise AwsError("MethodNotAllowed", f"{service.model} takes POST requests, not {request.method}", status=405)
    operation = json_protocol.operation_for(service.checked_model, headers.get("x-amz-target", ""))
    handler = service.handlers.get(operation.name)
    if handler is None:
        raise AwsError("NotImplemented", f"{operation.name} is not emulated by Namesmith")
    params = json_protocol.parse(operation, body)
    output = handler(dataclasses.replace(call, operation=operation.name, params=params))
    return json_protocol.render(operation, output)


def _authenticate(service: Service, request: HttpRequest, headers: dict[str, str], body: bytes) -> keys.AccessKey:
    signed = sigv4.read_authorization(headers)
    key = keys.key_for(signed.access_key_id)
    if signed.service != service.signing_name:
        raise AwsError(
            "SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{service.signing_name}'"
        )
    if settings.AWS_VERIFY_SIGNATURES:
        raw = request.META.get("RAW_URI") or request.path
        sigv4.check(
            signed,
            key.secret_access_key,
            method=request.method or "GET",
            path=raw.split("?", 1)[0],
            query=request.META.get("QUERY_STRING", ""),
            headers=headers,
            body=body,
            now=dt.datetime.now(dt.UTC),  # the client signs with real time, not the emulator clock's
        )
    return key
