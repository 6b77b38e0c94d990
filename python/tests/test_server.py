"""The example service (examples/fastapi_service.py) served by uvicorn on 127.0.0.1 in a
subprocess, under a bounded load of valid and hostile requests; the other examples; mypy."""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

PYTHON_DIR = Path(__file__).resolve().parent.parent
EXAMPLES = PYTHON_DIR / "examples"

THREADS = 4
REQUESTS_PER_THREAD = 100
RSS_LIMIT_MB = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of ``pid``, in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    # The server's output goes to a file: a pipe nobody reads would fill up with log lines and
    # block the server.
    log_path = tmp_path_factory.mktemp("uvicorn") / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "fastapi_service:app", "--app-dir", str(EXAMPLES),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=EXAMPLES,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {proc.returncode}: {log_path.read_text()[-4000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("uvicorn did not start within 30 s")
            time.sleep(0.1)
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        # Nothing unexpected logged (tracebacks would mean a 500).
        text = log_path.read_text()
        assert "Traceback" not in text, text[-4000:]


# Requests -----------------------------------------------------------------------------------


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def hostile_npy() -> bytes:
    """128 bytes whose header declares shape (1_000_000_000,) float64: 8 GB."""
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }"
    header += b" " * (128 - 10 - len(header) - 1) + b"\n"
    data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    assert len(data) == 128
    return data


FEATURES = np.random.default_rng(0).standard_normal((64, 16)).astype("<f4")
VALID_NPY = npy_bytes(FEATURES)
VALID_JSON = json.dumps(FEATURES.tolist()).encode()
VALID_RAW = FEATURES.tobytes()
DEEP = b"[" * 100_000
RAGGED = b"[[1.0, 2.0], [3.0]]"
JSON_LIMIT = 4 << 20  # the service's max_input_bytes


Result = tuple[int, str | None]


def post(port: int, path: str, body: bytes, content_type: str) -> Result:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"content-type": content_type})
        response = conn.getresponse()
        payload = json.loads(response.read())
        code = payload["detail"]["code"] if response.status >= 400 else None
        return response.status, code
    finally:
        conn.close()


def post_declaring(port: int, length: int) -> Result:
    """Headers declaring a ``length``-byte body, then nothing: the answer must not wait for it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/stats")
        conn.putheader("content-type", "application/json")
        conn.putheader("content-length", str(length))
        conn.endheaders()
        response = conn.getresponse()
        return response.status, json.loads(response.read())["detail"]["code"]
    finally:
        conn.close()


def post_chunked(port: int, total: int, chunk: int = 64 << 10) -> Result:
    """A chunked JSON body (no Content-Length) of ``total`` bytes of whitespace."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(
            b"POST /v1/stats HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        sent = 0
        try:
            while sent < total:
                n = min(chunk, total - sent)
                sock.sendall(b"%x\r\n" % n + b" " * n + b"\r\n")
                sent += n
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the end: read its answer
        data = b""
        while True:
            try:
                part = sock.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split()[1])
        if b"transfer-encoding: chunked" in head.lower():
            body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
        return status, json.loads(body)["detail"]["code"]
    finally:
        sock.close()


CASES: list[tuple[str, Callable[[int], Result], Result]] = [
    ("valid .npy", lambda p: post(p, "/v1/norms", VALID_NPY, "application/x-npy"), (200, None)),
    ("valid json", lambda p: post(p, "/v1/norms", VALID_JSON, "application/json"), (200, None)),
    ("valid raw", lambda p: post(p, "/v1/norms", VALID_RAW, "application/octet-stream"), (200, None)),
    ("8 GB-declaring .npy", lambda p: post(p, "/v1/stats", hostile_npy(), "application/x-npy"), (413, "limit.elements")),
    ("100 000 nested [", lambda p: post(p, "/v1/stats", DEEP, "application/json"), (413, "limit.depth")),
    ("ragged rows", lambda p: post(p, "/v1/stats", RAGGED, "application/json"), (422, "json.ragged")),
    ("Content-Length 10 GB", lambda p: post_declaring(p, 10 * 10**9), (413, "limit.input_bytes")),
    ("wrong media type", lambda p: post(p, "/v1/norms", b"1,2", "text/csv"), (415, "http.unsupported_media_type")),
]
CHUNKED = ("chunked 4 MiB + 64 KiB", lambda p: post_chunked(p, JSON_LIMIT + (64 << 10)), (413, "limit.input_bytes"))


def test_each_case_once(server: tuple[int, subprocess.Popen[bytes]]) -> None:
    port, _ = server
    for name, send, expected in [*CASES, CHUNKED]:
        assert send(port) == expected, name


def test_load_valid_and_hostile(server: tuple[int, subprocess.Popen[bytes]]) -> None:
    port, proc = server
    before = memory_mb(proc.pid)
    outcomes: Counter[tuple[str, Result]] = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        for i in range(REQUESTS_PER_THREAD):
            # Every 25th request a chunked over-limit body; otherwise the cases in turn.
            name, send, expected = CHUNKED if i % 25 == 24 else CASES[(i + offset) % len(CASES)]
            try:
                got = send(port)
            except Exception as e:  # noqa: BLE001 - reported below
                got = (-1, f"{type(e).__name__}: {e}")
            with lock:
                outcomes[(name, got)] += 1
                if got != expected:
                    failures.append(f"{name}: expected {expected}, got {got}")

    start = time.monotonic()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, 45 - (time.monotonic() - start)))
    elapsed = time.monotonic() - start
    after = memory_mb(proc.pid)
    assert not any(t.is_alive() for t in threads), "load threads did not finish"
    summary = {
        "requests": sum(outcomes.values()),
        "seconds": round(elapsed, 2),
        "rss_mb_before": round(before["VmRSS"], 1),
        "rss_mb_after": round(after["VmRSS"], 1),
        "peak_rss_mb": round(after["VmHWM"], 1),
        "outcomes": {f"{name} -> {got}": n for (name, got), n in sorted(outcomes.items())},
    }
    print("\nload test:", json.dumps(summary, indent=2))
    report = os.environ.get("ARRAYGUARD_LOAD_REPORT")
    if report:
        Path(report).write_text(json.dumps(summary, indent=2))
    assert not failures, failures[:10]
    assert sum(outcomes.values()) == THREADS * REQUESTS_PER_THREAD
    assert elapsed < 30, elapsed
    assert after["VmHWM"] < RSS_LIMIT_MB, summary
    # Valid requests still succeed after the load.
    for name, send, expected in CASES[:3]:
        assert send(port) == expected, name


# The other examples --------------------------------------------------------------------------


def test_queue_worker_example() -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import queue

        import queue_worker
    finally:
        sys.path.remove(str(EXAMPLES))
    q: queue.Queue[queue_worker.Message | None] = queue.Queue()
    for message in queue_worker.demo_messages():
        q.put(message)
    q.put(None)
    results = queue_worker.work(q)
    assert len(results.decoded) == 4
    assert [code for _, code, _ in results.refused] == [
        "data.length_mismatch",
        "spec.dtype",
        "value.nan",
        "spec.shape",
        "usage.invalid_argument",
        "data.truncated",
    ]
    out = subprocess.run([sys.executable, str(EXAMPLES / "queue_worker.py")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.count("ok ") == 4, out.stdout + out.stderr


def test_load_cli_example(tmp_path: Path) -> None:
    good = tmp_path / "good.npy"
    np.save(good, np.ones((5, 3), "f4"))
    bad = tmp_path / "bad.npy"
    bad.write_bytes(hostile_npy())
    cmd = [sys.executable, str(EXAMPLES / "load_cli.py")]
    ok = subprocess.run([*cmd, str(good), "--dtype", "f4", "--shape", "n 3"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "(5, 3)" in ok.stdout
    refused = subprocess.run(
        [*cmd, str(good), str(bad), "--dtype", "f4", "--dtype", "f8", "--format", "json"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    report = json.loads(refused.stdout)
    assert [f["valid"] for f in report["files"]] == [True, False]
    assert report["files"][1]["code"] == "limit.elements"
    usage = subprocess.run([*cmd, str(good), "--shape", "not a shape!"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2


def test_typed_usage_example_runs() -> None:
    out = subprocess.run([sys.executable, str(EXAMPLES / "typed_usage.py")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_strict() -> None:
    """``mypy --strict`` on the typed example, the two modules and the other examples. mypy is a
    test dependency: a missing mypy fails this test rather than skipping it."""
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is not installed: `pip install mypy` (a test dependency of arrayguard's Python package)")
    targets = [
        EXAMPLES / "typed_usage.py",
        PYTHON_DIR / "arrayguard" / "pydantic.py",
        PYTHON_DIR / "arrayguard" / "fastapi.py",
        EXAMPLES / "fastapi_service.py",
        EXAMPLES / "queue_worker.py",
        EXAMPLES / "load_cli.py",
    ]
    # Outside the repository; reused between runs (a cold run takes a few seconds more).
    cache = Path(tempfile.gettempdir()) / "arrayguard-mypy-cache"
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *map(str, targets)],
        capture_output=True,
        text=True,
        cwd=PYTHON_DIR,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Success" in out.stdout
