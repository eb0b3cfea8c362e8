#!/usr/bin/env bash
# What the test suite needs besides Python packages: Chromium for the browser
# tests, PostgreSQL for the storage tests and Prometheus (with promtool) for the
# import-prometheus and alert-rules tests, Alertmanager for the alerting
# test, and Java 17 for the Spark engine's tests (PySpark 4). Debian packages
# when we are root, else Playwright's own Chromium; nothing is installed that is already there. The tests start
# their own servers; the packages' services are never used.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then need_apt+=(chromium); else .venv/bin/python -m playwright install chromium; fi
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    need_apt+=(postgresql)
  else
    echo "PostgreSQL is not installed and we are not root: the PostgreSQL tests will fail in CI." >&2
  fi
fi
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    need_apt+=(prometheus)
  else
    echo "Prometheus is not installed and we are not root: the import-prometheus tests will skip (and fail under CI=1)." >&2
  fi
fi
if ! command -v prometheus-alertmanager >/dev/null 2>&1 && ! command -v alertmanager >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    need_apt+=(prometheus-alertmanager)
  else
    echo "Alertmanager is not installed and we are not root: the alerting test will skip (and fail under CI=1)." >&2
  fi
fi
if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    need_apt+=(openjdk-17-jre-headless)
  else
    echo "Java is not installed and we are not root: the Spark tests will skip (and fail under CI=1)." >&2
  fi
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
