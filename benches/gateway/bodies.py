"""Request bodies for benches/gateway_load.sh: valid and hostile Open Inference Protocol
requests for the gateway example's `adder` model (axum/examples/specs/adder.json: `x` f32
`batch 4` finite, `mask` bool `batch`, batch 1..64), each with the status it must get.

Usage: python3 bodies.py OUT_DIR MAX_REQUEST_BYTES

Writes OUT_DIR/NAME.body per request and OUT_DIR/{valid,hostile,oversize}.txt: one line per
request, `NAME STATUS HEADER_LENGTH` (HEADER_LENGTH `-` for a JSON body), read by the load
generator (axum/examples/load.rs).
"""

import json
import pathlib
import struct
import sys

out = pathlib.Path(sys.argv[1])
max_request = int(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
lines = {"valid": [], "hostile": [], "oversize": []}


def emit(kind, name, status, body, header_length=None):
    (out / f"{name}.body").write_bytes(body)
    lines[kind].append(f"{name} {status} {header_length if header_length is not None else '-'}")


def x_json(batch, data=None, shape=None):
    data = data if data is not None else [float(i % 7) / 4 for i in range(batch * 4)]
    return {"name": "x", "shape": shape or [batch, 4], "datatype": "FP32", "data": data}


def mask_json(batch, data=None, shape=None):
    data = data if data is not None else [i % 2 == 0 for i in range(batch)]
    return {"name": "mask", "shape": shape or [batch], "datatype": "BOOL", "data": data}


def request(inputs, **extra):
    return json.dumps({"id": "load", "inputs": inputs, **extra}).encode()


def binary(inputs, tensors):
    header = json.dumps({"inputs": inputs, "parameters": {"binary_data_output": True}}).encode()
    return header + tensors, len(header)


# Valid: a JSON request of batch 16, and a binary one of batch 64.
emit("valid", "valid_json", 200, request([x_json(16), mask_json(16)]))
x = struct.pack("<256f", *[float(i % 5) for i in range(256)])
mask = bytes(i % 2 for i in range(64))
body, n = binary(
    [
        {"name": "x", "shape": [64, 4], "datatype": "FP32", "parameters": {"binary_data_size": 1024}},
        {"name": "mask", "shape": [64], "datatype": "BOOL", "parameters": {"binary_data_size": 64}},
    ],
    x + mask,
)
emit("valid", "valid_binary", 200, body, n)

# Hostile, one per class, each with its status.
h = lambda name, status, body, n=None: emit("hostile", name, status, body, n)
# The protocol documents' own example: one BOOL for a shape of 3.
h("data_shape", 422, request([x_json(3), mask_json(3, data=[True])]))
h("duplicate_input", 422, request([x_json(2), x_json(2), mask_json(2)]))
h("negative_dim", 422, request([x_json(2, shape=[-1, 4]), mask_json(2)]))
h("dim_2_pow_64", 422, request([x_json(2, shape=[2**64, 4]), mask_json(2)]))
h("batch_over_spec", 422, request([x_json(65), mask_json(65)]))
h("batch_disagrees", 422, request([x_json(2), mask_json(3)]))
h("nan", 422, request([x_json(1, data=[1.0, float("nan"), 2.0, 3.0]), mask_json(1)]))
h("bytes_datatype", 422, request([{"name": "x", "shape": [1], "datatype": "BYTES", "data": ["a"]}, mask_json(1)]))
h("deep_nesting", 422, b'{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": ' + b"[" * 50000 + b"]" * 50000 + b"}]}")
many = [x_json(1)] * 10000
h("ten_thousand_inputs", 422, request(many))
bx = {"name": "x", "shape": [2, 4], "datatype": "FP32", "parameters": {"binary_data_size": 32}}
bm = {"name": "mask", "shape": [2], "datatype": "BOOL", "parameters": {"binary_data_size": 2}}
tensors = struct.pack("<8f", *range(8)) + bytes([1, 0])
body, n = binary([dict(bx, parameters={"binary_data_size": 16}), bm], tensors)
h("lying_binary_size", 422, body, n)
body, n = binary([bx, bm], tensors[:-1])
h("sizes_past_body", 422, body, n)
body, n = binary([bx, bm], tensors + b"\0\0\0\0")
h("sizes_short_of_body", 422, body, n)
body, n = binary([bx, bm], tensors[:-2] + bytes([1, 7]))
h("bool_byte_7", 422, body, n)
body, n = binary([bx, bm], tensors)
h("header_length_past_body", 422, body, len(body) + 10)
h("not_json", 422, b'{"inputs": [')
# Refused from its Content-Length before a byte of it is read (the server may then close the
# connection, so it runs from its own connection).
emit("oversize", "over_the_request_bound", 413, request([x_json(1), mask_json(1)]) + b" " * (max_request + 1))

for kind, rows in lines.items():
    (out / f"{kind}.txt").write_text("\n".join(rows) + "\n")
