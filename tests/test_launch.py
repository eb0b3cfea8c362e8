"""The launcher imports every page module before Streamlit starts, quietly."""

from __future__ import annotations

import subprocess
import sys

from app.config import PROJECT_ROOT


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
