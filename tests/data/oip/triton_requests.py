"""Builds inference request bodies with the Triton client library, for tests/oip.rs.

Usage: python triton_requests.py OUT_DIR

For every datatype, shape and encoding (JSON `data`, and binary tensors), this builds the
request body exactly as `tritonclient.http` sends it (`InferenceServerClient.
generate_request_body`, which needs no server) and writes, per case:

- `NAME.body`: the body;
- `NAME.json`: `{"datatype", "shape", "header_length"}` (`header_length` is the value of the
  `Inference-Header-Content-Length` header the client sends, or null);
- `NAME.npy`: the NumPy array the input was built from (BF16 as its uint16 bit patterns, since
  `.npy` has no bfloat16).

A combination the client itself refuses is listed in `refused.txt` with its reason. Finally
`multi.body`/`multi.json` hold one request with three inputs sharing a batch dimension, two
binary and one JSON, with outputs asking for binary data.
"""

import json
import pathlib
import sys

import ml_dtypes
import numpy as np
import tritonclient.http as httpclient

DTYPES = {
    "BOOL": np.bool_,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
    "BF16": ml_dtypes.bfloat16,
}

SHAPES = {"2x3": (2, 3), "4": (4,), "1x2x2": (1, 2, 2), "0x3": (0, 3)}


def values(datatype, shape):
    """Values that reach each type's corners: extremes for integers, signed zero,
    subnormals, infinities and NaN for floats (JSON cases drop the non-finite ones only if
    the client refuses them)."""
    n = int(np.prod(shape))
    dtype = DTYPES[datatype]
    if datatype == "BOOL":
        return (np.arange(n) % 3 == 1).reshape(shape)
    if np.issubdtype(np.dtype(dtype), np.integer):
        info = np.iinfo(dtype)
        pool = [info.min, info.max, 0, 1, info.max // 3, info.min // 7]
        return np.array([pool[i % len(pool)] for i in range(n)], dtype=dtype).reshape(shape)
    finfo = ml_dtypes.finfo(dtype) if datatype == "BF16" else np.finfo(dtype)
    pool = [0.1, -0.0, float(finfo.max), float(finfo.smallest_subnormal), -2.5, 1e-3, 7.0,
            float("nan"), float("-inf")]
    return np.array([pool[i % len(pool)] for i in range(n)], dtype=np.float64).astype(dtype).reshape(shape)


def save(out, name, inputs, outputs=None, expected=None, meta=None):
    body, json_size = httpclient.InferenceServerClient.generate_request_body(
        inputs, outputs=outputs, request_id=name
    )
    (out / f"{name}.body").write_bytes(body)
    meta = dict(meta or {}, header_length=json_size)
    (out / f"{name}.json").write_text(json.dumps(meta))
    if expected is not None:
        if expected.dtype == ml_dtypes.bfloat16:
            expected = expected.view(np.uint16)
        np.save(out / f"{name}.npy", expected)


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    refused = []
    for datatype in DTYPES:
        for shape_name, shape in SHAPES.items():
            for binary in (False, True):
                name = f"{datatype}_{shape_name}_{'binary' if binary else 'json'}"
                array = values(datatype, shape)
                x = httpclient.InferInput("x", list(shape), datatype)
                try:
                    x.set_data_from_numpy(array, binary_data=binary)
                except Exception as e:  # the client's own refusal, recorded
                    refused.append(f"{name}: {e}")
                    continue
                save(out, name, [x], expected=array,
                     meta={"datatype": datatype, "shape": list(shape)})
    (out / "refused.txt").write_text("\n".join(refused) + "\n")

    # One request, three inputs sharing the batch (3), two binary and one JSON.
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    b = np.array([1, 0, 2], dtype=np.int64)
    c = np.array([[True], [False], [True]])
    inputs = []
    for name, array, datatype, binary in [
        ("features", a, "FP32", True),
        ("index", b, "INT64", False),
        ("mask", c, "BOOL", True),
    ]:
        x = httpclient.InferInput(name, list(array.shape), datatype)
        x.set_data_from_numpy(array, binary_data=binary)
        inputs.append(x)
    outputs = [httpclient.InferRequestedOutput("features_sum", binary_data=True),
               httpclient.InferRequestedOutput("index_sum", binary_data=False)]
    save(out, "multi", inputs, outputs=outputs, meta={})
    np.save(out / "multi_features.npy", a)
    np.save(out / "multi_index.npy", b)
    np.save(out / "multi_mask.npy", c)


if __name__ == "__main__":
    main()
