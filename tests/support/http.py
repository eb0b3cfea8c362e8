"""Wait for a server a test started: poll one URL, fail early if the process exits."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path


def wait_until_ok(
    url: str, process: subprocess.Popen[bytes], log: Path, name: str, timeout_s: float = 60
) -> None:
    """Return once ``url`` answers 200; raise with the server's log if it exits or times out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused while starting (URLError is an OSError)
            pass
        time.sleep(0.1)  # between polls only; the answer is what we wait on
    raise RuntimeError(f"{name} did not answer {url} within {timeout_s:g} s:\n{log.read_text()}")
