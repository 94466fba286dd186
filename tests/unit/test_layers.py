"""The arrows between the application's layers, read from the source, so that the layering cannot drift silently.

Views and the console → web → domain → models → vocabulary; security beside the web, used by views and console;
the loaders (seeding, demo) reached only from the CLI, the CLI only from the factory. Every import counts,
wherever it is written: at the top, inside a function, under `if TYPE_CHECKING`. A failure names the file, the
line and the arrow that is not allowed.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Frameworks of the front doors: the domain (and what lies below it) must work without a request.
FRAMEWORKS = ("flask", "flask_appbuilder", "flask_admin", "flask_babel", "flask_login", "flask_wtf", "flask_limiter",
              "flask_talisman", "wtforms", "werkzeug", "jinja2", "markupsafe")
FRONT_DOORS = ("flask_appbuilder", "flask_admin")
BELOW_WEB = ("app.domain", "app.models", "app.vocabulary", "app.clock", "app.extensions", "app.storage")


@dataclass(frozen=True)
class Layer:
    may_import: tuple[str, ...]  # packages of the application this layer may import (its own included)
    forbidden: tuple[str, ...] = ()  # third-party packages it must not import …
    except_names: tuple[str, ...] = ()  # … but for these names of them


# The longest prefix of a module's name is its layer. A new top-level module of app/ needs a line here.
LAYERS = {
    "app": Layer(("app",)),  # the factory (app/__init__.py): create_app() joins every layer
    "app.vocabulary": Layer((), FRAMEWORKS),
    "app.clock": Layer((), FRAMEWORKS),
    "app.extensions": Layer(()),
    "app.models": Layer(("app.models", "app.vocabulary"), FRAMEWORKS,
                        # the declarative base and the user model models extend
                        ("flask_appbuilder.Model", "flask_appbuilder.security.sqla.models.User")),
    "app.domain": Layer(("app.domain", "app.models", "app.vocabulary", "app.clock"), FRAMEWORKS),
    "app.storage": Layer(("app.storage", "app.domain", "app.models", "app.vocabulary", "app.clock", "app.extensions")),
    "app.backup": Layer(("app.storage", "app.models", "app.extensions", "app.clock"), FRONT_DOORS),
    "app.web": Layer(("app.web", *BELOW_WEB), FRONT_DOORS),
    # the declaration of the frameworks' private names that the front doors rely on: it names them, nothing of ours
    "app.framework_internals": Layer(()),
    "app.security": Layer(("app.security", "app.web", "app.framework_internals", *BELOW_WEB)),
    "app.views": Layer(("app.views", "app.web", "app.security", "app.framework_internals", *BELOW_WEB)),
    "app.console": Layer(("app.console", "app.web", "app.security", "app.framework_internals", *BELOW_WEB)),
    # health, request logs and metrics: beside the web, below nothing but the factory
    "app.operations": Layer(("app.operations", *BELOW_WEB)),
    "app.seeding": Layer(BELOW_WEB),
    "app.demo": Layer(BELOW_WEB),
    "app.cli": Layer(("app.seeding", "app.demo", "app.security", "app.backup", *BELOW_WEB)),
    "app.migrations": Layer(("app.models",)),  # env.py reads the models' metadata
    "app.migrations.versions": Layer(()),  # a revision is frozen: it never reads today's models
}


def layer_of(module: str) -> str | None:
    """The longest name in LAYERS that the module is or is inside of; "app" is the factory module alone."""
    parts = module.split(".")
    for end in range(len(parts), 1, -1):
        if ".".join(parts[:end]) in LAYERS:
            return ".".join(parts[:end])
    return module if module in LAYERS else None


def module_of(path: Path, root: Path = APP) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_app_module(name: str, root: Path) -> bool:
    path = root.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_in(source: str, module: str, is_package: bool = False, root: Path = APP):
    """(line, imported name) for every import of the source, at any depth. `from a.b import c` names the module
    a.b.c when there is one, else a.b for the application's modules, a.b.c for anything else."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            for alias in node.names:
                name = f"{origin}.{alias.name}"
                if origin.split(".")[0] != root.name or _is_app_module(name, root):
                    yield node.lineno, name
                else:
                    yield node.lineno, origin


def _within(name: str, prefixes) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def refused_arrows(module: str, imports, root: Path = APP) -> list[str]:
    """What `module` imports against its layer's arrows, one line each."""
    layer = layer_of(module)
    if layer is None:
        return [f"{module} belongs to no layer: give it one in tests/unit/test_layers.py"]
    rule = LAYERS[layer]
    found = []
    for line, name in dict.fromkeys(imports):  # `from x import a, b` is one arrow
        if name.split(".")[0] == root.name:
            if not _within(name, rule.may_import):
                found.append((line, name, f"{layer} may import only {', '.join(rule.may_import) or 'nothing'} "
                                          "of the application"))
        elif _within(name, rule.forbidden) and name not in rule.except_names:
            found.append((line, name, f"{layer} may not import {name.split('.')[0]}"))
    return [f"{line}: {module} imports {name}: {why}" for line, name, why in found]


def modules(root: Path = APP):
    for path in sorted(root.rglob("*.py")):
        yield path, module_of(path, root)


def test_every_import_follows_the_arrows():
    refused = []
    for path, module in modules():
        imports = imports_in(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")
        refused += [f"{path.relative_to(APP.parent)}:{arrow}" for arrow in refused_arrows(module, imports)]
    assert not refused, "imports against the layers' arrows:\n" + "\n".join(refused)


def test_the_tree_is_read():
    """The test above reads the real tree: every layer has modules, and the known arrows are seen."""
    seen = {module: dict(imports_in(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"))
            for path, module in modules()}
    assert {layer_of(module) for module in seen} >= set(LAYERS) - {"app.migrations"}
    assert "app.models.declaration" in seen["app.models"].values()
    assert any(name.startswith("app.domain") for name in seen["app.views.declarations"].values())


def check(source: str, module: str, is_package: bool = False) -> list[str]:
    return refused_arrows(module, imports_in(source, module, is_package))


def test_an_import_inside_a_function_is_an_arrow_too():
    source = "import enum\n\n\ndef label(self):\n    from app.domain.recommendation import state_label\n"
    assert check(source, "app.models.recommendation") == [
        "5: app.models.recommendation imports app.domain.recommendation: app.models may import only app.models, "
        "app.vocabulary of the application"]


def test_relative_and_package_imports_resolve_to_their_modules():
    assert list(imports_in("from . import lifecycle\nfrom .scope import Actor\n", "app.domain.rounds")) == [
        (1, "app.domain.lifecycle"), (2, "app.domain.scope")]
    assert list(imports_in("from .. import clock\n", "app.console", is_package=True)) == [(1, "app.clock")]
    assert list(imports_in("from app.domain import DomainError, lifecycle\n", "app.views.x")) == [
        (1, "app.domain"), (1, "app.domain.lifecycle")]


def test_the_arrows_refuse_what_they_should():
    assert check("from app.views.base import say\n", "app.console.transfer")  # console ↛ views
    assert check("from app.console import Guarded\n", "app.views.declarations")  # views ↛ console
    assert check("from app.views.accounts import UserAdminView\n", "app.security.manager")  # security ↛ views
    assert check("from app.seeding import latest_form\n", "app.console", is_package=True)  # only the CLI loads
    assert check("from app import create_app\n", "app.cli")  # only tests build the app
    assert check("from flask import request\n", "app.domain.scope")  # the domain works without a request
    assert check("from flask_appbuilder.widgets import ListWidget\n", "app.models.catalog")
    assert check("from flask_admin import BaseView\n", "app.web.downloads")  # shared by both front doors
    assert check("import app.clock\n", "app.vocabulary")
    assert check("import os\n", "app.newcomer") == [
        "app.newcomer belongs to no layer: give it one in tests/unit/test_layers.py"]
    assert not check("from flask_appbuilder import Model\n", "app.models.catalog")
    assert not check("from app.web.language import say\nfrom app.security import roles\n", "app.console",
                     is_package=True)
