"""One Prometheus server per session, serving the known series of ``series.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.prometheus.series import openmetrics
from tests.prometheus.server import PROMETHEUS_MISSING, backfilled_server, binaries
from tests.support.tools import require


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require(binaries() is not None, PROMETHEUS_MISSING)
    with backfilled_server(openmetrics(), tmp_path_factory.mktemp("prometheus")) as url:
        yield url
