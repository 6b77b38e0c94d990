"""A FastAPI dependency that validates a request body as an array before anything parses it.

::

    from typing import Annotated
    import numpy as np
    from fastapi import Depends, FastAPI
    import arrayguard
    from arrayguard.fastapi import ArrayBody

    app = FastAPI()
    images = ArrayBody(arrayguard.ArraySpec(dtype="u1", shape="n 28 28"), raw_dtype="u1", raw_shape=(-1, 28, 28))

    @app.post("/predict", openapi_extra=images.openapi_extra())
    def predict(x: Annotated[np.ndarray, Depends(images)]) -> dict[str, int]:
        return {"n": len(x)}

Media types (the request's ``Content-Type``, parameters such as ``charset`` ignored):

* ``application/x-npy``: a ``.npy`` file (``arrayguard.loads_npy``);
* ``application/octet-stream``: raw bytes in the layout fixed by the endpoint
  (``raw_dtype``, ``raw_shape``, ``raw_order``; ``arrayguard.loads_raw``), offered only when
  ``raw_dtype`` is given;
* ``application/json``: nested arrays or the envelope (``arrayguard.loads_json``: read in one
  pass by the library, no Python list built).

Size: the body limit is ``max_input_bytes`` for JSON, ``max_bytes`` plus the largest header
(``max_header_bytes`` + 12 bytes of magic, version and length) for ``.npy``, and for raw bytes
the exact size of the layout (``max_bytes`` when ``raw_shape`` has an inferred axis), with the
limits being ``limits`` (default ``Limits()``) and the spec's own overrides. A declared
``Content-Length`` over the limit is refused before the body is read; otherwise the body is read
as a stream and reading stops at the first byte over the limit (at most limit + 1 bytes are
held). The parse runs in a worker thread (the native functions release the GIL).

Errors are ``ArrayBodyError`` (an ``HTTPException``), answered by FastAPI's handler as
``{"detail": {"code", "message", "fault", "offset", "location"}}``:

* 413 when ``fault == "limit"`` (``limit.input_bytes``, ``limit.bytes``, ``limit.elements``,
  ``limit.depth``, ``npy.header_too_large``, ...), from ``Content-Length`` or the library;
* 415 for another media type: code ``http.unsupported_media_type``, fault ``input``, with
  ``allowed`` listing the accepted media types (and an ``Accept-Post`` header);
* 422 for an invalid array (any other library error: ``json.ragged``, ``spec.shape``,
  ``data.truncated``, ``config.invalid_spec`` for nested JSON arrays sent to an endpoint whose
  spec allows several dtypes, which must be sent as an envelope, ...);
* a ``usage`` error (the endpoint's own raw layout is invalid) is not the client's fault and is
  raised as is (a 500).

``location`` is ``ArrayGuardError.location`` (``offset``, ``json_path``, ``line``, ``column``,
``member``, ``array``), all ``None`` when the error has no position.

OpenAPI: a dependency cannot declare a request body, so pass ``openapi_extra=body.openapi_extra()``
to the route decorator: it declares the body for each accepted media type (JSON:
``spec.json_schema()``, or the envelope's schema when the spec allows several dtypes, as
nested arrays are then refused; see ``arrayguard.pydantic.input_schema``; ``.npy`` and raw: ``{"type": "string", "format": "binary"}``) and the
413/415/422 responses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import anyio.to_thread
import numpy as np
import numpy.typing as npt
from fastapi import HTTPException, Request

from arrayguard import ArrayGuardError, ArraySpec, Limits, loads_json, loads_npy, loads_raw
from arrayguard.pydantic import effective_limits, has_one_dtype, input_schema

__all__ = [
    "JSON",
    "NPY",
    "OCTET_STREAM",
    "ArrayBody",
    "ArrayBodyError",
    "ERROR_SCHEMA",
]

NPY = "application/x-npy"
OCTET_STREAM = "application/octet-stream"
JSON = "application/json"

#: Bytes of a ``.npy`` file before its header text: magic (6), version (2), length (4 in 2.0+).
NPY_PRELUDE_BYTES = 12

_NO_LOCATION: dict[str, Any] = {
    "offset": None,
    "json_path": None,
    "line": None,
    "column": None,
    "member": None,
    "array": None,
}

#: The JSON Schema of an error response's body.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "arrayguard's stable error code"},
                "message": {"type": "string"},
                "fault": {"enum": ["input", "mismatch", "limit", "io", "usage", "config"]},
                "offset": {"type": ["integer", "null"]},
                "location": {
                    "type": "object",
                    "properties": {
                        "offset": {"type": ["integer", "null"]},
                        "json_path": {"type": ["string", "null"]},
                        "line": {"type": ["integer", "null"]},
                        "column": {"type": ["integer", "null"]},
                        "member": {"type": ["string", "null"]},
                        "array": {"type": ["string", "null"]},
                    },
                },
                "allowed": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["code", "message", "fault", "offset", "location"],
        }
    },
    "required": ["detail"],
}


class ArrayBodyError(HTTPException):
    """A refused request body: ``status_code`` 413, 415 or 422, ``detail`` the error body."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        fault: str,
        *,
        offset: int | None = None,
        location: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        detail: dict[str, Any] = {
            "code": code,
            "message": message,
            "fault": fault,
            "offset": offset,
            "location": dict(location) if location is not None else dict(_NO_LOCATION),
            **extra,
        }
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.code = code
        self.fault = fault

    @classmethod
    def from_error(cls, error: ArrayGuardError) -> ArrayBodyError:
        """The HTTP answer to a library error: 413 for limits, 422 otherwise."""
        status = 413 if error.fault == "limit" else 422
        return cls(status, error.code, str(error), error.fault, offset=error.offset, location=dict(error.location))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


class ArrayBody:
    """A dependency returning the request body as a validated ``ndarray``:
    ``Annotated[np.ndarray, Depends(ArrayBody(spec))]``.

    ``spec``: the ``ArraySpec`` every array must satisfy (default: any array). ``limits``: the
    reader's limits (default ``Limits()``; the spec's overrides apply on top). ``raw_dtype``,
    ``raw_shape`` (one axis may be ``-1``/``None``, inferred from the length) and ``raw_order``:
    the layout of ``application/octet-stream`` bodies, which are accepted only when
    ``raw_dtype`` is given. ``media_types``: the accepted media types, a subset of
    ``application/x-npy``, ``application/octet-stream`` and ``application/json`` (default: all
    three, without octet-stream when there is no ``raw_dtype``). ``allow_nan``: JSON may hold
    ``NaN``/``Infinity``.
    """

    def __init__(
        self,
        spec: ArraySpec | None = None,
        *,
        limits: Limits | None = None,
        raw_dtype: str | np.dtype[Any] | type[np.generic] | None = None,
        raw_shape: int | Sequence[int | None] | None = None,
        raw_order: Literal["C", "F"] = "C",
        media_types: Sequence[str] | None = None,
        allow_nan: bool = False,
    ) -> None:
        self.spec = spec if spec is not None else ArraySpec()
        self.limits = effective_limits(self.spec, limits)
        self.allow_nan = allow_nan
        self.raw_dtype = np.dtype(raw_dtype) if raw_dtype is not None else None
        self.raw_shape: tuple[int | None, ...] | None
        if raw_shape is None:
            self.raw_shape = None
        elif isinstance(raw_shape, int):
            self.raw_shape = (None if raw_shape == -1 else raw_shape,)
        else:
            self.raw_shape = tuple(None if d is None or d == -1 else int(d) for d in raw_shape)
        if raw_order not in ("C", "F"):
            raise ValueError(f'ArrayBody: raw_order must be "C" or "F", found {raw_order!r}')
        self.raw_order: Literal["C", "F"] = raw_order
        if media_types is None:
            media_types = [NPY, JSON] if self.raw_dtype is None else [NPY, OCTET_STREAM, JSON]
        self.media_types = tuple(_media_type(m) for m in media_types)
        unknown = [m for m in self.media_types if m not in (NPY, OCTET_STREAM, JSON)]
        if unknown or not self.media_types:
            raise ValueError(f"ArrayBody: media_types must be among {NPY}, {OCTET_STREAM}, {JSON}; found {unknown}")
        if OCTET_STREAM in self.media_types and self.raw_dtype is None:
            raise ValueError(f"ArrayBody: {OCTET_STREAM} needs raw_dtype (and raw_shape) to fix the layout")
        if self.raw_dtype is not None and self.raw_dtype.itemsize == 0:
            raise ValueError(f"ArrayBody: raw_dtype {self.raw_dtype} has no size")

    def __repr__(self) -> str:
        return f"ArrayBody({self.spec!r}, media_types={list(self.media_types)!r})"

    # Limits --------------------------------------------------------------------------------

    def max_body_bytes(self, media_type: str) -> int:
        """The largest body accepted for ``media_type``."""
        if media_type == JSON:
            return self.limits.max_input_bytes
        if media_type == NPY:
            return self.limits.max_bytes + self.limits.max_header_bytes + NPY_PRELUDE_BYTES
        assert self.raw_dtype is not None
        shape = self.raw_shape if self.raw_shape is not None else (None,)
        if None in shape:
            return self.limits.max_bytes
        size = self.raw_dtype.itemsize
        for d in shape:
            size *= int(d or 0)
        return size

    def _limit_code(self, media_type: str) -> str:
        return "limit.input_bytes" if media_type == JSON else "limit.bytes"

    def _too_large(self, media_type: str, found: str) -> ArrayBodyError:
        limit = self.max_body_bytes(media_type)
        return ArrayBodyError(
            413,
            self._limit_code(media_type),
            f"limit exceeded: the body may hold at most {limit} bytes for {media_type}, {found}",
            "limit",
        )

    # The dependency ------------------------------------------------------------------------

    async def __call__(self, request: Request) -> npt.NDArray[Any]:
        media_type = _media_type(request.headers.get("content-type"))
        if media_type not in self.media_types:
            raise ArrayBodyError(
                415,
                "http.unsupported_media_type",
                f"unsupported media type {media_type or '(none)'!r}: expected one of {', '.join(self.media_types)}",
                "input",
                headers={"Accept-Post": ", ".join(self.media_types)},
                allowed=list(self.media_types),
            )
        limit = self.max_body_bytes(media_type)
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length > limit:
                raise self._too_large(media_type, f"the request declares {length}")
        body = await self._read(request, limit, media_type)
        parse = self._parser(media_type, body)
        try:
            return await anyio.to_thread.run_sync(parse)
        except ArrayGuardError as e:
            if e.fault == "usage":
                raise  # the endpoint's mistake (a bad raw layout), not the client's: a 500
            # `config` errors reach here only from the body's form (nested JSON arrays for a spec
            # with several dtypes, which needs an envelope): the client's to fix, a 422.
            raise ArrayBodyError.from_error(e) from None

    async def _read(self, request: Request, limit: int, media_type: str) -> bytes:
        """The body, read as a stream up to ``limit`` bytes; refused at the first byte over."""
        chunks: list[bytes] = []
        received = 0
        async for chunk in request.stream():
            if received + len(chunk) > limit:
                # Keep nothing more: the body is refused.
                chunks.clear()
                raise self._too_large(media_type, f"the body holds more than {limit}")
            chunks.append(chunk)
            received += len(chunk)
        return b"".join(chunks)

    def _parser(self, media_type: str, body: bytes) -> Callable[[], npt.NDArray[Any]]:
        if media_type == JSON:
            return functools.partial(loads_json, body, self.spec, limits=self.limits, allow_nan=self.allow_nan)
        if media_type == NPY:
            return functools.partial(loads_npy, body, self.spec, limits=self.limits)
        assert self.raw_dtype is not None
        return functools.partial(
            loads_raw,
            body,
            dtype=self.raw_dtype.str,
            shape=self.raw_shape,
            order=self.raw_order,
            spec=self.spec,
            limits=self.limits,
        )

    # OpenAPI -------------------------------------------------------------------------------

    def openapi_extra(self, *, description: str | None = None, required: bool = True) -> dict[str, Any]:
        """``openapi_extra`` for the route decorator: the request body for each accepted media
        type and the 413/415/422 error responses."""
        content: dict[str, Any] = {}
        for media_type in self.media_types:
            if media_type == JSON:
                content[JSON] = {"schema": input_schema(self.spec, self.limits)}
            else:
                content[media_type] = {"schema": {"type": "string", "format": "binary"}}
        body: dict[str, Any] = {"required": required, "content": content}
        body["description"] = description if description is not None else self._describe()
        error = {"application/json": {"schema": ERROR_SCHEMA}}
        return {
            "requestBody": body,
            "responses": {
                "413": {"description": "The body exceeds a limit (fault `limit`)", "content": error},
                "415": {"description": "Unsupported media type", "content": error},
                "422": {"description": "The body is not a valid array for this endpoint", "content": error},
            },
        }

    def _describe(self) -> str:
        parts = [f"An array satisfying {self.spec!r}."]
        if NPY in self.media_types:
            parts.append(f"`{NPY}`: a .npy file.")
        if OCTET_STREAM in self.media_types and self.raw_dtype is not None:
            shape = self.raw_shape if self.raw_shape is not None else (None,)
            dims = ", ".join("-1" if d is None else str(d) for d in shape)
            parts.append(f"`{OCTET_STREAM}`: raw `{self.raw_dtype.str}` bytes, shape ({dims}), {self.raw_order} order.")
        if JSON in self.media_types:
            if has_one_dtype(self.spec):
                parts.append(f"`{JSON}`: nested arrays or an envelope {{dtype, shape, data}}.")
            else:
                parts.append(f"`{JSON}`: an envelope {{dtype, shape, data}} (nested arrays carry no dtype).")
        return " ".join(parts)
