"""Writes the example arrays shipped in examples/data with real NumPy.

Run from the repository root: python3 examples/data/generate.py
The good files are what a service would receive from a NumPy producer; the files in hostile/
are inputs that make naive loaders allocate gigabytes, run a pickle, or misread the shape.
"""

import pathlib
import struct

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent
rng = np.random.default_rng(20261127)

# An image batch: 4 RGB images of 8x8 pixels.
np.save(OUT / "images.npy", rng.integers(0, 256, size=(4, 8, 8, 3), dtype=np.uint8))
# A feature matrix and its labels, sharing n = 32 rows.
np.save(OUT / "features.npy", rng.standard_normal((32, 16)).astype(np.float32))
np.save(OUT / "labels.npy", rng.integers(0, 10, size=32, dtype=np.int64))
# A time series written big-endian and column-major by some other producer.
series = np.asfortranarray(np.cumsum(rng.standard_normal((50, 3)), axis=0)).astype(">f8")
np.save(OUT / "timeseries.npy", series)


def raw_npy(header: bytes, version=(1, 0), declared_len=None, payload=b"") -> bytes:
    """A .npy file with a hand-written header; `declared_len` overrides HEADER_LEN."""
    length = len(header) if declared_len is None else declared_len
    field = struct.pack("<H" if version == (1, 0) else "<I", length)
    return b"\x93NUMPY" + bytes(version) + field + header + payload


hostile = OUT / "hostile"
hostile.mkdir(exist_ok=True)
# 14 bytes declaring a 4 GiB header: numpy.load allocates 4 GiB before refusing it.
(hostile / "huge_header.npy").write_bytes(raw_npy(b"{'", (2, 0), 0xFFFFFFFF))
# ~128 bytes declaring 8 GB of float64: naive readers allocate the declared size first.
header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }"
header += b" " * (64 - (10 + len(header) + 1) % 64) + b"\n"
(hostile / "claims_8gb.npy").write_bytes(raw_npy(header, payload=b"\0" * 16))
# An object array: loading it runs a pickle.
np.save(hostile / "pickle.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
# A shape whose product wraps to 4 in 64-bit arithmetic.
header = b"{'descr': '|u1', 'fortran_order': False, 'shape': (4194305, 4194305, 211106198978564), }"
header += b" " * (64 - (10 + len(header) + 1) % 64) + b"\n"
(hostile / "wrapping_shape.npy").write_bytes(raw_npy(header, payload=b"\1\2\3\4"))

# A feature matrix and its labels in one archive, as numpy.savez_compressed writes it: checked
# as a bundle against specs/features.toml, its members bound to the arrays by name. (savez
# stamps entries with the current time, so the bytes differ from run to run.)
np.savez_compressed(
    OUT / "dataset.npz",
    features=rng.standard_normal((8, 16)).astype(np.float32),
    labels=rng.integers(0, 10, size=8, dtype=np.int64),
)
