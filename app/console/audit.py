"""How a configuration change reads in 配置变更记录: "申报批次 · 新增" and what it created, changed or deleted,
each value under its console label, enums by their labels, related rows by their names, dates as dates."""
from __future__ import annotations

import datetime

from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import inspect as sa_inspect

from app.extensions import db

ACTIONS = {"create": _l("新增"), "update": _l("修改"), "delete": _l("删除"), "import": _l("批量导入"),
           "close": _l("关闭")}
MISSING = "—"


class AuditVocabulary:
    """What the audit view needs to know of the console: each table's name, model and column labels."""

    def __init__(self, views: list[tuple[type, type, str]], child_labels: dict[str, dict[str, str]]):
        self.tables: dict[str, str] = {}
        self.models: dict[str, type] = {}
        self.labels: dict[str, dict[str, str]] = dict(child_labels)
        for view_class, model, name in views:
            table = model.__tablename__
            self.tables.setdefault(table, name)
            self.models.setdefault(table, model)
            self.labels[table] = {**self.labels.get(table, {}), **(view_class.column_labels or {})}
        registry = sa_inspect(views[0][1]).registry  # the console's models' (Flask-AppBuilder's Model)
        self._models_by_table = {mapper.local_table.name: mapper.class_ for mapper in registry.mappers}

    def table_label(self, table: str) -> str:
        return gettext(self.tables[table]) if table in self.tables else table

    def title(self, change) -> str:
        action = ACTIONS.get(change.action)
        return f"{self.table_label(change.table_name)} · {action if action is not None else change.action}"

    # --- values ---

    def _model(self, table: str):
        return self._models_by_table.get(table)

    def _column(self, table: str, key: str):
        model = self._model(table)
        if model is None:
            return None
        return sa_inspect(model).columns.get(key)

    def label(self, table: str, key: str) -> str:
        labels = self.labels.get(table, {})
        if key in labels:
            return gettext(labels[key])
        if key.endswith("_id") and key[:-3] in labels:
            return gettext(labels[key[:-3]])
        return key

    def value(self, table: str, key: str, value) -> str:
        if value is None or value == "" or value == []:
            return MISSING
        if isinstance(value, bool):
            return gettext("是") if value else gettext("否")
        column = self._column(table, key)
        if column is not None:
            enum_cls = getattr(column.type, "enum_class", None)
            if enum_cls is not None:
                try:
                    return gettext(enum_cls(value).label)
                except (ValueError, AttributeError):
                    return str(value)
            for foreign_key in column.foreign_keys:
                target = self._model(foreign_key.column.table.name)
                row = db.session.get(target, value) if target is not None else None
                return str(row) if row is not None else f"#{value}"
        if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
            try:
                return datetime.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M" if "T" in value else "%Y-%m-%d")
            except ValueError:
                pass
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return str(value)

    def _child_table(self, table: str, key: str) -> str | None:
        model = self._model(table)
        if model is None or key not in sa_inspect(model).relationships:
            return None
        return sa_inspect(model).relationships[key].mapper.local_table.name

    def fields(self, table: str, values: dict | None, skip=("id",)) -> list[tuple[str, str]]:
        """(label, text) for each value of a row, in the table's column order; children as one line each."""
        if not values:
            return []
        lines = []
        for key, value in values.items():
            if key in skip or key.endswith("batch_id"):
                continue
            child = self._child_table(table, key) if isinstance(value, list) else None
            if child is not None:
                text = "；".join(self.row_text(child, row) for row in value) or MISSING
                lines.append((self.label(table, key), text))
            else:
                lines.append((self.label(table, key), self.value(table, key, value)))
        return lines

    def row_text(self, table: str, values: dict) -> str:
        return "，".join(f"{label}：{text}" for label, text in self.fields(table, values) if text != MISSING)

    def differences(self, change) -> list[tuple[str, str, str]]:
        """(label, before, after) for each value an update changed."""
        before, after = change.before or {}, change.after or {}
        table = change.table_name
        result = []
        for key in dict.fromkeys([*before, *after]):
            if key == "id" or before.get(key) == after.get(key):
                continue
            old, new = before.get(key), after.get(key)
            child = self._child_table(table, key)
            if child is not None:
                old_text = "；".join(self.row_text(child, r) for r in old or []) or MISSING
                new_text = "；".join(self.row_text(child, r) for r in new or []) or MISSING
            else:
                old_text, new_text = self.value(table, key, old), self.value(table, key, new)
            result.append((self.label(table, key), old_text, new_text))
        return result

    def summary(self, change) -> Markup:
        """One readable cell: what was created or deleted, what an update changed, what an import did."""
        if change.action == "import":
            after = change.after or {}
            return escape(gettext("新增 %(added)d 条，修改 %(changed)d 条",
                                  added=len(after.get("added") or []), changed=len(after.get("changed") or {})))
        if change.action == "update":
            items = [f"{label}：{old} → {new}" for label, old, new in self.differences(change)]
        else:
            values = change.after if change.action == "create" else change.before
            items = [f"{label}：{text}" for label, text in self.fields(change.table_name, values)]
        return Markup("<br>").join(escape(item) for item in items) if items else escape(MISSING)
