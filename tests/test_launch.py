"""The launcher imports every page module before Streamlit starts, quietly; `tandem serve`
listens on loopback unless told otherwise."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from tests.support.http import wait_until_ok
from tests.support.ports import free_port
from tests.support.streamlit_client import StreamlitSession
from tests.support.streamlit_load import run_in_own_loop


def test_preload_imports_every_ui_module_without_cache_warnings() -> None:
    code = (
        "import sys\n"
        "from app.ui.launch import preload\n"
        "preload()\n"
        "print(sorted(m for m in sys.modules if m.startswith('app.ui.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    modules = {p.stem for p in (PROJECT_ROOT / "app" / "ui").glob("*.py")} - {"__init__"}
    for name in modules - {"launch"}:
        assert f"'app.ui.{name}'" in done.stdout, name
    assert "No runtime found" not in done.stderr


# --- where `tandem serve` listens, and what that makes a visitor --------------------------

_LISTEN = "0A"  # TCP state in /proc/net/tcp{,6}
VIEWER_NOTE = "You are a **viewer**: you can read the thresholds, not change them."


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port``, from the kernel's tables."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state != _LISTEN or int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(socket.inet_ntop(family, words))
    return found


def _other_addresses() -> list[str]:
    """This machine's own non-loopback addresses (``hostname -I``)."""
    listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=True)
    return [a for a in listed.stdout.split() if not ipaddress.ip_address(a).is_loopback]


def _connects(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        try:
            sock.connect((address, port))
        except ConnectionRefusedError:
            return False
        return True


def _thresholds_page_texts(url: str) -> list[str]:
    async def visit() -> list[str]:
        async with StreamlitSession(url, keep_elements=True, timeout_s=120) as session:
            run = await session.open("thresholds")
        assert run.ok, run.errors
        return list(run.texts())

    return run_in_own_loop(visit())


@pytest.mark.parametrize(
    ("flags", "listens_on", "role_note"),
    [
        (
            [],
            {"127.0.0.1"},
            "Single-user mode: no `[auth]` is configured, so you are an **editor**.",
        ),
        (
            ["--host", "0.0.0.0"],
            {"0.0.0.0"},
            "Served on the network without login, so every visitor is a **viewer**.",
        ),
    ],
    ids=["default", "host-0.0.0.0"],
)
def test_serve_listens_on_loopback_unless_told_and_anonymous_visitors_follow(
    tmp_path: Path, flags: list[str], listens_on: set[str], role_note: str
) -> None:
    """`tandem serve` (from a directory without Tandem's Streamlit config) binds 127.0.0.1.

    Bound beyond loopback without login, the server makes a visitor a viewer even when
    the visitor comes over loopback (Host: 127.0.0.1): the role follows the bind address.
    """
    port = free_port()
    env = {
        **os.environ,
        "TANDEM_DATA_DIR": str(tmp_path / "data"),
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.db'}",
    }
    env.pop("TANDEM_ANONYMOUS_ROLE", None)
    log = tmp_path / "serve.log"
    tandem = str(Path(sys.executable).with_name("tandem"))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [tandem, "serve", "--no-seed", "--port", str(port), *flags],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_ok(f"{url}/_stcore/health", process, log, "tandem serve", timeout_s=120)
        assert _listening_addresses(port) == listens_on
        for address in _other_addresses():
            exposed = "0.0.0.0" in listens_on and ":" not in address
            assert _connects(address, port) is exposed, address
        texts = _thresholds_page_texts(url)
        assert role_note in texts
        assert (VIEWER_NOTE in texts) is ("0.0.0.0" in listens_on)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_refuses_an_unknown_anonymous_role_and_a_second_address(tmp_path: Path) -> None:
    env = {**os.environ, "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.db'}"}
    tandem = str(Path(sys.executable).with_name("tandem"))
    bad_role = subprocess.run(
        [tandem, "serve", "--no-seed", "--host", "0.0.0.0"],
        env={**env, "TANDEM_ANONYMOUS_ROLE": "admin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad_role.returncode == 2
    assert "TANDEM_ANONYMOUS_ROLE" in bad_role.stderr
    two_addresses = subprocess.run(
        [tandem, "serve", "--no-seed", "--server.address", "0.0.0.0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert two_addresses.returncode == 2
    assert "--host" in two_addresses.stderr
    assert not (tmp_path / "tandem.db").exists()  # refused before touching the database
