"""arrayguard.fastapi.ArrayBody through FastAPI's TestClient (in process)."""

from __future__ import annotations

import base64
import io
import json
import struct
from collections.abc import Iterator
from typing import Annotated, Any

import numpy as np
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

import arrayguard
from arrayguard.fastapi import JSON, NPY, OCTET_STREAM, ArrayBody, ArrayBodyError

SPEC = arrayguard.ArraySpec(dtype="f4", shape="n 3")
LIMITS = arrayguard.Limits(max_bytes=4096, max_input_bytes=8192, max_header_bytes=1024)
BODY = ArrayBody(SPEC, limits=LIMITS, raw_dtype="<f4", raw_shape=(-1, 3))
FIXED = ArrayBody(arrayguard.ArraySpec(dtype="u1", shape="4 4"), raw_dtype="u1", raw_shape=(4, 4), media_types=[OCTET_STREAM])
JSON_ONLY = ArrayBody(SPEC, limits=LIMITS, media_types=[JSON])
ANY_F8 = ArrayBody(arrayguard.ArraySpec(dtype="f8"), limits=LIMITS)  # no shape: depth is bounded by the limits

app = FastAPI()


@app.post("/sum", openapi_extra=BODY.openapi_extra())
def total(x: Annotated[np.ndarray, Depends(BODY)]) -> dict[str, Any]:
    return {"shape": list(x.shape), "dtype": x.dtype.str, "sum": float(x.sum())}


@app.post("/fixed", openapi_extra=FIXED.openapi_extra())
def fixed(x: Annotated[np.ndarray, Depends(FIXED)]) -> dict[str, Any]:
    return {"shape": list(x.shape), "sum": int(x.sum())}


@app.post("/json", openapi_extra=JSON_ONLY.openapi_extra())
def json_only(x: Annotated[np.ndarray, Depends(JSON_ONLY)]) -> dict[str, Any]:
    return {"shape": list(x.shape)}


@app.post("/any", openapi_extra=ANY_F8.openapi_extra())
def any_f8(x: Annotated[np.ndarray, Depends(ANY_F8)]) -> dict[str, Any]:
    return {"shape": list(x.shape)}


client = TestClient(app)
ARRAY = np.arange(12, dtype="<f4").reshape(4, 3)


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def hostile_npy(shape: tuple[int, ...] = (1_000_000_000,), descr: str = "<f8", total: int = 128) -> bytes:
    """A ``total``-byte .npy file whose header declares ``shape`` (8 GB for the default)."""
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}".encode()
    prelude = 10
    pad = total - prelude - len(header) - 1
    assert pad >= 0
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def assert_error(response: Any, status: int, code: str, fault: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    detail: dict[str, Any] = response.json()["detail"]
    assert detail["code"] == code, detail
    assert set(detail) >= {"code", "message", "fault", "offset", "location"}
    assert set(detail["location"]) == {"offset", "json_path", "line", "column", "member", "array"}
    if fault is not None:
        assert detail["fault"] == fault
    return detail


class Recorder:
    """A request body generator that records how much of it was consumed."""

    def __init__(self, chunks: int, chunk: bytes) -> None:
        self.chunks = chunks
        self.chunk = chunk
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.sent += 1
            yield self.chunk


# Valid bodies -------------------------------------------------------------------------------


def test_npy_valid() -> None:
    r = client.post("/sum", content=npy_bytes(ARRAY), headers={"content-type": NPY})
    assert r.status_code == 200, r.text
    assert r.json() == {"shape": [4, 3], "dtype": "<f4", "sum": 66.0}
    # Big-endian and Fortran-order files are read too (the spec says nothing about either).
    r = client.post("/sum", content=npy_bytes(np.asfortranarray(ARRAY.astype(">f4"))), headers={"content-type": NPY})
    assert r.status_code == 200 and r.json()["sum"] == 66.0


def test_octet_stream_valid() -> None:
    r = client.post("/sum", content=ARRAY.tobytes(), headers={"content-type": OCTET_STREAM})
    assert r.status_code == 200, r.text
    assert r.json()["shape"] == [4, 3]
    r = client.post("/fixed", content=bytes(range(16)), headers={"content-type": OCTET_STREAM})
    assert r.status_code == 200 and r.json() == {"shape": [4, 4], "sum": 120}


def test_json_valid() -> None:
    r = client.post("/sum", content=json.dumps(ARRAY.tolist()), headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200, r.text
    assert r.json()["sum"] == 66.0
    envelope = {"dtype": "<f4", "shape": [4, 3], "data": base64.b64encode(ARRAY.tobytes()).decode()}
    r = client.post("/sum", json=envelope)
    assert r.status_code == 200 and r.json()["sum"] == 66.0


# Refusals -----------------------------------------------------------------------------------


def test_unsupported_media_type() -> None:
    r = client.post("/sum", content=b"1,2,3", headers={"content-type": "text/csv"})
    detail = assert_error(r, 415, "http.unsupported_media_type", "input")
    assert detail["allowed"] == [NPY, OCTET_STREAM, JSON]
    assert r.headers["accept-post"] == f"{NPY}, {OCTET_STREAM}, {JSON}"
    assert_error(client.post("/sum", content=b"[]"), 415, "http.unsupported_media_type")
    # A media type the endpoint does not take.
    assert_error(client.post("/json", content=npy_bytes(ARRAY), headers={"content-type": NPY}), 415, "http.unsupported_media_type")


def test_invalid_arrays_422() -> None:
    d = assert_error(client.post("/sum", content=b"[[1,2,3],[4,5]]", headers={"content-type": JSON}), 422, "json.ragged", "input")
    assert d["location"]["json_path"] == "[1]"
    assert d["location"]["line"] == 1 and d["location"]["column"] is not None
    assert "ragged" in d["message"]
    assert_error(client.post("/sum", json=[[1, 2]]), 422, "spec.shape", "mismatch")
    assert_error(client.post("/sum", json=[[1, 2, "x"]]), 422, "json.unexpected_token")
    assert_error(client.post("/sum", json=[1, 2, 3]), 422, "spec.ndim")
    assert_error(client.post("/sum", content=npy_bytes(ARRAY.astype("f8")), headers={"content-type": NPY}), 422, "spec.dtype")
    assert_error(client.post("/sum", content=b"\x93NUMPX", headers={"content-type": NPY}), 422, "npy.bad_magic")
    assert_error(client.post("/sum", content=npy_bytes(ARRAY)[:-1], headers={"content-type": NPY}), 422, "data.truncated")
    assert_error(client.post("/sum", content=npy_bytes(np.array([None], dtype=object)), headers={"content-type": NPY}), 422, "dtype.pickle_not_allowed")
    assert_error(client.post("/sum", content=b"\x00" * 10, headers={"content-type": OCTET_STREAM}), 422, "data.length_mismatch")
    assert_error(client.post("/fixed", content=b"\x00" * 15, headers={"content-type": OCTET_STREAM}), 422, "data.truncated")


def test_library_limits_are_413() -> None:
    # 128 bytes declaring 8 GB of float64: refused from the header, nothing allocated.
    hostile = hostile_npy()
    assert len(hostile) == 128
    d = assert_error(client.post("/any", content=hostile, headers={"content-type": NPY}), 413, "limit.elements", "limit")
    assert "1000000000" in d["message"]
    d = assert_error(client.post("/any", content=b"[" * 8000, headers={"content-type": JSON}), 413, "limit.depth", "limit")
    assert d["location"]["column"] == 65
    # Under the byte limits, a header declaring more than max_bytes is refused from the header.
    assert_error(client.post("/any", content=hostile_npy(shape=(1024,)), headers={"content-type": NPY}), 413, "limit.bytes", "limit")


def test_content_length_over_limit_refused_before_reading() -> None:
    for media_type, limit, code in (
        (JSON, LIMITS.max_input_bytes, "limit.input_bytes"),
        (NPY, LIMITS.max_bytes + LIMITS.max_header_bytes + 12, "limit.bytes"),
        (OCTET_STREAM, LIMITS.max_bytes, "limit.bytes"),
    ):
        chunk = b"x" * 1024
        body = Recorder(limit // 1024 + 1, chunk)
        # Declared length: the generator's real total, over the limit; httpx sends it as is.
        total = body.chunks * len(chunk)
        assert total > limit
        r = client.post("/sum", content=body, headers={"content-type": media_type, "content-length": str(total)})
        d = assert_error(r, 413, code, "limit")
        assert str(limit) in d["message"] and str(total) in d["message"]
        # TestClient reads the body (whole) at the app's first `receive()`: nothing was read.
        assert body.sent == 0, (media_type, body.sent)
    # Exactly the layout size for a fixed raw shape: one byte more is refused unread.
    body = Recorder(1, b"\x00" * 17)
    r = client.post("/fixed", content=body, headers={"content-type": OCTET_STREAM, "content-length": "17"})
    assert_error(r, 413, "limit.bytes", "limit")


def test_chunked_body_over_limit() -> None:
    chunk = b" " * 1000
    body = Recorder(100, chunk)  # 100 kB of whitespace, no Content-Length: chunked
    r = client.post("/json", content=body, headers={"content-type": JSON})
    d = assert_error(r, 413, "limit.input_bytes", "limit")
    assert "more than 8192" in d["message"]
    # (Starlette's TestClient reads a request body whole before handing it to the app, so where
    # reading stops is checked at the ASGI level below and over a socket in test_server.py.)
    # Under the limit, chunked bodies are read.
    ok = Recorder(1, json.dumps(ARRAY.tolist()).encode())
    r = client.post("/sum", content=ok, headers={"content-type": JSON})
    assert r.status_code == 200, r.text


def test_reading_stops_at_limit_plus_one() -> None:
    """The dependency holds at most `limit` bytes (it drops its chunks at the first byte over)."""
    import asyncio

    from starlette.requests import Request

    limit = JSON_ONLY.max_body_bytes(JSON)
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b" " * 4096, "more_body": True}

    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", b"application/json")], "path": "/", "query_string": b""}
    with pytest.raises(ArrayBodyError) as exc:
        asyncio.run(JSON_ONLY(Request(scope, receive)))
    assert exc.value.status_code == 413
    assert pulled == limit // 4096 + 1


EITHER = ArrayBody(arrayguard.ArraySpec(dtype=["f4", "f8"], shape="n"), media_types=[JSON])
either_app = FastAPI()


# (At module level: with `from __future__ import annotations`, FastAPI resolves the annotation
# in the module's globals.)
@either_app.post("/either", openapi_extra=EITHER.openapi_extra())
def take_either(x: Annotated[np.ndarray, Depends(EITHER)]) -> dict[str, str]:
    return {"dtype": x.dtype.str}


def test_several_dtypes_need_an_envelope() -> None:
    c = TestClient(either_app)
    for dtype in ("<f4", "<f8"):
        data = base64.b64encode(np.arange(3, dtype=dtype).tobytes()).decode()
        r = c.post("/either", json={"dtype": dtype, "shape": [3], "data": data})
        assert r.status_code == 200 and r.json() == {"dtype": dtype}
    # Nested arrays carry no dtype: the client's to fix (422), not a server error.
    assert_error(c.post("/either", json=[1, 2, 3]), 422, "config.invalid_spec", "config")
    schema = c.get("/openapi.json").json()["paths"]["/either"]["post"]["requestBody"]["content"][JSON]["schema"]
    assert schema["type"] == "object" and "data" in schema["properties"]


def test_openapi_request_body() -> None:
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/sum"]["post"]
    content = op["requestBody"]["content"]
    assert set(content) == {NPY, OCTET_STREAM, JSON}
    assert content[JSON]["schema"] == SPEC.json_schema()
    assert content[NPY]["schema"] == {"type": "string", "format": "binary"}
    assert content[OCTET_STREAM]["schema"] == {"type": "string", "format": "binary"}
    assert op["requestBody"]["required"] is True
    assert {"413", "415", "422"} <= set(op["responses"])
    assert set(doc["paths"]["/fixed"]["post"]["requestBody"]["content"]) == {OCTET_STREAM}
    assert set(doc["paths"]["/json"]["post"]["requestBody"]["content"]) == {JSON}
    assert "raw `<f4` bytes, shape (-1, 3)" in op["requestBody"]["description"]


def test_constructor_checks() -> None:
    with pytest.raises(ValueError):
        ArrayBody(SPEC, media_types=[OCTET_STREAM])  # no layout
    with pytest.raises(ValueError):
        ArrayBody(SPEC, media_types=["text/csv"])
    assert ArrayBody(SPEC).media_types == (NPY, JSON)
    assert FIXED.max_body_bytes(OCTET_STREAM) == 16
    spec_limits = ArrayBody(arrayguard.ArraySpec(dtype="f4", limits={"max_input_bytes": 100}))
    assert spec_limits.max_body_bytes(JSON) == 100
