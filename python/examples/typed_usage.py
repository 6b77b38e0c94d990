"""Typed use of arrayguard, its Pydantic field and its FastAPI dependency; checked by
``mypy --strict`` (``tests/test_server.py::test_mypy_strict``)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ValidationError

import arrayguard
from arrayguard.fastapi import ArrayBody, ArrayBodyError
from arrayguard.pydantic import Array, payload_schema

SPEC: arrayguard.ArraySpec = arrayguard.ArraySpec(dtype="f4", shape="n 3", values={"finite": True})
LIMITS: arrayguard.Limits = arrayguard.Limits(max_bytes=1 << 20)


def load(data: bytes) -> npt.NDArray[np.floating[Any]]:
    try:
        return arrayguard.loads_npy(data, SPEC, limits=LIMITS)
    except arrayguard.ArrayGuardError as e:
        code: str = e.code
        json_path: str | None = e.location["json_path"]
        raise ValueError(f"{code} at {json_path}") from e


class Points(BaseModel):
    xyz: Annotated[np.ndarray, Array(SPEC, limits=LIMITS)]
    weights: Annotated[np.ndarray, Array(dtype="f8", shape="n", serialize="envelope")]


def roundtrip(points: Points) -> Points:
    return Points.model_validate_json(points.model_dump_json())


def first_error_code(text: str) -> str | None:
    try:
        Points.model_validate_json(text)
    except ValidationError as e:
        return e.errors()[0]["type"]
    return None


BODY = ArrayBody(SPEC, limits=LIMITS, raw_dtype=np.float32, raw_shape=(-1, 3))
app = FastAPI()


@app.post("/centroid", openapi_extra=BODY.openapi_extra(description="n points in 3D"))
def centroid(points: Annotated[np.ndarray, Depends(BODY)]) -> list[float]:
    mean: list[float] = points.mean(axis=0).tolist()
    return mean


def describe(error: ArrayBodyError) -> tuple[int, str]:
    return error.status_code, error.code


SCHEMA: dict[str, Any] = payload_schema(SPEC)

if __name__ == "__main__":
    pts = Points(xyz=np.zeros((2, 3), "f4"), weights=np.ones(2))
    print(roundtrip(pts).xyz.shape, first_error_code('{"xyz": [[1, 2]], "weights": [1]}'))
    print(load(arrayguard.dumps_npy(np.ones((1, 3), "f4"))).shape)
