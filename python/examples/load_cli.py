"""A Click command loading ``.npy`` files with arrayguard: each file validated against a spec
(from ``--spec FILE`` or ``--dtype``/``--shape``/``--order``) and limits, then summarized.

    python load_cli.py data/*.npy --dtype f4 --dtype f8 --shape "n 3" --max-bytes 100000000
    python load_cli.py x.npy --spec specs/features.toml --format json

Exit status: 0 when every file is valid, 1 when any is refused (each refusal printed with its
code), 2 for a usage error. Click comes with uvicorn (``pip install click`` otherwise).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np

import arrayguard


def build_spec(spec_file: Path | None, dtypes: tuple[str, ...], shape: str | None, order: str | None) -> arrayguard.ArraySpec:
    if spec_file is not None:
        if dtypes or shape or order:
            raise click.UsageError("--spec and --dtype/--shape/--order are exclusive")
        return arrayguard.ArraySpec.from_file(spec_file)
    return arrayguard.ArraySpec(
        dtype=list(dtypes) or None,
        shape=shape,
        order=order,  # type: ignore[arg-type]
    )


def summarize(path: Path, array: np.ndarray) -> dict[str, Any]:
    finite = array[np.isfinite(array)] if array.dtype.kind in "fc" else array
    return {
        "path": str(path),
        "valid": True,
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "min": finite.min().item() if finite.size and array.dtype.kind != "c" else None,
        "max": finite.max().item() if finite.size and array.dtype.kind != "c" else None,
    }


@click.command(help=__doc__)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A spec file (.toml or .json).")
@click.option("--dtype", "dtypes", multiple=True, help="An allowed dtype (repeatable): f4, float32, <f8, ...")
@click.option("--shape", help='The shape: "n 3", "*batch 224 224 3", ...')
@click.option("--order", type=click.Choice(["C", "F", "any"]))
@click.option("--max-bytes", type=int, help="Payload limit in bytes (default: the library's).")
@click.option("--max-elements", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def main(
    files: tuple[Path, ...],
    spec_file: Path | None,
    dtypes: tuple[str, ...],
    shape: str | None,
    order: str | None,
    max_bytes: int | None,
    max_elements: int | None,
    fmt: str,
) -> None:
    try:
        spec = build_spec(spec_file, dtypes, shape, order)
    except arrayguard.ArrayGuardError as e:
        raise click.UsageError(f"invalid spec: {e}") from None
    limits = arrayguard.Limits(max_bytes=max_bytes, max_elements=max_elements)
    rows: list[dict[str, Any]] = []
    for path in files:
        try:
            rows.append(summarize(path, arrayguard.load_npy(path, spec, limits=limits)))
        except arrayguard.ArrayGuardError as e:
            rows.append({"path": str(path), "valid": False, "code": e.code, "fault": e.fault, "message": str(e)})
    if fmt == "json":
        click.echo(json.dumps({"files": rows, "valid": all(r["valid"] for r in rows)}, indent=2))
    else:
        for row in rows:
            if row["valid"]:
                click.echo(f"ok       {row['path']}: {row['dtype']} {tuple(row['shape'])} min={row['min']} max={row['max']}")
            else:
                click.echo(f"refused  {row['path']}: {row['code']}: {row['message']}")
    sys.exit(0 if all(r["valid"] for r in rows) else 1)


if __name__ == "__main__":
    main()
