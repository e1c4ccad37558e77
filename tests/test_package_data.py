"""What a build of the package ships besides its modules: the files
``[options.package_data]`` lists, and no warning about them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_the_build_ships_the_listed_data_without_a_warning(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "dedup", project / "dedup", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, project / name)
    built = tmp_path / "built"
    run = subprocess.run(
        [sys.executable, "setup.py", "build_py", "--build-lib", str(built)], cwd=project, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr
    # the report's templates are data of dedup.report, not a package left out
    assert "dedup.report.templates" not in run.stdout + run.stderr
    shipped = {path.relative_to(built).as_posix() for path in built.rglob("*") if path.is_file() and path.suffix != ".py"}
    templates = {f"dedup/report/templates/{path.name}" for path in (ROOT / "dedup/report/templates").iterdir()}
    models = {path.relative_to(ROOT).as_posix() for path in ROOT.glob("dedup/*/models/*.json")}
    assert templates and models and shipped == templates | models
