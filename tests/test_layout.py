"""README's layout section names the code as it is, and the entry imports only app.ui.

import-linter (``make test``) holds the layers between packages; what it cannot
see is checked here: the README a new maintainer reads first, and
``streamlit_app.py``, a single-file module import-linter does not analyse.
"""

from __future__ import annotations

import ast
import re

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"


def _layout() -> str:
    """README's layout tree: the fenced block under its layout heading (or "Layout:" paragraph).

    Without a fenced block, the whole section up to the next heading.
    """
    lines = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if re.match(r"(#+ Layout\b|Layout:)", line.strip())
    )
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("#")),
        len(lines),
    )
    section = "\n".join(lines[start:end])
    fenced = re.search(r"^```[^\n]*\n(.*?)^```", section, flags=re.DOTALL | re.MULTILINE)
    return fenced.group(1) if fenced else section


def _subpackages() -> list[str]:
    return sorted(p.parent.name for p in APP.glob("*/__init__.py"))


def _exists(name: str, suffix: str) -> bool:
    """``name`` + ``suffix`` at the top of the repository, in app/, or one level below."""
    places = [PROJECT_ROOT, APP, *[p for p in APP.iterdir() if p.is_dir()]]
    return any((place / f"{name}{suffix}").exists() for place in places)


def test_layout_names_every_subpackage_of_app() -> None:
    section = _layout()
    missing = [name for name in _subpackages() if f"{name}/" not in section]
    assert not missing, f"README's layout section does not name {missing}"


def test_layout_names_nothing_that_is_gone() -> None:
    section = _layout()
    folders = set(re.findall(r"\b([A-Za-z_]\w*)/", section))
    modules = set(re.findall(r"\b([A-Za-z_]\w*)\.py\b", section))
    gone = [f"{name}/" for name in sorted(folders) if not _exists(name, "")]
    gone += [f"{name}.py" for name in sorted(modules) if not _exists(name, ".py")]
    assert not gone, f"README's layout section names what does not exist: {gone}"


def test_the_entry_imports_only_the_ui_layer_of_app() -> None:
    tree = ast.parse((PROJECT_ROOT / "streamlit_app.py").read_text(encoding="utf-8"))
    imported = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    ]
    imported += [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    ours = [name for name in imported if name == "app" or name.startswith("app.")]
    assert ours, "the entry imports nothing from app: the check reads the wrong file"
    outside = [name for name in ours if not name.startswith("app.ui")]
    assert not outside, f"streamlit_app.py imports below app.ui: {outside}"
