"""Requests and responses of AWS APIs, driven by botocore's service models.

botocore ships the model of every AWS API: each operation's HTTP method and path, where
each input member travels (path, query string, header, body), each shape's type and
constraints, and the HTTP status of each error. Clients build their requests from it;
here the same model reads those requests (``Route.parse``) and writes the answers
(``render``), so the wire format is the model's and not a hand-written copy of it.

Only the REST-XML protocol is here yet (Route 53); a parsed input is the dict a boto3
caller passes, an output the dict boto3 returns.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import botocore.model
import botocore.session
from lxml import etree

from config.aws.errors import AwsError

Params = dict[str, Any]
XML_DECLARATION = b'<?xml version="1.0"?>\n'

# lxml without DTDs, entities or network: a body is data, never instructions to fetch.
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


@functools.cache
def service_model(name: str) -> botocore.model.ServiceModel:
    """botocore's model of the service ``name`` (``route53``)."""
    return botocore.session.get_session().get_service_model(name)


# --- finding the operation ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One operation's HTTP method and path template, as a pattern."""

    operation: botocore.model.OperationModel
    method: str
    pattern: re.Pattern[str]
    literals: int  # characters outside labels: the more, the more specific
    query_keys: tuple[str, ...]  # keys the path template's own query part requires

    def parse(self, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str], body: bytes) -> Params:
        """The operation's input from a request that matched this route; raises AwsError
        (InvalidInput) when the request does not fit the model."""
        match = self.pattern.fullmatch(path)
        assert match is not None
        labels = {name: unquote(value) for name, value in match.groupdict().items() if value is not None}
        shape = self.operation.input_shape
        if shape is None:
            return {}
        params = _read_locations(shape, labels, query, headers)
        params.update(_read_body(shape, body))
        in_body = {name for name, member in shape.members.items() if "location" not in member.serialization}
        problems = validate(shape, params, xml_body=in_body)
        schema = [problem for problem in problems if problem.startswith("Invalid XML")]
        if schema:  # the body's schema is checked before the rest, and says so alone
            raise AwsError("InvalidInput", schema[0])
        if problems:
            count = len(problems)
            raise AwsError(
                "InvalidInput",
                f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(problems)}",
            )
        return params


def routes(model: botocore.model.ServiceModel) -> list[Route]:
    """Every operation's route, the most specific first."""
    found = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        uri = operation.http["requestUri"]
        path, _, query = uri.partition("?")
        pattern, literals = _path_pattern(path)
        keys = tuple(part.split("=", 1)[0] for part in query.split("&") if part)
        found.append(Route(operation, operation.http["method"], pattern, literals, keys))
    return sorted(found, key=lambda r: (-r.literals, -len(r.query_keys)))


def _path_pattern(path: str) -> tuple[re.Pattern[str], int]:
    out, literals, position = [], 0, 0
    for label in re.finditer(r"\{([^}]+)\}", path):
        literal = path[position : label.start()]
        out.append(re.escape(literal))
        literals += len(literal)
        name = label.group(1)
        greedy = name.endswith("+")
        out.append(f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})")
        position = label.end()
    tail = path[position:]
    literals += len(tail)
    out.append(re.escape(tail.rstrip("/")) + "/?")
    return re.compile("".join(out)), literals


def find_route(table: list[Route], method: str, path: str, query: Mapping[str, list[str]]) -> tuple[Route | None, bool]:
    """The route of a request, and whether the path named some operation at all (so a
    wrong method is told apart from an unknown path)."""
    path_known = False
    for route in table:
        if route.pattern.fullmatch(path) and all(key in query for key in route.query_keys):
            path_known = True
            if route.method == method:
                return route, True
    return None, path_known


# --- reading a request -------------------------------------------------------------------------


def _read_locations(
    shape: botocore.model.StructureShape,
    labels: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
) -> Params:
    params: Params = {}
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri" and wire in labels:
            params[name] = _scalar(member, labels[wire], name)
        elif location == "querystring" and wire in query:
            values = query[wire]
            if member.type_name == "list":
                params[name] = [_scalar(member.member, v, name) for v in values]  # type: ignore[attr-defined]
            else:
                params[name] = _scalar(member, values[-1], name)
        elif location == "header" and wire.lower() in lowered:
            params[name] = _scalar(member, lowered[wire.lower()], name)
    return params


def _read_body(shape: botocore.model.StructureShape, body: bytes) -> Params:
    body_members = {n: m for n, m in shape.members.items() if "location" not in m.serialization}
    if not body_members or not body.strip():
        return {}
    if b"<!DOCTYPE" in body[:1024].upper() or b"<!ENTITY" in body.upper():
        raise AwsError("InvalidInput", "The XML document must not declare a DOCTYPE or entities")
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise AwsError("InvalidInput", f"Could not parse the request body as XML: {exc}") from None
    payload = shape.serialization.get("payload")
    if payload:  # the body is one member's value
        member = shape.members[payload]
        return {payload: _from_xml(member, root, payload)}
    return _structure_from_xml(shape, root, "", only=body_members)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _from_xml(shape: botocore.model.Shape, element: etree._Element, where: str) -> Any:
    if shape.type_name == "structure":
        return _structure_from_xml(shape, element, where)  # type: ignore[arg-type]
    if shape.type_name == "list":
        return _list_from_xml(shape, list(element), where)  # type: ignore[arg-type]
    if shape.type_name == "map":
        return _map_from_xml(shape, element, where)  # type: ignore[arg-type]
    return _scalar(shape, element.text or "", where)


def _structure_from_xml(
    shape: botocore.model.StructureShape,
    element: etree._Element,
    where: str,
    only: Mapping[str, botocore.model.Shape] | None = None,
) -> Params:
    members = only if only is not None else shape.members
    by_wire: dict[str, tuple[str, botocore.model.Shape]] = {}
    for name, member in members.items():
        by_wire[member.serialization.get("name", name)] = (name, member)
    out: Params = {}
    children = [child for child in element if isinstance(child.tag, str)]
    for child in children:
        entry = by_wire.get(_local(child))
        if entry is None:
            continue  # AWS ignores what its model does not know
        name, member = entry
        path = f"{where}.{name}" if where else name
        if member.type_name == "list" and member.serialization.get("flattened"):
            out.setdefault(name, []).append(_from_xml(member.member, child, path))  # type: ignore[attr-defined]
        else:
            out[name] = _from_xml(member, child, path)
    return out


def _list_from_xml(shape: botocore.model.ListShape, children: list[etree._Element], where: str) -> list[Any]:
    items = [child for child in children if isinstance(child.tag, str)]
    return [_from_xml(shape.member, child, f"{where}.{i + 1}") for i, child in enumerate(items)]


def _map_from_xml(shape: botocore.model.MapShape, element: etree._Element, where: str) -> dict[str, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out = {}
    for entry in element:
        key = entry.find(key_name)
        value = entry.find(value_name)
        if key is not None and value is not None:
            out[key.text or ""] = _from_xml(shape.value, value, where)
    return out


def _scalar(shape: botocore.model.Shape, text: str, where: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text.strip())
        if kind in ("float", "double"):
            return float(text.strip())
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError(text)
            return lowered == "true"
        if kind == "timestamp":
            return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if kind == "blob":
            return base64.b64decode(text)
    except ValueError:
        raise AwsError("InvalidInput", f"Value '{text}' at '{_camel(where)}' is not a valid {kind}") from None
    return text


# --- checking it against the model -------------------------------------------------------------


def validate(
    shape: botocore.model.Shape, value: Any, where: str = "", xml_body: AbstractSet[str] = frozenset()
) -> list[str]:
    """The model's constraints a value breaks, in AWS's words ("Value ... at 'path' failed
    to satisfy constraint: ..."), with paths in AWS's lower camel case. A REST-XML body
    (its top-level members ``xml_body``) is checked against a schema first, so an unknown
    enum value there is worded as the schema validator words it."""
    problems: list[str] = []
    _check(shape, value, where, problems, xml_body)
    return problems


def _check(
    shape: botocore.model.Shape, value: Any, where: str, problems: list[str], xml_body: AbstractSet[str]
) -> None:
    at = _camel(where)
    if shape.type_name == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        for name in shape.required_members:
            if value.get(name) is None:
                path = f"{where}.{name}" if where else name
                problems.append(f"Value null at '{_camel(path)}' failed to satisfy constraint: Member must not be null")
        for name, item in value.items():
            if name in shape.members and item is not None:
                path = f"{where}.{name}" if where else name
                _check(shape.members[name], item, path, problems, xml_body if where else {name} & xml_body)
        return
    metadata = shape.metadata
    if shape.type_name == "list":
        assert isinstance(shape, botocore.model.ListShape)
        _bounds(len(value), metadata, at, "length", problems, shown=None)
        for i, item in enumerate(value):
            _check(shape.member, item, f"{where}.{i + 1}.member", problems, xml_body)
        return
    if shape.type_name == "string":
        enum = metadata.get("enum")
        if enum and value not in enum and xml_body:
            problems.append(
                f"Invalid XML ; cvc-enumeration-valid: Value '{value}' is not facet-valid with respect to "
                f"enumeration '[{', '.join(enum)}]'. It must be a value from the enumeration."
            )
        elif enum and value not in enum:
            problems.append(
                f"Value '{value}' at '{at}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        _bounds(len(value), metadata, at, "length", problems, shown=value)
    elif shape.type_name in ("integer", "long"):
        _bounds(value, metadata, at, "value", problems, shown=value)


def _bounds(size: int, metadata: Mapping[str, Any], at: str, what: str, problems: list[str], shown: Any) -> None:
    """The model's min and max of a string's or list's length, or of a number's value."""
    text = f"'{shown}'" if shown is not None else "of this"
    if "min" in metadata and size < metadata["min"]:
        problems.append(
            f"Value {text} at '{at}' failed to satisfy constraint: "
            f"Member must have {what} greater than or equal to {metadata['min']}"
        )
    if "max" in metadata and size > metadata["max"]:
        problems.append(
            f"Value {text} at '{at}' failed to satisfy constraint: "
            f"Member must have {what} less than or equal to {metadata['max']}"
        )


def _camel(path: str) -> str:
    return ".".join(part[:1].lower() + part[1:] for part in path.split("."))


# --- writing the answer ------------------------------------------------------------------------


def namespace(model: botocore.model.ServiceModel, operation: botocore.model.OperationModel) -> str:
    shape = operation.input_shape
    declared = shape.serialization.get("xmlNamespace", {}) if shape is not None else {}
    uri = declared.get("uri") if isinstance(declared, dict) else None
    return uri or f"https://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"


def render(
    model: botocore.model.ServiceModel, operation: botocore.model.OperationModel, output: Params
) -> tuple[int, dict[str, str], bytes]:
    """(HTTP status, headers, body) of an operation's output."""
    status = int(operation.http.get("responseCode") or 200)
    headers: dict[str, str] = {}
    shape = operation.output_shape
    if shape is None:
        return status, headers, b""
    body_members: dict[str, botocore.model.Shape] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        value = output.get(name)
        if location == "header":
            if value is not None:
                headers[member.serialization.get("name", name)] = _text(member, value)
        elif location == "statusCode":
            if value is not None:
                status = int(value)
        elif location is None:
            body_members[name] = member
    root = etree.Element(shape.serialization.get("name", shape.name), nsmap={None: namespace(model, operation)})
    _structure_to_xml(root, body_members, output)
    headers["Content-Type"] = "text/xml"
    return status, headers, _document(root)


def _document(root: etree._Element) -> bytes:
    """The XML document as AWS writes it: a plain declaration, a newline, no indentation."""
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)


def render_error(
    model: botocore.model.ServiceModel, error: AwsError, request_id: str
) -> tuple[int, dict[str, str], bytes]:
    """(HTTP status, headers, body) of an error, in the REST-XML ErrorResponse envelope."""
    shape = model.shape_for(error.code) if error.code in model.shape_names else None
    model_status = shape.metadata.get("error", {}).get("httpStatusCode") if shape is not None else None
    ns = f"https://{model.endpoint_prefix}.amazonaws.com/doc/{model.api_version}/"
    extra = shape.members if error.fields and isinstance(shape, botocore.model.StructureShape) else {}
    body = error_document(error.code, error.message, request_id, ns, sender=error.sender, extra=(extra, error.fields))
    return error.http_status(model_status), {"Content-Type": "text/xml"}, body


def error_document(
    code: str,
    message: str,
    request_id: str,
    namespace: str | None = None,
    *,
    sender: bool = True,
    extra: tuple[Mapping[str, botocore.model.Shape], Params] = ({}, {}),
) -> bytes:
    """AWS's XML error: ErrorResponse, its Error (Type, Code, Message, and ``extra``
    members of the error's shape) and the RequestId."""
    root = etree.Element("ErrorResponse", nsmap={None: namespace} if namespace else None)
    detail = etree.SubElement(root, "Error")
    etree.SubElement(detail, "Type").text = "Sender" if sender else "Receiver"
    etree.SubElement(detail, "Code").text = code
    etree.SubElement(detail, "Message").text = message
    _structure_to_xml(detail, *extra)
    etree.SubElement(root, "RequestId").text = request_id
    return _document(root)


def _structure_to_xml(parent: etree._Element, members: Mapping[str, botocore.model.Shape], value: Params) -> None:
    for name, member in members.items():
        item = value.get(name)
        if item is None:
            continue
        wire = member.serialization.get("name", name)
        if member.type_name == "list" and member.serialization.get("flattened"):
            for entry in item:
                _to_xml(etree.SubElement(parent, wire), member.member, entry)  # type: ignore[attr-defined]
            continue
        _to_xml(etree.SubElement(parent, wire), member, item)


def _to_xml(element: etree._Element, shape: botocore.model.Shape, value: Any) -> None:
    if shape.type_name == "structure":
        _structure_to_xml(element, shape.members, value)  # type: ignore[attr-defined]
    elif shape.type_name == "list":
        member: botocore.model.Shape = shape.member  # type: ignore[attr-defined]
        wire = member.serialization.get("name", "member")
        for entry in value:
            _to_xml(etree.SubElement(element, wire), member, entry)
    elif shape.type_name == "map":
        for key, entry in value.items():
            pair = etree.SubElement(element, "entry")
            etree.SubElement(pair, shape.key.serialization.get("name", "key")).text = str(key)  # type: ignore[attr-defined]
            _to_xml(etree.SubElement(pair, shape.value.serialization.get("name", "value")), shape.value, entry)  # type: ignore[attr-defined]
    else:
        element.text = _text(shape, value)


def _text(shape: botocore.model.Shape, value: Any) -> str:
    if shape.type_name == "boolean":
        return "true" if value else "false"
    if shape.type_name == "timestamp":
        assert isinstance(value, dt.datetime)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if shape.type_name == "blob":
        return base64.b64encode(value).decode("ascii")
    return str(value)
