"""Uploaded files in one object store, under generated keys; the browser's name is kept only as display text.

The store is the folder UPLOAD_DIR unless STORAGE_URL names another (s3://bucket/prefix for any S3-compatible
store, with S3_ENDPOINT_URL). A file is measured and hashed before it is put, and an object put in a transaction
that does not commit is deleted when the transaction ends, so a refused or rolled-back upload leaves no object.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import logging
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app import clock
from app.domain.uploads import clean_display_name
from app.extensions import db
from app.models import Attachment
from app.storage.backends import CHUNK, LocalFolder, MissingObject, S3Bucket, StoredObject, open_backend

__all__ = ["MissingObject", "StoredObject", "backend", "check", "discard", "open", "path_of", "read", "ready",
           "store"]

_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")
_PENDING = "storage.uncommitted"
_SPOOL_BYTES = 1024 * 1024
_log = logging.getLogger(__name__)


def backend() -> LocalFolder | S3Bucket:
    """The application's store, made once per app from its configuration."""
    extensions = current_app.extensions
    if "object_store" not in extensions:
        extensions["object_store"] = open_backend(current_app.config)
    return extensions["object_store"]


def ready() -> None:
    """Raises when the store cannot be reached or written: the readiness check (`/readyz`) asks this."""
    backend().reachable()


def store(
    data: bytes | BinaryIO,
    *,
    original_name: str,
    purpose: str,
    content_type: str,
    extension: str,
    organization_id=None,
    declaration_id=None,
    uploaded_by_id=None,
) -> Attachment:
    """Put the bytes (or a binary file read from where it stands, in chunks) under a fresh key, add the
    Attachment row and flush; the caller commits, and if it does not, the object goes with the transaction."""
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"bad extension {extension!r}")
    source = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else _seekable(data)
    size, digest = _measure(source)
    name = uuid.uuid4().hex
    key = f"{name[:2]}/{name[2:4]}/{name}{extension}"
    store_ = backend()
    store_.put(key, source, content_type)
    session = db.session()
    session.info.setdefault(_PENDING, []).append((store_, key))
    attachment = Attachment(
        storage_key=key,
        original_name=clean_display_name(original_name),
        size=size,
        sha256=digest,
        content_type=content_type,
        purpose=purpose,
        organization_id=organization_id,
        declaration_id=declaration_id,
        uploaded_by_id=uploaded_by_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def _seekable(source: BinaryIO) -> BinaryIO:
    """The file itself when it can be read twice (measured, then put), else a spooled copy of it."""
    try:
        if source.seekable():
            source.tell()
            return source
    except (AttributeError, OSError, ValueError):
        pass
    copy = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)
    shutil.copyfileobj(source, copy, CHUNK)
    copy.seek(0)
    return copy


def _measure(source: BinaryIO) -> tuple[int, str]:
    """Size and sha256 from the current position to the end, leaving the position where it was."""
    start, size, digest = source.tell(), 0, hashlib.sha256()
    while chunk := source.read(CHUNK):
        size += len(chunk)
        digest.update(chunk)
    source.seek(start)
    return size, digest.hexdigest()


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    """The outermost transaction ended without a commit (rolled back, or closed): its new objects go."""
    if transaction.parent is None and transaction.nested is False:
        for store_, key in session.info.pop(_PENDING, ()):
            try:
                store_.delete(key)
            except Exception:  # noqa: BLE001  an object left here is an orphan for `flask storage check --fix`
                _log.warning("could not remove the uncommitted object %s", key, exc_info=True)


def open(attachment) -> BinaryIO:  # noqa: A001  (storage.open, as the callers read it)
    """The stored file as a readable binary stream (close it); MissingObject when it is gone."""
    return backend().open(attachment.storage_key or "")


def read(attachment) -> bytes:
    """The stored bytes, for the small files that are parsed whole (a workbook); MissingObject if gone."""
    with open(attachment) as stream:
        return stream.read()


def path_of(attachment) -> Path:
    """The file's absolute path in the local folder store; ValueError for a key leading out of it, or when the
    store is not a local folder."""
    store_ = backend()
    if not isinstance(store_, LocalFolder):
        raise ValueError("the object store is not a local folder")
    return store_.path(attachment.storage_key or "")


def discard(storage_keys) -> None:
    """Remove objects whose rows are gone (a deleted draft's attachments); a missing one is fine."""
    store_ = backend()
    for key in storage_keys:
        try:
            store_.delete(key)
        except Exception:  # noqa: BLE001  an object left here is an orphan for `flask storage check --fix`
            _log.warning("could not remove the object %s", key, exc_info=True)


def check(older_than_seconds: int = 3600) -> tuple[list[StoredObject], list[str], list[StoredObject]]:
    """(objects without a row, keys of rows without an object, orphans too young to remove): an object younger
    than `older_than_seconds` may belong to an upload whose transaction has not committed yet."""
    keys = set(db.session.scalars(select(Attachment.storage_key)))
    found = {item.key: item for item in backend().objects()}
    cutoff = clock.host_utc() - datetime.timedelta(seconds=older_than_seconds)
    orphans = [item for key, item in sorted(found.items()) if key not in keys]
    old = [item for item in orphans if item.modified <= cutoff]
    young = [item for item in orphans if item.modified > cutoff]
    return old, sorted(keys - found.keys()), young
