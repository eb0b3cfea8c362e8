"""benchmarks/RESULTS.md is shared: each benchmark owns one marked section of it.

Rerunning one benchmark replaces its own section and leaves the others alone.
"""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = "# Benchmarks\n\nWritten by `make bench`; each section comes from one script.\n"


def write_section(name: str, markdown: str, path: Path = RESULTS) -> None:
    """Put ``markdown`` between ``name``'s markers, adding the section if it is new."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
