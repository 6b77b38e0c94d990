"""arrayguard.pydantic: Annotated[np.ndarray, Array(spec)] fields in Pydantic v2 models."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

import arrayguard
from arrayguard.pydantic import ENVELOPE_SCHEMA, Array, payload_schema

SPEC = arrayguard.ArraySpec(dtype="f4", shape="2 3")


class Model(BaseModel):
    x: Annotated[np.ndarray, Array(SPEC)]


class Loose(BaseModel):
    """Any f8 array: no shape, so depth is bounded by the limits only."""

    x: Annotated[np.ndarray, Array(dtype="f8")]


class NanModel(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="constants")
    x: Annotated[np.ndarray, Array(dtype="f8", shape="n", allow_nan=True)]


class EnvelopeOut(BaseModel):
    x: Annotated[np.ndarray, Array(dtype=["f4", "f8"], shape="n m", serialize="envelope")]


def only_error(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, Any]:
    errors = exc.value.errors()
    assert len(errors) == 1, errors
    return dict(errors[0])


def b64(array: np.ndarray) -> str:
    return base64.b64encode(array.tobytes()).decode()


EXPECTED = np.array([[1, 2, 3], [4, 5, 6.5]], dtype="f4")


def test_nested_lists_json() -> None:
    m = Model.model_validate_json('{"x": [[1, 2, 3], [4, 5, 6.5]]}')
    assert m.x.dtype == np.float32 and m.x.shape == (2, 3)
    np.testing.assert_array_equal(m.x, EXPECTED)


def test_envelope_base64_json() -> None:
    text = json.dumps({"x": {"dtype": "<f4", "shape": [2, 3], "data": b64(EXPECTED.astype("<f4"))}})
    np.testing.assert_array_equal(Model.model_validate_json(text).x, EXPECTED)


def test_envelope_keys_in_any_order_and_list_data() -> None:
    # Pydantic hands over a dict; its key order does not matter.
    text = '{"x": {"data": [1, 2, 3, 4, 5, 6.5], "shape": [2, 3], "dtype": "<f4"}}'
    np.testing.assert_array_equal(Model.model_validate_json(text).x, EXPECTED)


def test_envelope_big_endian_base64() -> None:
    text = json.dumps({"x": {"dtype": ">f4", "shape": [2, 3], "data": b64(EXPECTED.astype(">f4"))}})
    x = Model.model_validate_json(text).x
    assert x.dtype == np.dtype("=f4")
    np.testing.assert_array_equal(x, EXPECTED)


def test_envelope_errors() -> None:
    with pytest.raises(ValidationError) as exc:
        Model.model_validate_json('{"x": {"dtype": "<f4", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6], "extra": 1}}')
    assert only_error(exc)["type"] == "json.envelope"
    with pytest.raises(ValidationError) as exc:
        Model.model_validate_json('{"x": {"dtype": "<f4", "shape": [2, 3]}}')
    assert only_error(exc)["type"] == "json.envelope"
    with pytest.raises(ValidationError) as exc:  # declares 6 elements, holds 5
        Model.model_validate_json(json.dumps({"x": {"dtype": "<f4", "shape": [2, 3], "data": b64(np.zeros(5, "<f4"))}}))
    assert only_error(exc)["type"].startswith(("data.", "json."))
    with pytest.raises(ValidationError) as exc:
        Model.model_validate_json(json.dumps({"x": {"dtype": "<f8", "shape": [2, 3], "data": b64(np.zeros(6))}}))
    assert only_error(exc)["type"] == "spec.dtype"


def test_ndarray_python_mode() -> None:
    m = Model(x=EXPECTED.copy())
    np.testing.assert_array_equal(m.x, EXPECTED)
    # Fortran order, big-endian, strided views: checked through the library, returned native, C order.
    for arr in (
        np.asfortranarray(EXPECTED),
        EXPECTED.astype(">f4"),
        np.repeat(EXPECTED, 2, axis=1)[:, ::2],
    ):
        out = Model(x=arr).x
        assert out.dtype == np.dtype("=f4") and out.flags.c_contiguous
        np.testing.assert_array_equal(out, EXPECTED)


def test_ndarray_wrong_dtype_shape_order_values() -> None:
    with pytest.raises(ValidationError) as exc:
        Model(x=EXPECTED.astype("f8"))
    err = only_error(exc)
    assert err["type"] == "spec.dtype" and err["loc"] == ("x",)
    assert err["ctx"]["fault"] == "mismatch"
    with pytest.raises(ValidationError) as exc:
        Model(x=np.zeros((3, 2), "f4"))
    assert only_error(exc)["type"] == "spec.shape"
    with pytest.raises(ValidationError) as exc:
        Model(x=np.zeros((2, 3, 1), "f4"))
    assert only_error(exc)["type"] == "spec.ndim"

    class COnly(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="f4", order="C")]

    with pytest.raises(ValidationError) as exc:
        COnly(x=np.asfortranarray(EXPECTED))
    assert only_error(exc)["type"] == "spec.order"

    class Unit(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="f8", values={"min": 0, "max": 1})]

    Unit(x=np.array([0.0, 0.5, 1.0]))
    with pytest.raises(ValidationError) as exc:
        Unit(x=np.array([0.0, 1.5]))
    assert only_error(exc)["type"] == "value.above_max"
    with pytest.raises(ValidationError) as exc:
        Unit(x=np.array(["a"]))
    assert only_error(exc)["type"] == "dtype.unsupported"
    with pytest.raises(ValidationError) as exc:
        Unit(x=np.array([None, 1.0], dtype=object))
    assert only_error(exc)["type"] == "dtype.pickle_not_allowed"


def test_wrong_dtype_shape_json() -> None:
    with pytest.raises(ValidationError) as exc:
        Model.model_validate_json('{"x": [[1, 2, 3]]}')
    assert only_error(exc)["type"] == "spec.shape"
    with pytest.raises(ValidationError) as exc:
        Model.model_validate_json('{"x": [1, 2, 3]}')
    assert only_error(exc)["type"] == "spec.ndim"

    class Ints(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="i1")]

    with pytest.raises(ValidationError) as exc:
        Ints.model_validate_json('{"x": [1, 128]}')
    err = only_error(exc)
    assert err["type"] == "json.number_out_of_range"
    assert err["ctx"]["location"]["json_path"] == "[1]"
    with pytest.raises(ValidationError) as exc:
        Ints.model_validate_json('{"x": [1, 1.5]}')
    assert only_error(exc)["type"] == "json.not_an_integer"
    with pytest.raises(ValidationError) as exc:
        Ints.model_validate_json('{"x": [1, "2"]}')
    assert only_error(exc)["type"] == "json.unexpected_token"
    with pytest.raises(ValidationError) as exc:
        Ints.model_validate_json('{"x": "1, 2"}')
    assert only_error(exc)["type"] == "array_type"


def test_ragged_rows() -> None:
    with pytest.raises(ValidationError) as exc:
        Model.model_validate_json('{"x": [[1, 2, 3], [4, 5]]}')
    err = only_error(exc)
    assert err["type"] == "json.ragged"
    assert err["loc"] == ("x",)
    assert err["ctx"]["fault"] == "input"
    assert err["ctx"]["location"]["json_path"] == "[1]"
    assert "ragged" in err["msg"]
    # The same in Python mode (lax) and in JSON error output.
    with pytest.raises(ValidationError) as exc:
        Model(x=[[1, 2, 3], [4, 5]])  # type: ignore[arg-type]
    assert only_error(exc)["type"] == "json.ragged"
    assert json.loads(exc.value.json())[0]["type"] == "json.ragged"


def test_too_deep_nesting() -> None:
    # Pydantic's own JSON parser stops around 200 levels (json_invalid); below that, arrayguard's
    # reader stops at the 65th level.
    depth = 100
    with pytest.raises(ValidationError) as exc:
        Loose.model_validate_json('{"x": ' + "[" * depth + "1" + "]" * depth + "}")
    err = only_error(exc)
    assert err["type"] == "limit.depth"
    assert err["ctx"]["fault"] == "limit"
    # Python mode: 100 000 nested lists, built without recursion, refused at the limit.
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValidationError) as exc:
        Loose(x=deep)  # type: ignore[arg-type]
    assert only_error(exc)["type"] == "limit.depth"

    class Shallow(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="f8", limits={"max_depth": 3})]

    Shallow.model_validate_json('{"x": [[[1]]]}')
    with pytest.raises(ValidationError) as exc:
        Shallow.model_validate_json('{"x": [[[[1]]]]}')
    assert only_error(exc)["type"] == "limit.depth"


def test_nan_policy() -> None:
    with pytest.raises(ValidationError) as exc:
        Loose.model_validate_json('{"x": [1.0, NaN]}')
    err = only_error(exc)
    assert err["type"] == "json.unexpected_token" and err["ctx"]["location"]["json_path"] == "[1]"
    with pytest.raises(ValidationError) as exc:
        Loose.model_validate_json('{"x": [1.0, Infinity]}')
    assert only_error(exc)["type"] == "json.unexpected_token"
    x = NanModel.model_validate_json('{"x": [1.0, NaN, -Infinity]}').x
    assert np.isnan(x[1]) and x[2] == -np.inf
    # NaN in an ndarray is a value, governed by the spec's `values`.
    Loose(x=np.array([np.nan]))

    class Finite(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="f8", values={"finite": True}, allow_nan=True)]

    with pytest.raises(ValidationError) as exc:
        Finite(x=np.array([1.0, np.nan]))
    assert only_error(exc)["type"] == "value.nan"
    with pytest.raises(ValidationError) as exc:
        Finite.model_validate_json('{"x": [1.0, NaN]}')
    assert only_error(exc)["type"] == "value.nan"
    # Output: without allow_nan, a NaN array cannot be written as JSON.
    with pytest.raises(Exception, match="NaN|finite|nan"):
        Loose(x=np.array([np.nan])).model_dump_json()
    # With allow_nan and ser_json_inf_nan="constants", it round-trips.
    m = NanModel(x=np.array([1.0, np.nan, np.inf]))
    back = NanModel.model_validate_json(m.model_dump_json())
    np.testing.assert_array_equal(back.x, m.x)


def test_strict_and_lax() -> None:
    lists = {"x": [[1, 2, 3], [4, 5, 6.5]]}
    np.testing.assert_array_equal(Model.model_validate(lists).x, EXPECTED)
    with pytest.raises(ValidationError) as exc:
        Model.model_validate(lists, strict=True)
    assert only_error(exc)["type"] == "array_type"
    np.testing.assert_array_equal(Model.model_validate({"x": EXPECTED}, strict=True).x, EXPECTED)
    # JSON input is lists whatever the strictness.
    np.testing.assert_array_equal(Model.model_validate_json(json.dumps(lists), strict=True).x, EXPECTED)

    class Strict(BaseModel):
        model_config = ConfigDict(strict=True)
        x: Annotated[np.ndarray, Array(SPEC)]

    with pytest.raises(ValidationError):
        Strict(x=[[1, 2, 3], [4, 5, 6]])  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as exc:
        Model(x="not an array")  # type: ignore[arg-type]
    assert only_error(exc)["type"] == "array_type"
    # No casting in either mode.
    with pytest.raises(ValidationError):
        Model.model_validate({"x": EXPECTED.astype("f8")})


def test_serialization_round_trip() -> None:
    m = Model(x=np.array([[0.1, 0.2, 0.3], [1e-7, 3.4e38, -0.0]], dtype="f4"))
    text = m.model_dump_json()
    # Floats written as the shortest text of their f4 value.
    assert json.loads(text) == {"x": [[0.1, 0.2, 0.3], [1e-7, 3.4e38, -0.0]]}
    back = Model.model_validate_json(text)
    np.testing.assert_array_equal(back.x, m.x)
    assert back.x.dtype == m.x.dtype
    assert np.signbit(back.x[1, 2])
    dumped = m.model_dump(mode="json")
    assert dumped == json.loads(text)
    python = m.model_dump()
    assert isinstance(python["x"], np.ndarray) and python["x"] is m.x


def test_serialization_envelope() -> None:
    arr = np.arange(6, dtype="f8").reshape(2, 3) / 7
    m = EnvelopeOut(x=arr)
    out = m.model_dump(mode="json")["x"]
    assert set(out) == {"dtype", "shape", "data"}
    assert out["shape"] == [2, 3]
    back = EnvelopeOut.model_validate_json(m.model_dump_json())
    np.testing.assert_array_equal(back.x, arr)
    assert back.x.dtype == np.float64
    assert EnvelopeOut.model_json_schema(mode="serialization")["properties"]["x"]["required"] == ENVELOPE_SCHEMA["required"]


def test_json_schema() -> None:
    schema = Model.model_json_schema()
    field = schema["properties"]["x"]
    expected = SPEC.json_schema()
    assert {k: v for k, v in field.items() if k != "title"} == expected
    assert field["minItems"] == 2 and field["items"]["maxItems"] == 3
    assert Model.model_json_schema(mode="serialization")["properties"]["x"]["items"] == expected["items"]
    # The same schema as `arrayguard schema --payload` prints (when the CLI is built).
    assert payload_schema(SPEC) == expected


def test_json_schema_variadic_is_self_contained() -> None:
    class Batch(BaseModel):
        x: Annotated[np.ndarray, Array(dtype="f4", shape="*batch n", limits={"max_ndim": 4})]

    schema = Batch.model_json_schema()
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    field = schema["properties"]["x"]
    assert "anyOf" in field
    # The recursion is expanded as deep as the reader's max_ndim allows, then nothing matches.
    assert text.count('"anyOf"') == 4 + 1
    assert text.count('"not": {}') == 1
    node = field
    for _ in range(5):
        tail, deeper = node["anyOf"]
        assert tail["description"] == "dimension `n`" and tail["items"] == {"type": "number"}
        node = deeper["items"]
    assert node == {"not": {}}


def test_spec_and_kwargs_are_exclusive() -> None:
    with pytest.raises(TypeError):
        Array(SPEC, dtype="f4")
    with pytest.raises(TypeError):
        Array("f4")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Array(SPEC, serialize="pickle")  # type: ignore[arg-type]
    with pytest.raises(arrayguard.ArrayGuardError):
        Array(shape="not a shape!")


def test_in_fastapi_body_model() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()

    @app.post("/echo")
    def echo(body: Model) -> Model:
        return body

    client = TestClient(app)
    ok = client.post("/echo", json={"x": [[1, 2, 3], [4, 5, 6.5]]})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"x": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]}
    bad = client.post("/echo", json={"x": [[1, 2, 3], [4, 5]]})
    assert bad.status_code == 422
    detail = bad.json()["detail"][0]
    assert detail["type"] == "json.ragged"
    assert detail["loc"] == ["body", "x"]
    assert detail["ctx"]["location"]["json_path"] == "[1]"
    openapi = client.get("/openapi.json").json()
    schema = openapi["components"]["schemas"]
    model_schema = schema.get("Model") or schema.get("Model-Input")
    assert model_schema is not None, list(schema)
    assert model_schema["properties"]["x"]["items"] == SPEC.json_schema()["items"]


def test_several_dtypes_read_envelopes_only() -> None:
    class Either(BaseModel):
        x: Annotated[np.ndarray, Array(dtype=["f4", "f8"], shape="n")]

    field = Either.model_json_schema()["properties"]["x"]
    assert field["type"] == "object" and set(field["required"]) == {"dtype", "shape", "data"}
    for dtype in ("<f4", "<f8"):
        arr = np.arange(3, dtype=dtype)
        m = Either.model_validate_json(json.dumps({"x": {"dtype": dtype, "shape": [3], "data": b64(arr)}}))
        assert m.x.dtype == np.dtype(dtype)
        # The default output is the envelope, which reads back with its dtype.
        back = Either.model_validate_json(m.model_dump_json())
        assert back.x.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(back.x, arr)
    with pytest.raises(ValidationError) as exc:
        Either.model_validate_json('{"x": [1, 2, 3]}')
    assert only_error(exc)["type"] == "config.invalid_spec"
    # An ndarray carries its dtype.
    assert Either(x=np.zeros(2, "f8")).x.dtype == np.float64
