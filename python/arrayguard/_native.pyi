"""Type stubs of the native module (``arrayguard._native``), re-exported by ``arrayguard``."""

import os
from collections.abc import Sequence
from typing import IO, Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt

_Bytes = bytes | bytearray | memoryview
_Buffer = _Bytes | Any  # any object with the buffer protocol (array.array, np.ndarray)
_Path = str | os.PathLike[str]
_File = _Path | IO[bytes]
_DType = str | np.dtype[Any] | type[np.generic]

class Location(TypedDict):
    offset: int | None
    json_path: str | None
    line: int | None
    column: int | None
    member: str | None
    array: str | None

class ArrayGuardError(ValueError):
    """An input refused by arrayguard, with the library's stable error code."""

    code: str
    fault: Literal["input", "mismatch", "limit", "io", "usage", "config"]
    offset: int | None
    location: Location

class Limits:
    """Resource limits, checked on declared numbers before anything is allocated."""

    def __init__(
        self,
        *,
        max_bytes: int | None = None,
        max_elements: int | None = None,
        max_ndim: int | None = None,
        max_header_bytes: int | None = None,
        max_depth: int | None = None,
        max_input_bytes: int | None = None,
        max_members: int | None = None,
        max_archive_bytes: int | None = None,
        max_compression_ratio: int | None = None,
    ) -> None: ...
    @staticmethod
    def unlimited() -> Limits: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def max_elements(self) -> int: ...
    @property
    def max_ndim(self) -> int: ...
    @property
    def max_header_bytes(self) -> int: ...
    @property
    def max_depth(self) -> int: ...
    @property
    def max_input_bytes(self) -> int: ...
    @property
    def max_members(self) -> int: ...
    @property
    def max_archive_bytes(self) -> int: ...
    @property
    def max_compression_ratio(self) -> int: ...
    def to_dict(self) -> dict[str, int]: ...

class ArraySpec:
    """What one array must be, in the vocabulary of spec files."""

    def __init__(
        self,
        dtype: str | Sequence[str] | dict[str, Any] | None = None,
        shape: str | Sequence[int | str | None | dict[str, int]] | None = None,
        order: Literal["C", "F", "any"] | None = None,
        byte_order: Literal["little", "big", "any"] | None = None,
        values: dict[str, Any] | None = None,
        limits: Limits | dict[str, int] | None = None,
    ) -> None: ...
    @classmethod
    def from_file(cls, path: _Path) -> ArraySpec: ...
    def to_dict(self) -> dict[str, Any]: ...
    def json_schema(self) -> dict[str, Any]: ...

class BundleSpec:
    """Several named arrays with shared named dimensions (a spec file with ``arrays``)."""

    @classmethod
    def from_file(cls, path: _Path) -> BundleSpec: ...
    @property
    def names(self) -> list[str]: ...
    def array(self, name: str) -> ArraySpec: ...

class NpyHeader(TypedDict):
    version: tuple[int, int]
    descr: str
    dtype: str
    shape: tuple[int, ...]
    fortran_order: bool
    header_len: int
    data_offset: int
    nbytes: int

class MemberVerdict(TypedDict):
    array: str
    member: str | None
    ok: bool
    error: ArrayGuardError | None

class InferRequest(TypedDict):
    id: str | None
    inputs: dict[str, npt.NDArray[Any]]
    binary_outputs: list[str]
    binary_data_output: bool

def loads_npy(
    data: _Buffer, spec: ArraySpec | None = None, *, limits: Limits | None = None, c_order: bool = True
) -> npt.NDArray[Any]: ...
def load_npy(
    file: _File, spec: ArraySpec | None = None, *, limits: Limits | None = None, c_order: bool = True
) -> npt.NDArray[Any]: ...
def check_npy(file: _File | _Buffer, spec: ArraySpec | None = None, *, limits: Limits | None = None) -> NpyHeader: ...
def inspect_npy(file: _File | _Buffer, *, limits: Limits | None = None) -> NpyHeader: ...
def loads_raw(
    data: _Buffer,
    *,
    dtype: _DType | None = None,
    shape: int | Sequence[int | None] | None = None,
    order: Literal["C", "F"] = "C",
    typecode: str | None = None,
    platform: str | None = None,
    spec: ArraySpec | None = None,
    limits: Limits | None = None,
    c_order: bool = True,
) -> npt.NDArray[Any]: ...
def loads_json(
    text: str | _Buffer,
    spec: ArraySpec | None = None,
    *,
    dtype: _DType | None = None,
    limits: Limits | None = None,
    allow_nan: bool = False,
    c_order: bool = True,
) -> npt.NDArray[Any]: ...
def from_json_value(
    value: Any,
    spec: ArraySpec | None = None,
    *,
    dtype: _DType | None = None,
    limits: Limits | None = None,
    allow_nan: bool = False,
    c_order: bool = True,
) -> npt.NDArray[Any]: ...
def dumps_npy(array: npt.ArrayLike) -> bytes: ...
def dumps_json(array: npt.ArrayLike, *, allow_nan: bool = False) -> str: ...
def load_npz(
    file: _File | _Buffer, spec: ArraySpec | None = None, *, limits: Limits | None = None, c_order: bool = True
) -> dict[str, npt.NDArray[Any]]: ...
def check_npz(
    file: _File | _Buffer, spec: ArraySpec | BundleSpec | None = None, *, limits: Limits | None = None
) -> list[MemberVerdict]: ...
def loads_infer_request(
    body: _Buffer,
    spec: BundleSpec,
    *,
    header_length: int | str | None = None,
    limits: Limits | None = None,
) -> InferRequest: ...
