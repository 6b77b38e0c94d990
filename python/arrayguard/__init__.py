"""Validated NumPy arrays from untrusted bytes.

Every input is answered with a validated ``numpy.ndarray`` or an ``ArrayGuardError`` carrying
the library's stable ``code``; every declared shape, dtype and size is checked against the
caller's ``ArraySpec`` and ``Limits`` before anything is allocated. ``loads_*`` take bytes in
memory, ``load_*`` a path or a binary file object, as ``json`` and ``pickle`` do.
``loads_infer_request`` reads an Open Inference Protocol (KServe v2, Triton) request body,
JSON or with binary tensors, against a ``BundleSpec``.

The optional modules ``arrayguard.pydantic`` (a Pydantic v2 field type) and
``arrayguard.fastapi`` (a request-body dependency) build on these functions.
"""

from arrayguard._native import (
    ArrayGuardError,
    ArraySpec,
    BundleSpec,
    Limits,
    check_npy,
    check_npz,
    dumps_json,
    dumps_npy,
    from_json_value,
    inspect_npy,
    load_npy,
    load_npz,
    loads_infer_request,
    loads_json,
    loads_npy,
    loads_raw,
)

__all__ = [
    "ArrayGuardError",
    "ArraySpec",
    "BundleSpec",
    "Limits",
    "check_npy",
    "check_npz",
    "dumps_json",
    "dumps_npy",
    "from_json_value",
    "inspect_npy",
    "load_npy",
    "load_npz",
    "loads_infer_request",
    "loads_json",
    "loads_npy",
    "loads_raw",
]
