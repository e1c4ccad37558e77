"""The house: layer contracts (import-linter), package docstrings, module sizes."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "dedup"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
SUBPACKAGES = sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


def _lint_imports(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(folder / "setup.cfg"), "--no-cache"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
    )


def _copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE, tmp_path / "dedup", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    return tmp_path


def test_the_layer_contracts_hold() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("text/quotes.py", "import dedup.scan", "Each layer imports only the layers below it"),
        ("near/clusters.py", "from dedup.passages import align", "Each layer imports only the layers below it"),
        ("passages/relations.py", "from dedup.boilerplate import detect", "Each layer imports only the layers below it"),
        ("engine/local.py", "import rich", "Only the command line and its views use click and rich"),
    ],
)
def test_an_import_that_reaches_up_breaks_a_contract(tmp_path: Path, module: str, line: str, broken: str) -> None:
    folder = _copy_of_the_package(tmp_path)
    target = folder / "dedup" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    run = _lint_imports(folder)
    assert run.returncode != 0
    assert f"{broken} BROKEN" in run.stdout


@pytest.mark.parametrize("package", SUBPACKAGES, ids=lambda p: p.name)
def test_every_subpackage_says_what_flows_in_and_out(package: Path) -> None:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    if package.name == "views":
        assert "rich" in doc
    else:
        assert "In:" in doc and "Out:" in doc, package


def test_modules_stay_small_and_the_top_level_stays_short() -> None:
    sizes = {p.relative_to(PACKAGE): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {str(p): n for p, n in sizes.items() if n > 600} == {}
    assert len(list(PACKAGE.glob("*.py"))) <= 10


def private_imports(package: Path) -> list[str]:
    """``module: name`` for each private name a module of ``package`` imports
    from another module (a package's own private submodules, such as a C
    extension, are its business)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("dedup"):
                continue
            source = package.parent.joinpath(*node.module.split("."))
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                submodule = (source / f"{alias.name}.py").exists() or any(source.glob(f"{alias.name}.*.so")) or (source / f"{alias.name}.c").exists()
                if private and not submodule:
                    found.append(f"{path.relative_to(package.parent)}: {alias.name} from {node.module}")
    return found


def test_no_module_imports_a_private_name_of_another() -> None:
    # What a module shares is public (named without `_`); reaching into another's privates hides a seam.
    assert private_imports(PACKAGE) == []


def test_a_private_import_is_found(tmp_path: Path) -> None:
    copy = _copy_of_the_package(tmp_path) / "dedup"
    module = copy / "boilerplate" / "passes.py"
    module.write_text("from dedup.boilerplate.repeats import _ascii_key\n" + module.read_text(encoding="utf-8"), encoding="utf-8")
    assert private_imports(copy) == ["dedup/boilerplate/passes.py: _ascii_key from dedup.boilerplate.repeats"]


def long_functions(package: Path, limit: int = 60) -> dict[str, int]:
    """``module:function -> lines`` for each function of ``package`` longer
    than ``limit`` lines, its docstring aside."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            lines = node.end_lineno - node.lineno + 1
            doc = node.body[0]
            if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
                lines -= doc.end_lineno - doc.lineno + 1
            if lines > limit:
                found[f"{path.relative_to(package.parent)}:{node.name}"] = lines
    return found


def test_functions_stay_under_sixty_lines() -> None:
    # A function past ~60 lines is asking to be split along a seam in the data flow.
    assert long_functions(PACKAGE) == {}


def test_a_long_function_is_found(tmp_path: Path) -> None:
    module = tmp_path / "dedup" / "long.py"
    module.parent.mkdir()
    module.write_text('def f():\n    """Doc."""\n' + "    x = 1\n" * 61, encoding="utf-8")
    assert long_functions(tmp_path / "dedup") == {"dedup/long.py:f": 62}
