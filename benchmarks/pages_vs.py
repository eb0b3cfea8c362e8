"""The table ``pages_vs.sh`` prints: each page's first visit before and after, from its JSON runs.

*÷ floor*: per run, the median first visit over the run's median floor visit, then the
median over runs (the verdict's measure). *Paired*: the median over every round of every
run of that round's first visit over the floor visit right before it (the same moment's
load on the shared machine weighs on both; the steadier of the two under load).

Usage: ``python benchmarks/pages_vs.py WORK PAIRS BEFORE`` (``WORK`` holds
``before-N.json`` and ``after-N.json``, N = 1..PAIRS, written by ``bench_pages --json``).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

LIMIT = 0.10  # issue 14: no page slower than before by more than 10 %


def _load(work: Path, side: str, pairs: int) -> list[dict]:
    return [json.loads((work / f"{side}-{n}.json").read_text()) for n in range(1, pairs + 1)]


def compare(work: Path, pairs: int, before: str) -> str:
    """Markdown: per page, the median first visit (s) and its median ratio to the floor."""
    runs = {side: _load(work, side, pairs) for side in ("before", "after")}
    pages = sorted(runs["after"][0]["pages"])

    def seconds(side: str, page: str) -> float:
        return statistics.median(s for run in runs[side] for s in run["pages"][page]["first"])

    def ratio(side: str, page: str) -> float:
        return statistics.median(run["pages"][page]["ratio"] for run in runs[side])

    def paired(side: str, page: str) -> float:  # nan from runs before bench_pages wrote them
        values = [r for run in runs[side] for r in run["pages"][page].get("paired", [])]
        return statistics.median(values) if values else float("nan")

    floors = {side: statistics.median(run["floor"] for run in runs[side]) for side in runs}
    loads = [f"{run['load'][0]:.1f}–{run['load'][1]:.1f}" for r in runs.values() for run in r]
    lines = [
        f"bench_pages before ({before}) and after (HEAD), {pairs} pair(s) of runs, "
        f"loads {', '.join(loads)}",
        "",
        "| page | 1st visit before (s) | after (s) | change | ÷ floor before | after | change "
        "| paired before | after | change |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| *floor* | {floors['before']:.2f} | {floors['after']:.2f} | "
        f"{floors['after'] / floors['before'] - 1:+.0%} | 1.00 | 1.00 | – | 1.00 | 1.00 | – |",
    ]
    slower = []
    for page in pages:
        s_before, s_after = seconds("before", page), seconds("after", page)
        r_before, r_after = ratio("before", page), ratio("after", page)
        p_before, p_after = paired("before", page), paired("after", page)
        change = r_after / r_before - 1
        if change > LIMIT:
            slower.append(f"{page} ({change:+.0%})")
        lines.append(
            f"| {page} | {s_before:.2f} | {s_after:.2f} | {s_after / s_before - 1:+.0%} | "
            f"{r_before:.2f} | {r_after:.2f} | {change:+.0%} | "
            f"{p_before:.2f} | {p_after:.2f} | {p_after / p_before - 1:+.0%} |"
        )
    lines += [
        "",
        f"Slower than before by more than {LIMIT:.0%} (÷ floor): {', '.join(slower)}"
        if slower
        else f"No page slower than before by more than {LIMIT:.0%} (÷ floor).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(compare(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))  # noqa: T201
