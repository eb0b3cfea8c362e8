"""One Prometheus server per session, serving the known series of ``series.py``."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.prometheus.series import openmetrics
from tests.prometheus.server import backfilled_server, binaries


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if binaries() is None:
        reason = "Prometheus is not installed (apt-get install prometheus; `make test` does it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with backfilled_server(openmetrics(), tmp_path_factory.mktemp("prometheus")) as url:
        yield url
