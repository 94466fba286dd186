"""Every package the code imports is declared, every declared package is pinned in a lock file, and the test
tools stay out of the production install."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OWN_MODULES = {"app", "config", "run", "tests"}
TEST_TOOLS = {"pytest", "hypothesis", "playwright", "locust", "gevent", "schemathesis", "moto"}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group()).lower()


def _imported(paths) -> set[str]:
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - OWN_MODULES - {"__future__"}


def _undeclared(modules: set[str], declared: set[str]) -> dict[str, list[str]]:
    owners = packages_distributions()
    return {module: owners.get(module, ["(not installed)"]) for module in sorted(modules)
            if not {_name(d) for d in owners.get(module, [])} & declared}


def _locked(lock: str) -> set[str]:
    return {_name(line) for line in (ROOT / lock).read_text().splitlines() if re.match(r"[a-z0-9]", line)}


APPLICATION = {_name(r) for r in PROJECT["dependencies"]}
TESTS = APPLICATION | {_name(r) for r in PROJECT["optional-dependencies"]["test"]}


def test_the_application_imports_only_declared_packages():
    code = [*(ROOT / "app").rglob("*.py"), ROOT / "config.py", ROOT / "run.py"]
    assert _undeclared(_imported(code), APPLICATION) == {}


def test_the_tests_import_only_declared_packages():
    assert _undeclared(_imported((ROOT / "tests").rglob("*.py")), TESTS) == {}


def test_every_declared_package_is_pinned_with_hashes():
    assert APPLICATION - _locked("requirements.lock") == set()
    assert TESTS - _locked("requirements-test.lock") == set()
    for lock in ("requirements.lock", "requirements-test.lock"):
        pins = [line for line in (ROOT / lock).read_text().splitlines() if re.match(r"[a-z0-9]", line)]
        assert all("==" in pin and pin.endswith("\\") for pin in pins), f"{lock} pins every package with its hashes"


def test_the_production_install_holds_no_test_tool():
    assert _locked("requirements.lock") & TEST_TOOLS == set()
