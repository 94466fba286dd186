"""Uploaded files on disk under generated names; the browser's name is kept only as display text in the row.

Files are written before the row is committed; a rolled-back transaction can leave an orphan file, never a row
without its file.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from app.domain.uploads import clean_display_name, sha256_hex
from app.extensions import db
from app.models import Attachment

_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")


def _root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]).resolve()


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
    """Write the bytes (or a binary file, copied in chunks) atomically under a fresh name, add the Attachment row
    and flush (the caller commits)."""
    if not _EXTENSION.fullmatch(extension):
        raise ValueError(f"bad extension {extension!r}")
    name = uuid.uuid4().hex
    key = f"{name[:2]}/{name[2:4]}/{name}{extension}"
    target = _root() / key
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            size, digest = _write(out, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
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
    db.session.add(attachment)
    try:
        db.session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return attachment


def _write(out, data) -> tuple[int, str]:
    """(size, sha256) of what was written: bytes at once, a file object a megabyte at a time."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        out.write(data)
        return len(data), sha256_hex(bytes(data))
    size, digest = 0, hashlib.sha256()
    while chunk := data.read(1 << 20):
        out.write(chunk)
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


def path_of(attachment) -> Path:
    """The file's absolute path; a storage_key that would lead outside UPLOAD_DIR is refused with ValueError."""
    return _path(attachment.storage_key or "")


def _path(key: str) -> Path:
    root = _root()
    path = (root / key).resolve()
    if not key or os.path.isabs(key) or path == root or not path.is_relative_to(root):
        raise ValueError(f"storage key outside the upload directory: {key!r}")
    return path


def read(attachment) -> bytes:
    """The stored bytes (raises FileNotFoundError if the file is gone)."""
    return path_of(attachment).read_bytes()


def discard(storage_keys) -> None:
    """Remove files whose rows are gone (a deleted draft's attachments); a missing file is fine."""
    for key in storage_keys:
        try:
            _path(key).unlink(missing_ok=True)
        except (ValueError, OSError):
            continue
