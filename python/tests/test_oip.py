"""Inference requests (Open Inference Protocol): bodies built by the real Triton client
library, read with ``loads_infer_request``, equal to the arrays they came from; bfloat16 as
``ml_dtypes.bfloat16``; hostile requests refused with their codes."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import tritonclient.http as httpclient

import arrayguard as ag

SPEC = """
version = 1

[dims]
batch = { min = 1, max = 64 }

[arrays.features]
dtype = ["f32", "f16", "bf16"]
shape = "batch 4"
values = { finite = true }

[arrays.index]
dtype = "i64"
shape = "batch"
values = { min = 0 }
"""


@pytest.fixture()
def bundle(tmp_path):
    path = tmp_path / "model.toml"
    path.write_text(SPEC)
    return ag.BundleSpec.from_file(path)


def body_of(inputs, outputs=None):
    body, json_size = httpclient.InferenceServerClient.generate_request_body(
        inputs, outputs=outputs, request_id="r-1"
    )
    return body, json_size


def infer_input(name, array, datatype, binary):
    x = httpclient.InferInput(name, list(array.shape), datatype)
    x.set_data_from_numpy(array, binary_data=binary)
    return x


@pytest.mark.parametrize(
    "dtype,datatype,binary",
    [
        (np.float32, "FP32", False),
        (np.float32, "FP32", True),
        (np.float16, "FP16", False),
        (np.float16, "FP16", True),
        # The Triton client sends BF16 only as binary data.
        (ml_dtypes.bfloat16, "BF16", True),
    ],
)
def test_triton_client_requests_read_back_equal(bundle, dtype, datatype, binary):
    features = (np.arange(12).reshape(3, 4) / 7).astype(dtype)
    index = np.array([0, 2, 1], dtype=np.int64)
    inputs = [
        infer_input("features", features, datatype, binary),
        infer_input("index", index, "INT64", not binary),
    ]
    outputs = [httpclient.InferRequestedOutput("score", binary_data=True)]
    body, json_size = body_of(inputs, outputs)
    request = ag.loads_infer_request(body, bundle, header_length=json_size)
    assert request["id"] == "r-1"
    assert request["binary_outputs"] == ["score"]
    got = request["inputs"]
    assert list(got) == ["features", "index"]
    assert got["features"].dtype == np.dtype(dtype)
    assert got["features"].view(np.uint8).tobytes() == features.view(np.uint8).tobytes()
    np.testing.assert_array_equal(got["index"], index)


def test_the_header_length_may_be_given_as_the_header_text(bundle):
    features = np.ones((2, 4), dtype=np.float32)
    inputs = [infer_input("features", features, "FP32", True), infer_input("index", np.zeros(2, np.int64), "INT64", True)]
    body, json_size = body_of(inputs)
    request = ag.loads_infer_request(body, bundle, header_length=str(json_size))
    assert request["binary_data_output"] is True
    np.testing.assert_array_equal(request["inputs"]["features"], features)


@pytest.mark.parametrize(
    "case,code",
    [
        ("batch_disagrees", "spec.named_dim"),
        ("negative_index", "value.below_min"),
        ("nan", "value.nan"),
        ("bool_example", "oip.data_shape"),
        ("lying_size", "oip.binary_size"),
        ("unknown_input", "spec.unknown_array"),
    ],
)
def test_hostile_requests_raise_with_their_codes(bundle, case, code):
    features = np.ones((2, 4), dtype=np.float32)
    index = np.array([0, 1], dtype=np.int64)
    header_length = None
    if case == "batch_disagrees":
        body, _ = body_of([infer_input("features", features, "FP32", False), infer_input("index", np.zeros(3, np.int64), "INT64", False)])
    elif case == "negative_index":
        body, _ = body_of([infer_input("features", features, "FP32", False), infer_input("index", np.array([0, -1]), "INT64", False)])
    elif case == "nan":
        bad = features.copy()
        bad[1, 2] = np.nan
        body, _ = body_of([infer_input("features", bad, "FP32", False), infer_input("index", index, "INT64", False)])
    elif case == "bool_example":
        body = b'{"inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP32", "data": [1]}, {"name": "index", "shape": [2], "datatype": "INT64", "data": [0, 1]}]}'
    elif case == "lying_size":
        body, header_length = body_of([infer_input("features", features, "FP32", True), infer_input("index", index, "INT64", False)])
        # Same length: the header's length is unchanged.
        body = body.replace(b'"binary_data_size":32', b'"binary_data_size":16')
    else:
        body, _ = body_of([infer_input("features", features, "FP32", False), infer_input("index", index, "INT64", False), infer_input("other", index, "INT64", False)])
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_infer_request(body, bundle, header_length=header_length)
    assert info.value.code == code


def test_a_header_length_that_is_not_a_number_is_refused(bundle):
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_infer_request(b"{}", bundle, header_length="12abc")
    assert info.value.code == "oip.invalid_request"


def test_bf16_arrays_from_raw_bytes_are_ml_dtypes_bfloat16():
    values = np.array([1.5, -0.0, np.inf, 3.0e38], dtype=ml_dtypes.bfloat16)
    got = ag.loads_raw(values.tobytes(), dtype="bf16", shape=(4,))
    assert got.dtype == np.dtype(ml_dtypes.bfloat16)
    assert got.view(np.uint16).tobytes() == values.view(np.uint16).tobytes()
