"""NumPy array fields for Pydantic v2 models, validated by arrayguard.

::

    from typing import Annotated
    import numpy as np
    from pydantic import BaseModel
    import arrayguard
    from arrayguard.pydantic import Array

    class Batch(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="f4", shape="n 3")]
        y: Annotated[np.ndarray, Array(arrayguard.ArraySpec(dtype="int64", shape="n"))]

What a field accepts:

* JSON mode (``model_validate_json``, FastAPI request bodies): nested lists of numbers, or the
  envelope ``{"dtype": "<f4", "shape": [2, 3], "data": "<base64>" | [...]}``. Pydantic parses
  the JSON text into Python lists first (that is how Pydantic works); arrayguard's JSON reader
  then walks those lists in Rust (``arrayguard.from_json_value``) without building a NumPy
  object array, checking rows, numbers, dtype range, depth, shape and values.
* Python mode (``Model(x=...)``, ``model_validate``): a ``numpy.ndarray``, checked against the
  spec by the library (dtype in the spec's set, byte order, shape, order, values, limits)
  through ``arrayguard.loads_raw`` on the array's buffer. In lax mode (Pydantic's default)
  nested lists and envelope dicts are also accepted, as in JSON mode; in strict mode
  (``strict=True`` or ``ConfigDict(strict=True)``) only an ``ndarray`` is. No mode casts: an
  ``f8`` array for an ``f4`` spec is refused with ``spec.dtype``.

The validated value is the array the library returns: a new array, native byte order, C order.

Failures are Pydantic errors whose ``type`` is the arrayguard code (``json.ragged``,
``spec.shape``, ``limit.depth``, ...), with ``ctx = {"fault": ..., "offset": ...,
"location": {...}}`` (``location`` as in ``ArrayGuardError.location``; ``json_path`` locates
the element inside the array, ``loc`` is the field).

Serialization: ``model_dump()`` keeps the ``ndarray``; ``model_dump(mode="json")`` and
``model_dump_json()`` write nested lists through ``arrayguard.dumps_json`` (floats written as
the shortest text that reads back to the same value of the array's dtype), or the base64
envelope with ``Array(..., serialize="envelope")`` (exact and compact, keeps the dtype; the
default when the spec allows more than one dtype, since nested lists are read as the spec's one
dtype and a spec with several refuses them with ``config.invalid_spec``). NaN
and infinities need ``allow_nan=True`` on the field, and, for nested lists in JSON text,
``ConfigDict(ser_json_inf_nan="constants")`` on the model (Pydantic writes ``null`` for NaN by
default); the envelope form needs neither.

JSON Schema: the field's schema is ``spec.json_schema()`` (what ``arrayguard schema --payload``
prints: the nested-array form), so ``Model.model_json_schema()`` and FastAPI's OpenAPI document
describe the field (a variadic shape's recursive ``$defs`` are expanded up to the reader's
``max_ndim``: see ``payload_schema``); for a spec allowing several dtypes, whose JSON input must
be an envelope, it is the envelope's schema (``ENVELOPE_INPUT_SCHEMA``). With ``serialize="envelope"`` the serialization
schema is the envelope's.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from arrayguard import (
    ArrayGuardError,
    ArraySpec,
    Limits,
    dumps_json,
    from_json_value,
    loads_json,
    loads_raw,
)

__all__ = [
    "Array",
    "ENVELOPE_INPUT_SCHEMA",
    "ENVELOPE_SCHEMA",
    "effective_limits",
    "has_one_dtype",
    "input_schema",
    "error_context",
    "payload_schema",
    "to_pydantic_error",
]

#: The JSON Schema of the envelope form as written by ``serialize="envelope"``.
ENVELOPE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "an arrayguard array envelope: dtype as NumPy writes it, shape, and the "
    "C-order payload in base64",
    "properties": {
        "dtype": {"type": "string", "examples": ["<f4"]},
        "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "data": {"type": "string", "contentEncoding": "base64"},
    },
    "required": ["dtype", "shape", "data"],
    "additionalProperties": False,
}

#: The JSON Schema of the envelope form as read: ``data`` in base64 or as a flat list.
ENVELOPE_INPUT_SCHEMA: dict[str, Any] = {
    **ENVELOPE_SCHEMA,
    "properties": {
        **ENVELOPE_SCHEMA["properties"],
        "order": {"enum": ["C", "F"]},
        "data": {
            "anyOf": [
                {"type": "string", "contentEncoding": "base64"},
                {"type": "array", "items": {"type": ["number", "boolean"]}},
            ]
        },
    },
}

_ENVELOPE_KEYS = ("dtype", "shape", "data")


def effective_limits(spec: ArraySpec, limits: Limits | None = None) -> Limits:
    """The limits a reader applies for ``spec``: ``limits`` (default ``Limits()``) with the
    spec's own ``limits`` overrides on top, as the library does."""
    base = (limits if limits is not None else Limits()).to_dict()
    overrides = spec.to_dict().get("limits") or {}
    return Limits(**{**base, **overrides})


def _inline_refs(node: Any, defs: Mapping[str, Any], budget: int) -> Any:
    if isinstance(node, list):
        return [_inline_refs(item, defs, budget) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[len("#/$defs/") :] in defs:
        rest = {k: _inline_refs(v, defs, budget) for k, v in node.items() if k not in ("$ref", "$defs")}
        if budget <= 0:
            # Deeper than the reader allows: nothing matches.
            return {**rest, "not": {}}
        return {**rest, **_inline_refs(defs[ref[len("#/$defs/") :]], defs, budget - 1)}
    return {k: _inline_refs(v, defs, budget) for k, v in node.items() if k != "$defs"}


def payload_schema(spec: ArraySpec, limits: Limits | None = None) -> dict[str, Any]:
    """``spec.json_schema()`` made embeddable in a larger document (a model's schema, an
    OpenAPI document). Unchanged for shapes without a variadic run. A variadic shape's schema
    is recursive through ``#/$defs/...`` references, which would resolve against the enclosing
    document (Pydantic refuses them, OpenAPI tools look them up in the wrong place): they are
    expanded instead, as many levels deep as the reader's ``max_ndim`` allows (``limits``
    with the spec's overrides), below which nothing matches."""
    schema = spec.json_schema()
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    budget = effective_limits(spec, limits).max_ndim + 1
    inlined: dict[str, Any] = _inline_refs(schema, defs, budget)
    return inlined


def has_one_dtype(spec: ArraySpec) -> bool:
    """Whether ``spec`` names exactly one dtype: only then can nested lists (which carry no
    dtype) be read with it; otherwise JSON input must be an envelope."""
    return isinstance(spec.to_dict().get("dtype"), str)


def input_schema(spec: ArraySpec, limits: Limits | None = None) -> dict[str, Any]:
    """The JSON Schema of the JSON input ``spec`` accepts, as documented in models and OpenAPI:
    ``payload_schema(spec)`` (nested arrays) when the spec names one dtype, else the envelope's
    (nested arrays are then refused)."""
    if has_one_dtype(spec):
        return payload_schema(spec, limits)
    return dict(ENVELOPE_INPUT_SCHEMA)


def error_context(error: ArrayGuardError) -> dict[str, Any]:
    """The ``ctx`` of the Pydantic error for ``error``: ``fault``, ``offset``, ``location``."""
    return {"fault": error.fault, "offset": error.offset, "location": dict(error.location)}


def to_pydantic_error(error: ArrayGuardError) -> PydanticCustomError:
    """``error`` as a Pydantic error whose ``type`` is the arrayguard code."""
    # The message is used as a template: only `{fault}`, `{offset}` and `{location}` would be
    # substituted, and arrayguard messages quote input in backticks, never in braces.
    return PydanticCustomError(error.code, str(error), error_context(error))


def _envelope_text(value: Mapping[Any, Any]) -> str:
    """An envelope dict as JSON text with ``dtype`` and ``shape`` before ``data`` (the
    reader requires that order, so that the declared size is checked before the data is read;
    a dict parsed by Pydantic has already been read, so reordering it costs nothing), other keys
    after, for the reader to refuse."""
    ordered = {k: value[k] for k in _ENVELOPE_KEYS if k in value}
    ordered.update((k, v) for k, v in value.items() if k not in ordered)
    try:
        return json.dumps(ordered, allow_nan=True)
    except (TypeError, ValueError, RecursionError) as e:
        raise PydanticCustomError(
            "json.envelope",
            "invalid array envelope: {reason}",
            {"reason": f"not a JSON value ({e})", "fault": "input", "offset": None, "location": None},
        ) from None


class Array:
    """Pydantic metadata for ``Annotated[np.ndarray, Array(...)]``.

    ``Array(spec)`` with an ``ArraySpec``, or ``Array(dtype=..., shape=..., order=...,
    byte_order=..., values=...)`` with ``ArraySpec``'s keyword arguments. ``limits`` (a
    ``Limits`` or a dict of its fields) are the reader's limits (default ``Limits()``), with
    the spec's own ``limits`` overrides applied on top. ``allow_nan`` lets JSON input and output
    hold ``NaN``/``Infinity`` (value constraints of the spec still apply). ``serialize`` picks
    the JSON output: ``"list"`` (nested lists) or ``"envelope"`` (base64); the default is
    ``"list"`` when the spec names exactly one dtype, else ``"envelope"``: nested lists carry no
    dtype, so with several allowed dtypes only envelopes can be read back (nested lists are
    refused with ``config.invalid_spec``).
    """

    __slots__ = ("spec", "limits", "allow_nan", "serialize")

    spec: ArraySpec
    limits: Limits | None
    allow_nan: bool
    serialize: Literal["list", "envelope"]

    def __init__(
        self,
        spec: ArraySpec | None = None,
        *,
        dtype: str | list[str] | dict[str, Any] | None = None,
        shape: str | list[int | str | None | dict[str, int]] | None = None,
        order: Literal["C", "F", "any"] | None = None,
        byte_order: Literal["little", "big", "any"] | None = None,
        values: dict[str, Any] | None = None,
        limits: Limits | Mapping[str, int] | None = None,
        allow_nan: bool = False,
        serialize: Literal["list", "envelope"] | None = None,
    ) -> None:
        spec_kwargs = {
            "dtype": dtype,
            "shape": shape,
            "order": order,
            "byte_order": byte_order,
            "values": values,
        }
        given = [k for k, v in spec_kwargs.items() if v is not None]
        if spec is not None and given:
            raise TypeError(f"Array: pass an ArraySpec or its keyword arguments, not both ({', '.join(given)})")
        if spec is not None and not isinstance(spec, ArraySpec):
            raise TypeError(f"Array: spec must be an arrayguard.ArraySpec, found {type(spec).__name__}")
        if serialize not in (None, "list", "envelope"):
            raise ValueError(f'Array: serialize must be "list" or "envelope", found {serialize!r}')
        self.spec = spec if spec is not None else ArraySpec(dtype, shape, order, byte_order, values)
        # Nested lists carry no dtype: they are read as the spec's one dtype, so a spec allowing
        # several (or any) dtypes reads envelopes only, and writes them.
        one_dtype = has_one_dtype(self.spec)
        if serialize is None:
            serialize = "list" if one_dtype else "envelope"
        self.limits = limits if isinstance(limits, Limits) or limits is None else Limits(**dict(limits))
        self.allow_nan = allow_nan
        self.serialize = serialize

    def __repr__(self) -> str:
        return f"Array({self.spec!r}, limits={self.limits!r}, allow_nan={self.allow_nan}, serialize={self.serialize!r})"

    # Validation ---------------------------------------------------------------------------

    def validate_json_value(self, value: Any) -> npt.NDArray[Any]:
        """A value parsed from JSON (nested lists, or an envelope dict) through the library's
        JSON reader."""
        try:
            if isinstance(value, dict):
                return loads_json(_envelope_text(value), self.spec, limits=self.limits, allow_nan=self.allow_nan)
            return from_json_value(value, self.spec, limits=self.limits, allow_nan=self.allow_nan)
        except ArrayGuardError as e:
            raise to_pydantic_error(e) from None

    def validate_ndarray(self, value: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """An ``ndarray`` checked against the spec by the library (``loads_raw`` on its buffer:
        its dtype with byte order, shape and memory order are the layout; the spec's checks
        and the limits apply as to any raw buffer). Returns the library's copy."""
        if value.flags.c_contiguous:
            buffer, order = value, "C"
        elif value.flags.f_contiguous:
            # The transpose of a Fortran-contiguous array is C-contiguous, over the same bytes.
            buffer, order = value.T, "F"
        else:
            buffer, order = np.ascontiguousarray(value), "C"
        try:
            return loads_raw(
                buffer,
                dtype=value.dtype.str,
                shape=value.shape,
                order=order,  # type: ignore[arg-type]
                spec=self.spec,
                limits=self.limits,
            )
        except ArrayGuardError as e:
            raise to_pydantic_error(e) from None

    def _python_lax(self, value: Any) -> npt.NDArray[Any]:
        if isinstance(value, np.ndarray):
            return self.validate_ndarray(value)
        if isinstance(value, (list, tuple, dict)):
            return self.validate_json_value(value)
        raise PydanticCustomError(
            "array_type",
            "Input should be a numpy.ndarray, nested lists of numbers or an array envelope, found {found}",
            {"found": type(value).__name__},
        )

    def _python_strict(self, value: Any) -> npt.NDArray[Any]:
        if isinstance(value, np.ndarray):
            return self.validate_ndarray(value)
        raise PydanticCustomError(
            "array_type",
            "Input should be a numpy.ndarray (strict mode), found {found}",
            {"found": type(value).__name__},
        )

    def _json(self, value: Any) -> npt.NDArray[Any]:
        if isinstance(value, (list, dict)):
            return self.validate_json_value(value)
        raise PydanticCustomError(
            "array_type",
            "Input should be nested JSON arrays of numbers or an array envelope, found {found}",
            {"found": type(value).__name__},
        )

    # Serialization ------------------------------------------------------------------------

    def to_jsonable(self, value: Any) -> Any:
        """The array as JSON-compatible Python values: nested lists (through
        ``arrayguard.dumps_json``) or the base64 envelope."""
        array = np.asarray(value)
        if self.serialize == "envelope":
            array = np.ascontiguousarray(array)
            return {
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "data": base64.b64encode(array.tobytes()).decode("ascii"),
            }
        return json.loads(dumps_json(array, allow_nan=self.allow_nan))

    # Pydantic hooks -----------------------------------------------------------------------

    def __get_pydantic_core_schema__(self, source_type: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        python = core_schema.lax_or_strict_schema(
            lax_schema=core_schema.no_info_plain_validator_function(self._python_lax),
            strict_schema=core_schema.no_info_plain_validator_function(self._python_strict),
        )
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_plain_validator_function(self._json),
            python_schema=python,
            serialization=core_schema.plain_serializer_function_ser_schema(self.to_jsonable, when_used="json"),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if handler.mode == "serialization" and self.serialize == "envelope":
            return dict(ENVELOPE_SCHEMA)
        return input_schema(self.spec, self.limits)
