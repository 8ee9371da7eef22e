"""env.yml mirrors the dependencies of pyproject.toml (names and version bounds)."""
import re
import tomllib

import yaml

from workbench.config import REPO_ROOT


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_env_yml_matches_pyproject():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((REPO_ROOT / "env.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        for item in (dep["pip"] if isinstance(dep, dict) else [dep]):
            name, spec = _split(item)
            if name not in {"python", "pip"}:
                listed[name] = spec
    assert listed == wanted


def test_python_version_agrees():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((REPO_ROOT / "env.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    low = re.search(r">=(\d+\.\d+)", project["requires-python"]).group(1)
    assert python.split("=")[1] == low
