"""A worker decoding raw array buffers from a queue with arrayguard.

Producers put messages on a queue: a small header (``dtype`` or ``array`` typecode, ``shape``,
the producer's platform) and the bytes of ``numpy.ndarray.tobytes()`` or
``array.array.tobytes()``. The worker never trusts the bytes: each message is decoded by
``arrayguard.loads_raw`` with the layout the message declares, checked against the spec the
worker expects, and refused with a stable code otherwise. A ``queue.Queue`` stands in for Redis
or any broker (the worker only needs ``get``).

Run it: ``python queue_worker.py`` (prints one line per message).
"""

from __future__ import annotations

import array
import queue
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

import arrayguard

#: What the worker accepts: float32/float64 vectors of up to 1024 finite values.
SPEC = arrayguard.ArraySpec(dtype=["f4", "f8"], shape=[{"max": 1024}], values={"finite": True})
LIMITS = arrayguard.Limits(max_bytes=1 << 20)


@dataclass
class Message:
    """One queued buffer and how its producer says it is laid out."""

    data: bytes
    dtype: str | None = None  # a NumPy type string ("<f4"), for numpy.tobytes() dumps
    typecode: str | None = None  # an array module typecode ("d"), for array.array dumps
    platform: str | None = None  # the producer's platform, required with typecode
    shape: list[int] | None = None  # default: one axis, inferred from the length


@dataclass
class Results:
    decoded: list[npt.NDArray[Any]] = field(default_factory=list)
    refused: list[tuple[int, str, str]] = field(default_factory=list)


def decode(message: Message) -> npt.NDArray[Any]:
    """The message's array, validated: raises ``arrayguard.ArrayGuardError``."""
    if message.typecode is not None:
        return arrayguard.loads_raw(
            message.data, typecode=message.typecode, platform=message.platform, shape=message.shape, spec=SPEC, limits=LIMITS
        )
    return arrayguard.loads_raw(message.data, dtype=message.dtype, shape=message.shape, spec=SPEC, limits=LIMITS)


def work(q: queue.Queue[Message | None]) -> Results:
    """Decodes messages until ``None`` (the producer's end marker)."""
    results = Results()
    index = 0
    while (message := q.get()) is not None:
        try:
            results.decoded.append(decode(message))
        except arrayguard.ArrayGuardError as e:
            results.refused.append((index, e.code, str(e)))
        index += 1
    return results


def demo_messages() -> list[Message]:
    """Valid buffers from NumPy and the array module, and hostile ones."""
    linux = "linux-x86_64"
    return [
        Message(np.linspace(0, 1, 8, dtype="<f4").tobytes(), dtype="<f4"),
        Message(np.arange(6, dtype=">f8").tobytes(), dtype=">f8", shape=[6]),
        Message(array.array("d", [1.5, 2.5, 3.5]).tobytes(), typecode="d", platform=linux),
        Message(array.array("f", [0.25] * 4).tobytes(), typecode="f", platform=linux),
        # Hostile or wrong:
        Message(b"\x00" * 7, dtype="<f4"),  # not a whole number of elements
        Message(np.arange(4, dtype="<i4").tobytes(), dtype="<i4"),  # an integer dtype
        Message(np.array([1.0, np.nan]).tobytes(), dtype="<f8"),  # NaN
        Message(np.zeros(2048, "<f4").tobytes(), dtype="<f4"),  # too many elements
        Message(array.array("l", [1, 2]).tobytes(), typecode="l"),  # typecode without platform
        Message(np.zeros(4, "<f4").tobytes(), dtype="<f4", shape=[5]),  # declares more than it holds
    ]


def main() -> int:
    q: queue.Queue[Message | None] = queue.Queue()
    for message in demo_messages():
        q.put(message)
    q.put(None)
    results = work(q)
    for arr in results.decoded:
        print(f"ok       {arr.dtype.str} {arr.shape} sum={float(arr.sum()):g}")
    for index, code, text in results.refused:
        print(f"refused  #{index} {code}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
