"""Ray is an optional extra: a plain install does not pull it in, the local
engine never imports it, and ``--engine ray`` without it says how to
install it (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import packages_distributions, requires

from packaging.requirements import Requirement

from conftest import CORPUS, ROOT

# Runs the real command line in a Python where ``import ray`` fails as it
# does when the package is not installed.
WITHOUT_RAY = "import sys; sys.modules['ray'] = None; from dedup.cli import main; sys.argv[0] = 'dedup'; main()"


def dedup_without_ray(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_RAY, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def _requirements() -> list[str]:
    """The requirements of the distribution that installs the ``dedup`` package
    (its name on the package index differs from the import name)."""
    return requires(packages_distributions()["dedup"][0]) or []


def test_ray_is_required_only_by_the_ray_extra():
    for line in _requirements():
        requirement = Requirement(line)
        if requirement.name == "ray":
            assert requirement.marker is not None and requirement.marker.evaluate({"extra": "ray"})
            assert not requirement.marker.evaluate({"extra": ""})
    assert any(Requirement(line).name == "ray" for line in _requirements())


def test_the_ray_engine_without_ray_says_how_to_install_it():
    run = dedup_without_ray("scan", str(CORPUS), "--engine", "ray")
    assert run.returncode == 2
    assert "pip install '.[ray]'" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_local_engine_runs_without_ray():
    run = dedup_without_ray("scan", str(CORPUS), "--format", "json")
    assert run.returncode in (0, 1), run.stderr
    assert '"documents"' in run.stdout
