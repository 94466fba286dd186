"""A backup of the platform is its database and every object of its store, in one folder:

    manifest.json      what was taken: the database kind, and every object's key, size and sha256
    database.pgdump    PostgreSQL, `pg_dump --format=custom` (one consistent snapshot)
    database.sqlite3   SQLite, copied with SQLite's online backup API
    objects/<key>      the stored files under their storage keys

The database is taken first and the objects after it, so every row of the dump finds its file unless the file was
removed in between (a draft deleted during the backup); the manifest names the rows that had no object when the
backup was taken, and `restore` reports the rows without an object after it. A restore goes only into an
empty database and an empty store, and checks every object against the manifest's sha256 before putting it.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from app import clock
from app.extensions import db
from app.models import Attachment
from app.storage import backend, check
from app.storage.backends import CHUNK

MANIFEST = "manifest.json"
FORMAT = 1


class BackupRefused(Exception):
    """Why a backup or a restore cannot go ahead, in words for the operator."""


def take(target: Path) -> dict:
    """Write a backup of the database and the store into `target` (new or empty); returns the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupRefused(f"备份目录 {target} 不是空目录")
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(db.engine.url)
    if url.get_backend_name() == "postgresql":
        database = "database.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target / database}",
              f"--dbname={_libpq(url)}"])
    elif url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = "database.sqlite3"
        with closing(sqlite3.connect(url.database)) as live, closing(sqlite3.connect(target / database)) as copy:
            live.backup(copy)
    else:
        raise BackupRefused(f"不支持备份此数据库：{url.render_as_string()}")
    objects = {}
    store = backend()
    for item in store.objects():
        path = target / "objects" / item.key
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with store.open(item.key) as stream, open(path, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        objects[item.key] = {"size": size, "sha256": digest.hexdigest()}
    rows = set(db.session.scalars(select(Attachment.storage_key)))
    manifest = {"format": FORMAT, "taken_at": clock.host_utc().isoformat(),
                "database": {"backend": url.get_backend_name(), "file": database}, "objects": objects,
                "rows_without_objects": sorted(rows - objects.keys())}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def restore(source: Path) -> tuple[dict, list[str]]:
    """Load a backup into this app's database and store, both empty; returns (the manifest, keys of rows whose
    object the backup did not hold)."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupRefused(f"{source} 中没有可读的 {MANIFEST}，不是本平台的备份") from None
    if manifest.get("format") != FORMAT:
        raise BackupRefused(f"备份格式 {manifest.get('format')!r} 不受支持")
    url = make_url(db.engine.url)
    if manifest["database"]["backend"] != url.get_backend_name():
        raise BackupRefused(f"备份来自 {manifest['database']['backend']} 数据库，不能恢复到 {url.get_backend_name()}")
    if inspect(db.engine).get_table_names():
        raise BackupRefused("目标数据库不是空库：只能恢复到新建的空数据库")
    store = backend()
    if next(iter(store.objects()), None) is not None:
        raise BackupRefused("目标文件存储不是空的：只能恢复到空的存储")
    for key, expected in manifest["objects"].items():  # every file is checked before anything is written
        if _sha256(source / "objects" / key) != expected["sha256"]:
            raise BackupRefused(f"备份中的文件 {key} 与清单的 sha256 不符，备份已损坏")
    dump = source / manifest["database"]["file"]
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "postgresql":
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={_libpq(url)}", str(dump)])
    else:
        with closing(sqlite3.connect(dump)) as backup, closing(sqlite3.connect(url.database)) as live:
            backup.backup(live)
    types = dict(db.session.execute(select(Attachment.storage_key, Attachment.content_type)).all())
    for key in manifest["objects"]:
        with open(source / "objects" / key, "rb") as handle:
            store.put(key, handle, types.get(key) or "application/octet-stream")
    _, missing, _ = check()
    return manifest, missing


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _libpq(url) -> str:
    """The SQLAlchemy URL as libpq reads it (no "+driver")."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupRefused(f"找不到 {command[0]}：请安装 PostgreSQL 客户端工具")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise BackupRefused(f"{command[0]} 失败：{done.stderr.strip()[-2000:]}")
