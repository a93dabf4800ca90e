"""Layers: reports render from plain facts (no store, no web), and the command line imports no web module."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "ddq"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _path_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imports_of(path: Path, *, module_level_only: bool = False) -> set[str]:
    """Every module `path` imports (relative imports resolved), at any depth or at module level only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    nodes = tree.body if module_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.add(stem)
            # `from . import access` imports the module ddq.web.access
            found.update(f"{stem}.{alias.name}" for alias in node.names if _path_of(f"{stem}.{alias.name}"))
    return found


def _is_within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


REPORTING_MAY_NOT = ("ddq.store", "ddq.extensions", "ddq.web", "ddq.app", "ddq.library", "sqlalchemy", "flask")


def test_reporting_imports_neither_the_store_nor_the_web():
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((PACKAGE / "reporting").rglob("*.py"))
        for module in imports_of(path)
        if _is_within(module, REPORTING_MAY_NOT)
    }
    assert not offenders, sorted(offenders)


def test_reporting_loads_no_database_or_web_framework():
    code = (
        "import sys, pkgutil, importlib, ddq.reporting as reporting\n"
        "for module in pkgutil.iter_modules(reporting.__path__):\n"
        "    importlib.import_module('ddq.reporting.' + module.name)\n"
        "print(' '.join(sorted(name for name in sys.modules\n"
        "    if name.split('.')[0] in {'flask', 'sqlalchemy', 'werkzeug'}\n"
        "    or name.startswith(('ddq.store', 'ddq.web', 'ddq.extensions')))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == ""


def test_the_command_line_imports_no_web_module():
    """What cli.py imports (in its commands too), and what those import at module level; the app factory aside."""
    seen, offenders = set(), []
    queue = [(module, "ddq.cli") for module in imports_of(PACKAGE / "cli.py")]
    while queue:
        module, importer = queue.pop()
        if module in seen or not _is_within(module, ("ddq",)) or _is_within(module, ("ddq.app",)):
            continue
        seen.add(module)
        if _is_within(module, ("ddq.web",)):
            offenders.append(f"{importer} imports {module}")
            continue
        path = _path_of(module)
        if path is not None:
            queue.extend((found, module) for found in imports_of(path, module_level_only=True))
    assert not offenders, offenders
    assert "ddq.store.report_facts" in seen and "ddq.reporting.overview" in seen  # the walk reached the commands
