"""A FastAPI service taking arrays in request bodies, validated by arrayguard.

Run it (from ``python/examples``)::

    uvicorn fastapi_service:app --port 8000
    # or: python fastapi_service.py --port 8000

then::

    python -c "import numpy as np; np.save('x.npy', np.ones((4, 16), 'f4'))"
    curl -s localhost:8000/v1/norms -H 'content-type: application/x-npy' --data-binary @x.npy
    curl -s localhost:8000/v1/norms -H 'content-type: application/json' -d '[[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]]'
    curl -s localhost:8000/v1/stats -H 'content-type: application/json' -d '[[1, 2], [3]]'   # 422 json.ragged

Endpoints:

* ``POST /v1/norms``: an ``n × 16`` float32 matrix as ``.npy``, raw little-endian bytes
  (``application/octet-stream``, rows of 16 ``<f4``) or JSON; answers the row norms.
* ``POST /v1/stats``: any float64 array as ``.npy`` or JSON; answers its shape and mean.
* ``POST /v1/batch``: a JSON object (a Pydantic model) with two array fields sharing nothing
  but the model: ``{"images": [[[...]]], "labels": [...]}``.

The limits are a service's: 8 MiB of payload, 4 MiB of JSON text, 1 KiB of ``.npy`` header.
Errors: 413 (limits), 415 (media type), 422 (invalid array), each with
``{"detail": {"code", "message", "fault", "offset", "location"}}``.
"""

from __future__ import annotations

import argparse
from typing import Annotated, Any

import numpy as np
from fastapi import Depends, FastAPI
from pydantic import BaseModel

import arrayguard
from arrayguard.fastapi import ArrayBody
from arrayguard.pydantic import Array

LIMITS = arrayguard.Limits(max_bytes=8 << 20, max_input_bytes=4 << 20, max_header_bytes=1024)

FEATURES = ArrayBody(
    arrayguard.ArraySpec(dtype="f4", shape="n 16", values={"finite": True}),
    limits=LIMITS,
    raw_dtype="<f4",
    raw_shape=(-1, 16),
)
# Any shape of float64. (With several dtypes, JSON bodies would have to be envelopes: nested
# arrays carry no dtype.)
ANY_FLOAT = ArrayBody(arrayguard.ArraySpec(dtype="f8"), limits=LIMITS)


class Batch(BaseModel):
    """Images (``n × 8 × 8`` bytes) and their labels (``n`` small integers)."""

    images: Annotated[np.ndarray, Array(dtype="u1", shape="n 8 8", limits=LIMITS)]
    labels: Annotated[np.ndarray, Array(dtype="int64", shape="n", values={"min": 0, "max": 9}, limits=LIMITS)]


app = FastAPI(title="arrayguard example service")


@app.post("/v1/norms", openapi_extra=FEATURES.openapi_extra(description="An n × 16 float32 matrix."))
def norms(x: Annotated[np.ndarray, Depends(FEATURES)]) -> dict[str, Any]:
    return {"rows": int(x.shape[0]), "norms": np.linalg.norm(x, axis=1).tolist()}


@app.post("/v1/stats", openapi_extra=ANY_FLOAT.openapi_extra())
def stats(x: Annotated[np.ndarray, Depends(ANY_FLOAT)]) -> dict[str, Any]:
    return {"shape": list(x.shape), "dtype": x.dtype.name, "mean": float(x.mean()) if x.size else None}


@app.post("/v1/batch")
def batch(body: Batch) -> dict[str, Any]:
    if len(body.images) != len(body.labels):
        # Named dimensions are shared within one spec, not across fields: checked here.
        return {"ok": False, "reason": "images and labels differ in length"}
    return {"ok": True, "n": len(body.labels), "histogram": np.bincount(body.labels, minlength=10).tolist()}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
