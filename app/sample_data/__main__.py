"""CLI: ``python -m app.sample_data --out sample_data/`` regenerates the committed sample data.

Why a separate entry point: regeneration is a deliberate developer action (the output is
committed and byte-compared by tests), so it is a plain module run rather than part of the app.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sample_data", description=__doc__)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("sample_data"),
        help="output directory (default: sample_data)",
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    manifest = generate(args.out)
    total = 0
    for entry in manifest["files"]:
        size = (args.out / entry["path"]).stat().st_size
        total += size
        sys.stdout.write(f"{size / 1e6:8.2f} MB  {entry['path']}\n")
    elapsed = time.perf_counter() - began
    sys.stdout.write(
        f"{total / 1e6:8.2f} MB  total, {len(manifest['files'])} files, {elapsed:.1f} s\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
