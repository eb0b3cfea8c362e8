#!/usr/bin/env bash
# bench_pages before and after (issue 14: "no page slower than before by more than 10 %").
#
# Builds a git worktree of BEFORE (default b96293a, the tree just before issue 14's first
# commits: migrations 0007-0011, DLE, multivariate drift, importances) under $WORK, seeds
# each tree's own sample data with its own code (the schemas differ), then runs
# `bench_pages.py --app-root TREE --no-parts` against BEFORE and HEAD alternately, PAIRS
# times (the order flips every pair, so a load trend weighs on both), and prints a table per
# page: first visit in seconds and as a multiple of the floor page measured in the same run,
# before / after / change %. Only the app's code differs: the floor, the browser and the
# timing code are this tree's for both.
#
# With --interleaved, both trees are served at once and each page is opened on one and
# right after on the other, PAIRS x ROUNDS rounds (benchmarks/pages_ab.py): the verdict is
# then the median of after / before over pairs of visits made at the same moment.
#
# Usage: benchmarks/pages_vs.sh [--before COMMIT] [--pairs N] [--rounds N] [--pages "a b"]
#        [--interleaved]
# Environment: WORK (default /tmp/tandem-pages-vs), KEEP=1 to keep the worktree and seeds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$ROOT/.venv/bin/python
BEFORE=b96293a PAIRS=2 ROUNDS=2 PAGES="" INTERLEAVED=""
WORK=${WORK:-/tmp/tandem-pages-vs}
while [ $# -gt 0 ]; do
  case $1 in
    --before) BEFORE=$2; shift 2 ;;
    --pairs) PAIRS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --pages) PAGES=$2; shift 2 ;;
    --interleaved) INTERLEAVED=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK"
TREE=$WORK/before
cleanup() {
  if [ "${KEEP:-0}" != 1 ]; then
    git -C "$ROOT" worktree remove --force "$TREE" 2>/dev/null || true
    rm -rf "$WORK/seed-before" "$WORK/seed-after"
  fi
}
trap cleanup EXIT
[ -d "$TREE" ] || git -C "$ROOT" worktree add --detach "$TREE" "$BEFORE" >/dev/null

tandem_in() {  # tandem_in <tree> <data dir> ARGS...: that tree's `tandem` over that data dir
  local tree=$1 dir=$2
  shift 2
  (cd "$tree" && PYTHONPATH=$tree TANDEM_DATA_DIR=$dir TANDEM_DATABASE_URL=sqlite:///$dir/tandem.db \
    "$PY" -c 'import sys; from app.cli import main; sys.argv[0] = "tandem"; main()' "$@")
}
seed() {  # seed <tree> <dir>: that tree's migrations and `tandem seed` into a data dir of its own
  if [ ! -f "$2/seeded" ]; then
    rm -rf "$2" && mkdir -p "$2"
    { tandem_in "$1" "$2" db upgrade && tandem_in "$1" "$2" seed; } >"$2.log" 2>&1 \
      || { echo "seeding $1 failed, see $2.log" >&2; exit 1; }
    touch "$2/seeded"
  fi
}
echo "seeding $BEFORE and HEAD ($(git -C "$ROOT" rev-parse --short HEAD)) ..." >&2
seed "$TREE" "$WORK/seed-before"
seed "$ROOT" "$WORK/seed-after"
if [ -n "$INTERLEAVED" ]; then
  # shellcheck disable=SC2086
  "$PY" "$ROOT/benchmarks/pages_ab.py" --before-tree "$TREE" --before-seed "$WORK/seed-before" \
    --after-seed "$WORK/seed-after" --rounds $((PAIRS * ROUNDS)) --label "$BEFORE" \
    ${PAGES:+--pages $PAGES}
  exit
fi

run() {  # run <side> <pair>
  local tree=$ROOT
  [ "$1" = before ] && tree=$TREE
  echo "pair $2: $1 (load $(cut -d' ' -f1 /proc/loadavg))" >&2
  # shellcheck disable=SC2086
  "$PY" "$ROOT/benchmarks/bench_pages.py" --no-server --no-parts --rounds "$ROUNDS" \
    --seeded "$WORK/seed-$1" --app-root "$tree" --json "$WORK/$1-$2.json" \
    ${PAGES:+--pages $PAGES} >"$WORK/$1-$2.log" 2>&1 \
    || { echo "bench_pages failed, see $WORK/$1-$2.log" >&2; exit 1; }
}
for pair in $(seq 1 "$PAIRS"); do
  if [ $((pair % 2)) = 1 ]; then run before "$pair"; run after "$pair"
  else run after "$pair"; run before "$pair"; fi
done
"$PY" "$ROOT/benchmarks/pages_vs.py" "$WORK" "$PAIRS" "$BEFORE"
