"""Flask-AppBuilder's and Flask-Admin's internals we rely on (app/framework_internals.py) are still there, as we
were written against them, and every one of them is declared: an upgrade that removes, renames or reshapes one
fails here with a sentence naming it and the code of ours that relies on it, instead of somewhere in a page."""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap
from pathlib import Path

import flask_admin
import flask_appbuilder
import limits
import pytest
from flask_appbuilder.baseviews import BaseCRUDView
from flask_appbuilder.filters import TemplateFilters

import app as platform
from app import framework_internals as internals
from app.framework_internals import INTERNALS, TEMPLATE_COPIES, Internal, TemplateCopy

LIBRARIES = (flask_appbuilder, flask_admin, limits)
ROOT = Path(platform.__file__).parent
LIBRARY_TEMPLATES = {
    "flask_appbuilder": Path(flask_appbuilder.__file__).parent / "templates",
    "flask_admin": Path(flask_admin.__file__).parent / "templates" / "bootstrap4",
}
# Private-looking names that are documented API of the standard library or Werkzeug.
DOCUMENTED = {
    "_value2member_map_": "enum: the members by value, documented with Enum",
    "_get_current_object": "werkzeug.local.LocalProxy's documented way to the proxied request",
}


def _declared(name: str) -> bool:
    return any(name in (entry.name, entry.token) for entry in internals.INTERNALS)


def test_every_internal_we_rely_on_is_still_there():
    problems = internals.internal_problems()
    assert not problems, "\n".join(problems)


def test_every_copied_template_is_still_the_one_we_copied():
    problems = internals.template_problems()
    assert not problems, "\n".join(problems)


def test_every_library_script_ours_reach_into_still_has_what_we_use():
    problems = internals.script_problems()
    assert not problems, "\n".join(problems)


# --- the checks fail, and say what -------------------------------------------------------------------------------

def test_a_removed_internal_is_named(monkeypatch):
    monkeypatch.delattr(BaseCRUDView, "_get_list_widget")
    problems = internals.internal_problems()
    assert any(p.startswith("flask_appbuilder.baseviews:BaseCRUDView._get_list_widget is gone")
               and "app.views.base:ListDefaults._get_list_widget" in p for p in problems), problems


def test_a_changed_signature_is_named(monkeypatch):
    monkeypatch.setattr(BaseCRUDView, "_deserialize_pk_if_composite", lambda self, pk, composite: pk)
    problems = internals.internal_problems()
    assert any("BaseCRUDView._deserialize_pk_if_composite changed its parameters from (self, pk) to "
               "(self, pk, composite)" in p for p in problems), problems


def test_a_filter_registered_under_another_name_is_named(monkeypatch):
    def is_menu_visible(self, item):  # the same method, no longer registered as the `is_menu_visible` filter
        return True

    monkeypatch.setattr(TemplateFilters, "is_menu_visible", is_menu_visible)
    problems = internals.internal_problems()
    assert any("TemplateFilters.is_menu_visible no longer contains '@app_template_filter(\"is_menu_visible\")'"
               in p for p in problems), problems


def test_an_entry_outliving_our_use_is_named():
    stale = Internal("flask_appbuilder.baseviews:BaseCRUDView._deserialize_pk_if_composite", "why",
                     ("app.views.home:HomeView.index",), signature="(self, pk)")
    assert internals.internal_problems([stale]) == [
        "app.views.home:HomeView.index no longer uses '_deserialize_pk_if_composite' of "
        "flask_appbuilder.baseviews:BaseCRUDView._deserialize_pk_if_composite: drop or correct the entry in "
        "app/framework_internals.py."]


def test_a_changed_original_template_is_named(tmp_path, monkeypatch):
    copy = next(c for c in TEMPLATE_COPIES if c.path == "appbuilder/init.html")
    changed = tmp_path / "init.html"
    changed.write_bytes(copy.original.read_bytes() + b"<!-- a new version -->")
    monkeypatch.setattr(TemplateCopy, "original", property(lambda self: changed))
    problems = internals.template_problems([copy])
    assert len(problems) == 1 and problems[0].startswith(
        "flask_appbuilder changed its template appbuilder/init.html") and "app/templates/appbuilder/init.html" \
        in problems[0], problems


def test_a_removed_original_template_is_named(tmp_path, monkeypatch):
    copy = next(c for c in TEMPLATE_COPIES if c.path == "admin/model/layout.html")
    monkeypatch.setattr(TemplateCopy, "original", property(lambda self: tmp_path / "gone.html"))
    assert internals.template_problems([copy]) == [
        "flask_admin no longer has the template admin/model/layout.html that app/templates/admin/model/layout.html "
        f"copies ({copy.why}): our copy now shadows nothing; re-check who renders it."]


def test_a_changed_library_script_is_named(tmp_path, monkeypatch):
    entry = next(e for e in internals.SCRIPT_TEXTS if e.path.endswith("helpers.js"))
    changed = tmp_path / "helpers.js"
    changed.write_text(entry.file.read_text(encoding="utf-8").replace("safeConfirm", "confirmSafely"))
    monkeypatch.setattr(internals.ScriptText, "file", property(lambda self: changed))
    assert internals.script_problems([entry]) == [
        "flask_admin's static/admin/js/helpers.js no longer contains 'safeConfirm', which app/static/js/console.js "
        f"relies on ({entry.why})."]


# --- nothing we rely on is left undeclared ------------------------------------------------------------------------

def _platform_modules():
    for info in pkgutil.walk_packages([str(ROOT)], "app."):
        if not info.name.startswith("app.migrations"):
            yield importlib.import_module(info.name)


def _is_library(klass) -> bool:
    return klass.__module__.split(".")[0] in {library.__name__ for library in LIBRARIES}


def _written_in(klass) -> set[str]:
    """The names a class's own body defines (not those its metaclass or a library adds)."""
    body = ast.parse(textwrap.dedent(inspect.getsource(klass))).body[0].body
    names = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(*map(_assigned, node.targets))
        elif isinstance(node, ast.AnnAssign):
            names.update(_assigned(node.target))
    return names


def undeclared_overrides() -> set[str]:
    """A private name defined by one of our classes (or mixins) that a library class it is combined with also
    defines is an override of the library's internals."""
    undeclared = set()
    for module in _platform_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not any(_is_library(k) for k in cls.__mro__):
                continue
            for ours in (k for k in cls.__mro__ if k.__module__.startswith("app.")):
                for name in _written_in(ours):
                    if (re.fullmatch(r"_[A-Za-z]\w*", name) and not name.endswith("__")
                            and any(_is_library(k) and name in k.__dict__ for k in cls.__mro__)
                            and not _declared(name)):
                        undeclared.add(f"{ours.__module__}:{ours.__qualname__}.{name}")
    return undeclared


def test_every_private_override_is_declared():
    undeclared = undeclared_overrides()
    assert not undeclared, f"overrides of library internals missing from app/framework_internals.py: {undeclared}"


def test_an_undeclared_override_is_found(monkeypatch):
    monkeypatch.setattr(internals, "INTERNALS", tuple(e for e in INTERNALS if e.name != "_init_forms"))
    assert undeclared_overrides() == {"app.views.accounts:UserAdminView._init_forms"}


def _assigned(target) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Attribute):
        return {target.attr}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*map(_assigned, target.elts))
    return set()


def undeclared_uses() -> dict[str, list[str]]:
    """`x._name` in our code, for a name our code does not define itself, reaches into a library."""
    used, defined = {}, set()
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined.update(*map(_assigned, node.targets))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                defined.update(_assigned(node.target))
            elif isinstance(node, ast.Attribute) and re.fullmatch(r"_[A-Za-z]\w*", node.attr) \
                    and not node.attr.endswith("__"):
                used.setdefault(node.attr, []).append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return {name: places for name, places in used.items()
            if name not in defined and name not in DOCUMENTED and not _declared(name)}


def test_every_private_attribute_we_use_is_declared():
    undeclared = undeclared_uses()
    assert not undeclared, f"private library names used but missing from app/framework_internals.py: {undeclared}"


def test_an_undeclared_use_is_found(monkeypatch):
    monkeypatch.setattr(internals, "INTERNALS", tuple(e for e in INTERNALS if e.name != "_apply_inner_all"))
    found = undeclared_uses()
    assert set(found) == {"_apply_inner_all"} and found["_apply_inner_all"][0].startswith("app/views/declarations.py:")


def test_every_template_shadowing_a_library_one_is_declared():
    ours = ROOT / "templates"
    declared = {copy.path for copy in TEMPLATE_COPIES}
    shadowing = {str(path.relative_to(ours)) for path in ours.rglob("*.html")
                 if any((root / path.relative_to(ours)).is_file() for root in LIBRARY_TEMPLATES.values())}
    assert shadowing <= declared, f"templates copied from a library, missing from app/framework_internals.py: " \
                                  f"{sorted(shadowing - declared)}"


def test_the_library_templates_ours_build_on_exist():
    ours = ROOT / "templates"
    missing = []
    for path in sorted(ours.rglob("*.html")):
        for name in re.findall(r"{%-?\s*(?:extends|import|include|from)\s+['\"]([^'\"]+)['\"]", path.read_text()):
            if not (ours / name).is_file() and not any((root / name).is_file() for root in LIBRARY_TEMPLATES.values()):
                missing.append(f"{path.relative_to(ours)} builds on {name}, which no installed library has")
    assert not missing, "\n".join(missing)


def test_every_replaced_jinja_filter_is_declared(app):
    """A Flask-AppBuilder filter that is no longer FAB's own in the Jinja environment was replaced by us."""
    replaced = []
    for attribute in dir(TemplateFilters):
        name = getattr(getattr(TemplateFilters, attribute), "_filter", None)
        current = app.jinja_env.filters.get(name) if name else None
        if name and getattr(current, "__func__", None) is not getattr(TemplateFilters, attribute):
            replaced.append(name)
    assert replaced, "the platform replaces FAB's is_menu_visible: the check finds no replacement at all"
    undeclared = [name for name in replaced if not any(
        entry.target.endswith(f"TemplateFilters.{name}") and f'filters["{name}"]' in (entry.token or "")
        for entry in INTERNALS)]
    assert not undeclared, f"FAB's Jinja filters replaced but missing from app/framework_internals.py: {undeclared}"
