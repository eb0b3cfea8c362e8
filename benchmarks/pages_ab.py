"""First visits of each page on two trees, visit against visit (``pages_vs.sh --interleaved``).

``pages_vs.sh`` by default runs ``bench_pages`` on one tree, then on the other: minutes
apart, so a change of the shared machine's speed between two runs reads as a change of
the page (2026-12-02 15:00-17:00: the same Overview code read -5 % to +16 % ÷ floor).
Here both trees' servers run at once. Each round moves both databases' data version on
(every cached loader cold, as after an ingest), then opens each page on one tree and right
after on the other, the order flipping every round: each pair of visits shares the
moment's load. The verdict's measure is *paired*: the median over rounds of after ÷ before.

Only the app differs: the browser, the timing (``page_visits.visit``) and the query are
this tree's for both. Not timed: each server's first visit of each page, with another
range (that pays the imports, which no later visitor pays).

Usage: ``python benchmarks/pages_ab.py --before-tree T --before-seed D --after-seed D
[--rounds N] [--pages "a b"] [--label COMMIT]`` (seeds as ``pages_vs.sh`` makes them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.page_visits import (  # noqa: E402
    QUERY,
    ROOT,
    WARM_QUERY,
    Visit,
    new_data_version,
    page_url,
    serve,
    visit,
)
from benchmarks.pages_vs import LIMIT  # noqa: E402

SIDES = ("before", "after")


def interleaved_visits(
    trees: dict[str, tuple[Path, Path]], pages: list[str], rounds: int
) -> dict[str, dict[str, list[Visit]]]:
    """Side -> page -> its first visits, one a round; ``trees``: side -> (tree, seed dir)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    query = "&".join(f"{k}={v}" for k, v in QUERY.items())
    warm = "&".join(f"{k}={v}" for k, v in WARM_QUERY.items())
    visits: dict[str, dict[str, list[Visit]]] = {s: {p: [] for p in pages} for s in SIDES}
    with ExitStack() as stack:
        urls = {
            side: stack.enter_context(serve(tree / "streamlit_app.py", tree, seed, side))
            for side, (tree, seed) in trees.items()
        }
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(
            args=CHROMIUM_ARGS,
            headless=True,
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
        )
        for side in SIDES:
            for page in pages:
                visit(browser, page_url(urls[side], page, warm))
        for round_ in range(rounds):
            for side in SIDES:
                new_data_version(f"sqlite:///{trees[side][1] / 'tandem.db'}")
            for page in pages:
                for side in SIDES if round_ % 2 == 0 else SIDES[::-1]:
                    visits[side][page].append(visit(browser, page_url(urls[side], page, query)))
        browser.close()
    return visits


def table(visits: dict[str, dict[str, list[Visit]]], label: str) -> str:
    """Markdown: per page, median first visit before and after, and the paired change."""
    pages = sorted(visits["after"])
    rounds = len(visits["after"][pages[0]])
    lines = [
        f"First visits, before ({label}) and after (HEAD) interleaved, {rounds} round(s)",
        "",
        "| page | before (s) | after (s) | change | paired change (median of after ÷ before) |",
        "|---|---:|---:|---:|---:|",
    ]
    slower = []
    for page in pages:
        before = [v.seconds for v in visits["before"][page]]
        after = [v.seconds for v in visits["after"][page]]
        paired = statistics.median(a / b for a, b in zip(after, before, strict=True)) - 1
        if paired > LIMIT:
            slower.append(f"{page} ({paired:+.0%})")
        b, a = statistics.median(before), statistics.median(after)
        lines.append(f"| {page} | {b:.2f} | {a:.2f} | {a / b - 1:+.0%} | {paired:+.1%} |")
    lines += [
        "",
        f"Slower than before by more than {LIMIT:.0%} (paired): {', '.join(slower)}"
        if slower
        else f"No page slower than before by more than {LIMIT:.0%} (paired).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-tree", type=Path, required=True)
    parser.add_argument("--before-seed", type=Path, required=True)
    parser.add_argument("--after-seed", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--pages", nargs="*", help="page names (default: every page)")
    parser.add_argument("--label", default="before")
    args = parser.parse_args()
    pages = args.pages or sorted(
        p.stem for p in (ROOT / "app_pages").glob("*.py") if p.stem != "__init__"
    )
    trees = {"before": (args.before_tree, args.before_seed), "after": (ROOT, args.after_seed)}
    print(table(interleaved_visits(trees, pages, args.rounds), args.label))  # noqa: T201


if __name__ == "__main__":
    main()
