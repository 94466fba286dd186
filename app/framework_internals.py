"""What this platform relies on inside Flask-AppBuilder and Flask-Admin (and two smaller libraries): every private
or undocumented name we override or use, every template of theirs we copied, every global or text of their
scripts ours call or translate, every English name of theirs we look things up by, each with why. None of it is
public API, so an upgrade may remove or rename any of it without notice; `tests/unit/test_framework_internals.py`
checks each entry against the installed packages (that it still exists, with the parameters we were written
against, and that our code still uses it) and names what moved.

After an upgrade: for each failure, re-read the library's new code, adapt ours (the `ours` of the entry), then
update the entry. A new reliance gets an entry here first; the test finds undeclared private overrides, private
attribute uses, shadowed templates and replaced Jinja filters by itself.

Only the standard library is imported at module level: the roles and the views import the menu names below.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

# Flask-AppBuilder's security menu, by the English names its SecurityManager.register_views gives the entries
# (their labels are translated; their names are what `menu.find` and the roles' menu_access match).
SECURITY_MENU = "Security"
USERS_MENU = "List Users"
ROLES_MENU = "List Roles"
GROUPS_MENU = "List Groups"


@dataclass(frozen=True)
class Internal:
    """A library object we rely on: `target` is "package.module:Qualified.name" in the library; `ours` the places
    in our code that rely on it ("app.module:Qualified.name"), each of whose source must mention `token` (by
    default the target's last name) so that an entry cannot outlive its use."""

    target: str
    why: str
    ours: tuple[str, ...]
    signature: str | None = None  # str(inspect.signature(target)), as we were written against it
    source_has: str | None = None  # text the target's source must still contain (an attribute it sets, a name)
    token: str | None = None

    @property
    def name(self) -> str:
        return self.target.rsplit(".", 1)[-1].rsplit(":", 1)[-1]


INTERNALS: tuple[Internal, ...] = (
    # --- Flask-AppBuilder: model views -------------------------------------------------------------------------
    Internal("flask_appbuilder.baseviews:BaseCRUDView._get_list_widget",
             "caps the page size FAB takes unbounded from psize_<view>, and shows the last page for one beyond it "
             "(it reads the list widget's template_args['count'])",
             ("app.views.base:ListDefaults._get_list_widget",),
             signature="(self, filters, actions=None, order_column='', order_direction='', page=None, "
                       "page_size=None, widgets=None, **kwargs)",
             source_has="count=count"),
    Internal("flask_appbuilder.baseviews:BaseModelView._init_properties",
             "FAB keeps one search Filters per view in `self._filters`, refilled by every request: our property "
             "catches the assignment and hands each request its own copy (views are shared by threads)",
             ("app.views.base:ListDefaults._filters", "app.views.bounds:_clean_list_arguments",
              "app.views.declarations:ReviewDeclarationView.export"),
             source_has="self._filters = ", token="_filters"),
    Internal("flask_appbuilder.baseviews:BaseModelView._init_properties",
             "`self._base_filters` is the view's scope as FAB built it from `base_filters`; actions, exports, the "
             "API and package pages re-read rows through it (FAB's own action routes load rows by id alone)",
             ("app.views.base:ListDefaults._scoped_rows", "app.views.declarations:ReviewDeclarationView.export",
              "app.views.api:DeclarationApi._handle_filters_args",
              "app.views.recommendation:RecommendationPackageView._scoped"),
             source_has="self._base_filters = ", token="_base_filters"),
    Internal("flask_appbuilder.baseviews:BaseCRUDView._deserialize_pk_if_composite",
             "turns a posted row id into the key FAB's datamodel.get expects, as FAB's own action_post does",
             ("app.views.base:ListDefaults._scoped_rows",), signature="(self, pk)"),
    Internal("flask_appbuilder.views:ModelView.action_post",
             "reimplemented: FAB runs a bulk action on rows loaded by id, outside the view's scope",
             ("app.views.base:ListDefaults.action_post",), signature="(self)", source_has="rowid"),
    Internal("flask_appbuilder.views:ModelView.action",
             "reimplemented: FAB's single-row action loads the row without the view's filters and answers GET",
             ("app.views.base:ListDefaults.action",), signature="(self, name, pk)"),
    Internal("flask_appbuilder.views:ModelView.download",
             "FAB's /download/<filename> serves UPLOAD_FOLDER files; a view that still has FAB's own is refused",
             ("app.views.bounds:_is_fab_file_download",), signature="(self, filename)"),
    Internal("flask_appbuilder.baseviews:BaseCRUDView._init_forms",
             "after FAB has built the add and edit forms, the authority select gets a visible blank text",
             ("app.views.accounts:UserAdminView._init_forms",), signature="(self)", source_has="self.add_form = "),
    Internal("flask_appbuilder.filters:TemplateFilters.get_actions_on_list",
             "our list widget builds the rows in Python and asks FAB's filter whether to draw the checkboxes",
             ("app.views.base:ListWidget._rows",), signature="(self, actions, modelview_name)",
             source_has='@app_template_filter("get_actions_on_list")'),
    Internal("flask_appbuilder.filters:TemplateFilters.is_item_visible",
             "the 操作 column asks FAB's filter whether the user may open a row's pages",
             ("app.views.base:RowOperations.__init__",), signature="(self, permission: str, item: str) -> bool",
             source_has='@app_template_filter("is_item_visible")'),
    Internal("flask_appbuilder.filters:TemplateFilters.is_menu_visible",
             "replaced in the Jinja environment by a wrapper that also hides the types, packages and publications "
             "an organization or authority has nothing to do with; the wrapper calls FAB's for the permission",
             ("app.views.menu:install_menu_filter",), signature="(self, item)",
             source_has='@app_template_filter("is_menu_visible")', token='filters["is_menu_visible"]'),
    # --- Flask-AppBuilder: the model interface -----------------------------------------------------------------
    Internal("flask_appbuilder.models.sqla.interface:SQLAInterface._apply_inner_all",
             "the declaration count applies the list's joins and filters as FAB's query does, then counts ids",
             ("app.views.declarations:DeclarationInterface.query_count",),
             signature="(self, query: 'Query', filters: 'Filters | None' = None, order_column: 'str' = '', "
                       "order_direction: 'str' = '', page: 'int | None' = None, page_size: 'int | None' = None, "
                       "select_columns: 'list[str] | None' = None, "
                       "aliases_mapping: 'dict[str, AliasedClass] | None' = None) -> 'Query'"),
    Internal("flask_appbuilder.models.sqla.interface:SQLAInterface.query_count",
             "overridden: the ministry's national count stops at COUNT_CAP instead of reading most of the table",
             ("app.views.declarations:DeclarationInterface.query_count",),
             signature="(self, query: 'Query', filters: 'Optional[Filters]' = None, "
                       "select_columns: 'Optional[list[str]]' = None) -> 'int'"),
    Internal("flask_appbuilder.models.base:BaseInterface.get_values",
             "overridden: reads each list cell once (FAB probes every cell with hasattr and getattr)",
             ("app.views.base:PlatformInterface.get_values",), signature="(self, lst, list_columns)"),
    Internal("flask_appbuilder.models.sqla.interface:SQLAInterface.filter_converter_class",
             "each model's column filters are converted once, not three times a list request",
             ("app.views.base:PlatformInterface",)),
    # --- Flask-AppBuilder: the REST API ------------------------------------------------------------------------
    Internal("flask_appbuilder.api:ModelRestApi._handle_filters_args",
             "overridden: each request's filters on a Filters of its own (FAB refills one shared by every thread), "
             "joined to the scope",
             ("app.views.api:DeclarationApi._handle_filters_args",),
             signature="(self, rison_args: 'Dict[str, Any]') -> 'Filters'"),
    Internal("flask_appbuilder.api:ModelRestApi._apispec_parameter_schemas",
             "set to None: FAB's own q schemas would describe arguments this API refuses",
             ("app.views.api:DeclarationApi",)),
    Internal("flask_appbuilder.api:ModelRestApi.info_headless",
             "our _info endpoint replaces FAB's (which lists every related row) and answers through its body",
             ("app.views.api:DeclarationApi.info",), signature="(self, **kwargs: 'Any') -> 'Response'"),
    Internal("flask_appbuilder.api:ModelRestApi.get_headless",
             "our item endpoint replaces FAB's (its q parser lets errors through as 500s)",
             ("app.views.api:DeclarationApi.get",),
             signature="(self, pk: 'ModelKeyType', **kwargs: 'Any') -> 'Response'"),
    Internal("flask_appbuilder.api:ModelRestApi.get_list_headless",
             "our list endpoint replaces FAB's (its q parser lets errors through as 500s)",
             ("app.views.api:DeclarationApi.get_list",), signature="(self, **kwargs: 'Any') -> 'Response'"),
    # --- Flask-AppBuilder: security ----------------------------------------------------------------------------
    Internal("flask_appbuilder.security.views:AuthView._get_safe_next_url",
             "a signed-in user opening the login page goes where FAB's own login would send them",
             ("app.security.views:LoginView.login",), signature="(self) -> str"),
    Internal("flask_appbuilder.security.manager:BaseSecurityManager.register_views",
             "FAB's menu entry for user groups is found by its English name to give it a Chinese label",
             ("app.views:register_views", "app.security.roles"), source_has=f'"{GROUPS_MENU}"',
             token="GROUPS_MENU"),
    Internal("flask_appbuilder.security.manager:BaseSecurityManager.register_views",
             "IT staff's role grants FAB's security menu and its user and role entries by their English names",
             ("app.security.roles",), source_has=f'"{SECURITY_MENU}"', token="SECURITY_MENU"),
    Internal("flask_appbuilder.security.manager:BaseSecurityManager.register_views",
             "IT staff's role grants FAB's user list entry by its English name",
             ("app.security.roles",), source_has=f'"{USERS_MENU}"', token="USERS_MENU"),
    Internal("flask_appbuilder.security.manager:BaseSecurityManager.register_views",
             "IT staff's role grants FAB's role list entry by its English name",
             ("app.security.roles",), source_has=f'"{ROLES_MENU}"', token="ROLES_MENU"),
    Internal("flask_appbuilder.security.views:UserDBModelView",
             "our user administration keeps FAB's permission name, which FAB's own links and the roles use; the "
             "roles grant its actions by the names FAB gives them",
             ("app.views.accounts:UserAdminView", "app.security.roles"), source_has='"resetpasswords"',
             token='"UserDBModelView"'),
    Internal("flask_appbuilder.security.views:UserModelView",
             "the roles grant FAB's own-profile pages by the names FAB gives them",
             ("app.security.roles",), source_has='"userinfoedit"', token='"userinfoedit"'),
    Internal("flask_appbuilder.security.views:UserGroupModelView",
             "our group view keeps FAB's permission name, which the roles use",
             ("app.security.manager:GroupView", "app.security.roles"), token='"UserGroupModelView"'),
    Internal("flask_appbuilder.security.views:ResetMyPasswordView",
             "granted to every role by FAB's class name, its permission name",
             ("app.security.roles",), token='"ResetMyPasswordView"'),
    Internal("flask_appbuilder.security.views:ResetPasswordView",
             "granted to IT staff by FAB's class name, its permission name",
             ("app.security.roles",), token='"ResetPasswordView"'),
    Internal("flask_appbuilder.security.views:UserInfoEditView",
             "granted to every role by FAB's class name, its permission name",
             ("app.security.roles",), token='"UserInfoEditView"'),
    Internal("flask_appbuilder.security.views:RoleModelView",
             "the built-in role list keeps FAB's copy-role action, which the roles grant by name",
             ("app.security.roles",), source_has='"copyrole"', token='"copyrole"'),
    # --- Flask-Admin -------------------------------------------------------------------------------------------
    Internal("flask_admin.contrib.sqla.validators:Unique.__call__",
             "Flask-Admin's uniqueness check skips the edited row through `form._obj`, which its own base form "
             "sets; our Flask-WTF console form sets it the same way",
             ("app.console:ConsoleForm.__init__",), source_has="form._obj", token="self._obj"),
    Internal("flask_admin.contrib.sqla.form:AdminModelConverter._model_select_field",
             "overridden: relation selects get a visible text for none (WTForms shows `__None`)",
             ("app.console:ConsoleConverter._model_select_field",),
             signature="(self, prop: 'ColumnProperty[t.Any] | T_INSTRUMENTED_ATTRIBUTE', multiple: 'str | bool', "
                       "remote_model: 'type[T_SQLALCHEMY_MODEL]', **kwargs: 't.Any') -> "
                       "'AjaxSelectField | AjaxSelectMultipleField | QuerySelectMultipleField | QuerySelectField'"),
    Internal("flask_admin.contrib.sqla.view:ModelView._create_ajax_loader",
             "overridden: an ajax relation field reads a posted id only when it is one (PostgreSQL refuses the "
             "comparison otherwise: a 500)",
             ("app.console:IdsInRange._create_ajax_loader",),
             signature="(self, name: str, options: dict[str, typing.Any]) -> "
                       "flask_admin.contrib.sqla.ajax.QueryAjaxModelLoader"),
    # --- limits and Werkzeug -----------------------------------------------------------------------------------
    Internal("limits.storage.memory:MemoryStorage._MemoryStorage__schedule_expiry",
             "overridden under its mangled name: limits starts the expiry timer without a lock, so two threads "
             "can start it twice (a RuntimeError on sign-in)",
             ("app.security.rate_limits:ThreadSafeMemoryStorage",), signature="(self) -> 'None'"),
    Internal("werkzeug.wrappers.request:Request.form",
             "a cached property: the request guard replaces the parsed form (without NUL) in the request's "
             "__dict__, where werkzeug caches it",
             ("app.security.request_guard:install_request_guard",), source_has="cached_property",
             token='__dict__["form"]'),
    Internal("werkzeug.sansio.request:Request.args",
             "a cached property: the list bounds replace the parsed arguments in the request's __dict__",
             ("app.views.bounds:_clean_list_arguments",), source_has="cached_property", token='__dict__["args"]'),
)


@dataclass(frozen=True)
class TemplateCopy:
    """One of our templates that shadows a library's template of the same name (ours is found first), copied
    from the library's file whose SHA-256 is `sha256`: when the library changes its file, re-check the copy."""

    path: str  # under app/templates, the same name as the library's
    package: str  # flask_appbuilder, or flask_admin (whose Bootstrap 4 theme is under templates/bootstrap4)
    sha256: str
    why: str

    @property
    def original(self) -> Path:
        root = Path(importlib.import_module(self.package).__file__).parent / "templates"
        return root / ("bootstrap4" if self.package == "flask_admin" else "") / self.path


TEMPLATE_COPIES: tuple[TemplateCopy, ...] = (
    TemplateCopy("appbuilder/init.html", "flask_appbuilder",
                 "63cd58ec542d996fa33839b677cbe2c089da35a0085222ad01b2bfcb8a119cb8",
                 "lang on <html> (WCAG 3.1.1)"),
    TemplateCopy("appbuilder/navbar.html", "flask_appbuilder",
                 "140e7b7ef55a8b66b8adfa25bec7703fb07ad4ffc6c9f2e374e1f2914744de07",
                 "the platform's header (the subsystem tabs and left menu are drawn by layout.html)"),
    TemplateCopy("appbuilder/navbar_right.html", "flask_appbuilder",
                 "0a7b39c996f2f3a1e425e9cc811c1a6c1bdc1aa34d2dc792aa10084e654bd4b8",
                 "the manual's user menu: 企业信息, 企业用户信息, 修改密码, 切换用户, 退出登录"),
    TemplateCopy("appbuilder/general/alert.html", "flask_appbuilder",
                 "a1d8f674dcdba29725488ee3557c0e0e7aea635f39012613c9284be38da2a31f",
                 "its OK button and the English texts of FAB's scripts translated"),
    TemplateCopy("appbuilder/general/confirm.html", "flask_appbuilder",
                 "b40fa102c061f75bc43de5b65b90f4858d1b5fe8d223ad49c99c0e894125c062",
                 "its Cancel and OK buttons translated"),
    TemplateCopy("appbuilder/general/lib.html", "flask_appbuilder",
                 "d91fc4025d4fc213f0b3f62190af4157bf392b0db5b650fc6231fc2df98f5129",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("appbuilder/general/model/edit.html", "flask_appbuilder",
                 "a10db10430c6aa9fe27f160900d700ab1a2f7443b714e0c2550acb4f66fe3a66",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("appbuilder/general/model/show.html", "flask_appbuilder",
                 "67a574db1dc124a2216ff7a685718044bfe0f78f85d67116915e09aee522a1ea",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("appbuilder/general/security/login_db.html", "flask_appbuilder",
                 "809558f64c446bff9ba711d3009b15042549d8c666960d28567342d7cbc1e1b1",
                 "the login page of the manual: captcha, 申报流程说明, registration entries"),
    TemplateCopy("appbuilder/general/widgets/list.html", "flask_appbuilder",
                 "2a0fad48fe42239c756dbc963dcefa3cba1181c6d699378bc811dd081ebdb662",
                 "names for the selection checkboxes and headers (WCAG 1.3.1, 4.1.2)"),
    TemplateCopy("appbuilder/general/widgets/roles/list.html", "flask_appbuilder",
                 "fbf2cb3dbc25ccb6673f8478c3e87bb1c170c22a7663f889ee9e94650bbca818",
                 "names for the selection checkboxes (WCAG 4.1.2)"),
    TemplateCopy("appbuilder/general/widgets/roles/show.html", "flask_appbuilder",
                 "3d84311595cea9f6c0440b8f2cd8d995a7c25e8ec16c79e8da1c516961ea2428",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("appbuilder/general/widgets/show.html", "flask_appbuilder",
                 "babd5b80d4e383c4a0a2a6d535f3aaf17285eb4e9d76e1bbf8f0cfe85586358a",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("appbuilder/general/widgets/show_block.html", "flask_appbuilder",
                 "67294e52c85943da1cb558f6f978d18cc007e7709299b7d9ed1b3937dfbbe4c6",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("appbuilder/general/widgets/show_vertical.html", "flask_appbuilder",
                 "a4ea9a166bcd9dd5b4af5ce4af0ccd4bdfcb3cce5b2f3b4b5abecc025d4b0b26",
                 "classes where FAB writes style attributes, which the CSP refuses"),
    TemplateCopy("admin/actions.html", "flask_admin",
                 "685288ebd9108462ae72a04b894303142f1f6b953834295a85f4c4e8d233a514",
                 "data attributes for static/js/console.js where Flask-Admin writes onclick, which the CSP refuses"),
    TemplateCopy("admin/model/inline_list_base.html", "flask_admin",
                 "9385d36000f838cdc0cd90bc310baa5a6e328c738b9ff862f36c75661e1df23b",
                 "data attributes for static/js/console.js where Flask-Admin writes onclick, which the CSP refuses"),
    TemplateCopy("admin/model/layout.html", "flask_admin",
                 "9801f7f6e21b6dfef6231ea0a2e297ff9903692e894ac1f72e84bd6dddea8cbe",
                 "data attributes for static/js/console.js where Flask-Admin writes onclick, which the CSP refuses"),
    TemplateCopy("admin/model/row_actions.html", "flask_admin",
                 "4dc1ade152ecd029860ea8248d10d60ec558571d798ccb20017cd2cc4bb42a7d",
                 "data attributes for static/js/console.js where Flask-Admin writes onclick, which the CSP refuses"),
)



@dataclass(frozen=True)
class ScriptText:
    """A library's static script that ours reach into: `path` (under the package) must still contain `text`, and
    our file `ours` (under app/) must still mention `token`."""

    package: str
    path: str
    text: str
    ours: str
    token: str
    why: str

    @property
    def file(self) -> Path:
        return Path(importlib.import_module(self.package).__file__).parent / self.path


SCRIPT_TEXTS: tuple[ScriptText, ...] = (
    ScriptText("flask_appbuilder", "static/appbuilder/js/ab.js", "function ab_alert(", "static/js/fab-texts.js",
               "window.ab_alert", "FAB's alerts are wrapped to say their English texts in the user's language"),
    ScriptText("flask_appbuilder", "static/appbuilder/js/ab_actions.js", "ab_alert('No row selected')",
               "templates/appbuilder/general/alert.html", '"No row selected"',
               "the text FAB's action script alerts, translated by the page"),
    ScriptText("flask_appbuilder", "static/appbuilder/js/ab.js", 'placeholder: "Select a State"',
               "templates/appbuilder/general/alert.html", '"Select a State"',
               "the placeholder FAB's script gives select2, translated by the page"),
    ScriptText("flask_admin", "static/admin/js/helpers.js", "safeConfirm", "static/js/console.js",
               "faHelpers.safeConfirm", "the console's delete buttons confirm through Flask-Admin's helper, called "
               "from data attributes instead of onclick (CSP)"),
    ScriptText("flask_admin", "static/admin/js/actions.js", "var modelActions = ", "static/js/console.js",
               "window.modelActions.execute", "the console's bulk actions run through Flask-Admin's global, called "
               "from data attributes instead of onclick (CSP)"),
    ScriptText("flask_admin", "static/admin/js/form.js", "addInlineField", "static/js/console.js",
               "faForm.addInlineField", "a batch's inline windows are added through Flask-Admin's form script, "
               "called from data attributes instead of onclick (CSP)"),
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
APP = Path(__file__).resolve().parent


def _resolve(target: str):
    module_name, _, qualified = target.partition(":")
    obj = importlib.import_module(module_name)
    for part in qualified.split(".") if qualified else ():
        if isinstance(obj, type):
            found = next((klass.__dict__[part] for klass in obj.__mro__ if part in klass.__dict__), None)
            if found is None:
                raise AttributeError(part)
            obj = found
        else:
            obj = getattr(obj, part)
    return obj


def _source(obj) -> str:
    obj = getattr(obj, "__func__", obj)  # staticmethod, classmethod
    if isinstance(obj, property):
        return "\n".join(inspect.getsource(f) for f in (obj.fget, obj.fset) if f is not None)
    try:
        return inspect.getsource(obj)
    except TypeError:  # a cached_property, a plain value: its class
        return inspect.getsource(type(obj))


def _signature(obj) -> str:
    return str(inspect.signature(getattr(obj, "__func__", obj)))


def internal_problems(internals=INTERNALS) -> list[str]:
    """What no longer holds, one sentence per problem, naming the library object and our code that relies on it."""
    problems = []
    for entry in internals:
        relied = f"relied on by {', '.join(entry.ours)} ({entry.why})"
        try:
            target = _resolve(entry.target)
        except (ImportError, AttributeError):
            problems.append(f"{entry.target} is gone from the installed library; it is {relied}.")
            continue
        if entry.signature is not None:
            try:
                found = _signature(target)
            except (TypeError, ValueError):
                found = "not a callable"
            if found != entry.signature:
                problems.append(f"{entry.target} changed its parameters from {entry.signature} to {found}; it is "
                                f"{relied}.")
        if entry.source_has is not None and entry.source_has not in _source(target):
            problems.append(f"{entry.target} no longer contains {entry.source_has!r}; it is {relied}.")
        token = entry.token or entry.name
        for place in entry.ours:
            try:
                mentions = token in _source(_resolve(place))
            except (ImportError, AttributeError, OSError, TypeError):
                mentions = False
            if not mentions:
                problems.append(f"{place} no longer uses {token!r} of {entry.target}: drop or correct the entry "
                                f"in app/framework_internals.py.")
    return problems


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def template_problems(copies=TEMPLATE_COPIES, templates: Path = TEMPLATES) -> list[str]:
    """Copies whose library original is gone or changed, and declared copies we no longer have."""
    problems = []
    for copy in copies:
        original = copy.original
        if not (templates / copy.path).is_file():
            problems.append(f"app/templates/{copy.path} is declared as a copy of {copy.package}'s template but is "
                            f"no longer ours: drop its entry in app/framework_internals.py.")
        if not original.is_file():
            problems.append(f"{copy.package} no longer has the template {copy.path} that app/templates/{copy.path} "
                            f"copies ({copy.why}): our copy now shadows nothing; re-check who renders it.")
        elif sha256_of(original) != copy.sha256:
            problems.append(f"{copy.package} changed its template {copy.path} (sha256 {sha256_of(original)}, ours was "
                            f"copied from {copy.sha256}): carry its changes into app/templates/{copy.path} "
                            f"({copy.why}), then record the new hash.")
    return problems


def script_problems(texts=SCRIPT_TEXTS, app: Path = APP) -> list[str]:
    problems = []
    for entry in texts:
        if not entry.file.is_file() or entry.text not in entry.file.read_text(encoding="utf-8"):
            problems.append(f"{entry.package}'s {entry.path} no longer contains {entry.text!r}, which "
                            f"app/{entry.ours} relies on ({entry.why}).")
        mine = app / entry.ours
        if not mine.is_file() or entry.token not in mine.read_text(encoding="utf-8"):
            problems.append(f"app/{entry.ours} no longer uses {entry.token!r}: drop or correct the entry for "
                            f"{entry.package}'s {entry.path} in app/framework_internals.py.")
    return problems


def problems() -> list[str]:
    return internal_problems() + template_problems() + script_problems()
