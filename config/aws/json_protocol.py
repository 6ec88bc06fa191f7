"""The JSON protocol of AWS APIs (``awsJson1_1``: Route 53 Domains), driven by botocore's models.

A request is ``POST /`` with ``X-Amz-Target: <targetPrefix>.<Operation>`` and the input as
a JSON object; the answer is the output as a JSON object, and an error is
``{"__type": code, "message": text}`` with the status the model gives the code.
Timestamps travel as seconds since the epoch, blobs as base64. Inputs are checked against
the model as in the REST-XML protocol (``protocol.validate``), with the same wording.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import botocore.model

from config.aws.errors import AwsError
from config.aws.protocol import Params, validate

CONTENT_TYPE = "application/x-amz-json-1.1"


def operation_for(model: botocore.model.ServiceModel, target: str) -> botocore.model.OperationModel:
    """The operation an ``X-Amz-Target`` header names."""
    prefix, _, name = target.partition(".")
    if prefix != model.metadata.get("targetPrefix") or name not in model.operation_names:
        raise AwsError("UnknownOperationException", f"{target} is not an operation of {model.service_name}")
    return model.operation_model(name)


def parse(operation: botocore.model.OperationModel, body: bytes) -> Params:
    """The operation's input from a JSON body; raises AwsError when it does not fit the model."""
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        document = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise AwsError("SerializationException", f"Could not parse the request body as JSON: {exc}") from None
    params = _read(shape, document, "")
    problems = validate(shape, params)
    if problems:
        count = len(problems)
        raise AwsError(
            "ValidationException" if "InvalidInput" not in _errors(operation) else "InvalidInput",
            f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(problems)}",
        )
    return params


def _errors(operation: botocore.model.OperationModel) -> set[str]:
    return {shape.name for shape in operation.error_shapes}


def _wrong(where: str, kind: str) -> AwsError:
    return AwsError("SerializationException", f"Expected a {kind} at '{where or 'the top level'}'")


def _read(shape: botocore.model.Shape, value: Any, where: str) -> Any:
    """A JSON value as the model types it: structures keep only the members the model knows
    (AWS ignores the rest), timestamps become datetimes, blobs bytes."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        if not isinstance(value, dict):
            raise _wrong(where, "JSON object")
        return {
            name: _read(shape.members[name], item, f"{where}.{name}" if where else name)
            for name, item in value.items()
            if name in shape.members and item is not None
        }
    if kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        if not isinstance(value, list):
            raise _wrong(where, "JSON array")
        return [_read(shape.member, item, f"{where}.{i + 1}") for i, item in enumerate(value)]
    if kind == "map":
        assert isinstance(shape, botocore.model.MapShape)
        if not isinstance(value, dict):
            raise _wrong(where, "JSON object")
        return {str(key): _read(shape.value, item, f"{where}.{key}") for key, item in value.items()}
    return _scalar(kind, value, where)


def _scalar(kind: str, value: Any, where: str) -> Any:
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong(where, "boolean")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(where, "whole number")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(where, "number")
        return float(value)
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(where, "timestamp in seconds since the epoch")
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise _wrong(where, "timestamp in seconds since the epoch") from None
    if kind == "blob":
        try:
            return base64.b64decode(str(value), validate=True)
        except ValueError:
            raise _wrong(where, "base64 string") from None
    if not isinstance(value, str):
        raise _wrong(where, "string")
    return value


def render(operation: botocore.model.OperationModel, output: Params) -> tuple[int, dict[str, str], bytes]:
    """(HTTP status, headers, body) of an operation's output."""
    shape = operation.output_shape
    document = _write(shape, output) if shape is not None else {}
    return 200, {"Content-Type": CONTENT_TYPE}, json.dumps(document).encode()


def _write(shape: botocore.model.Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, botocore.model.StructureShape)
        return {
            name: _write(shape.members[name], item)
            for name, item in value.items()
            if name in shape.members and item is not None
        }
    if kind == "list":
        assert isinstance(shape, botocore.model.ListShape)
        return [_write(shape.member, item) for item in value]
    if kind == "map":
        assert isinstance(shape, botocore.model.MapShape)
        return {str(key): _write(shape.value, item) for key, item in value.items()}
    if kind == "timestamp":
        assert isinstance(value, dt.datetime)
        return round(value.timestamp(), 3)
    if kind == "blob":
        return base64.b64encode(value).decode("ascii")
    return value


def render_error(model: botocore.model.ServiceModel, error: AwsError) -> tuple[int, dict[str, str], bytes]:
    """(HTTP status, headers, body) of an error: ``{"__type", "message"}``."""
    shape = model.shape_for(error.code) if error.code in model.shape_names else None
    model_status = shape.metadata.get("error", {}).get("httpStatusCode") if shape is not None else None
    body = {"__type": error.code, "message": error.message} | error.fields
    return error.http_status(model_status), {"Content-Type": CONTENT_TYPE}, json.dumps(body).encode()
