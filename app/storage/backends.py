"""Where the bytes live: a folder on this host (the embedded default) or a bucket of an S3-compatible store.

Both speak in storage keys ("ab/cd/<uuid>.pdf") and copy in chunks, so no file is ever held whole in memory.
"""
from __future__ import annotations

import datetime
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

CHUNK = 256 * 1024
_PARTIAL = ".upload-"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime.datetime  # aware, UTC


class MissingObject(FileNotFoundError):
    """The key names no object (the file was removed, or the row points at nothing)."""


class LocalFolder:
    """Files under one directory, written to a temporary name beside the target and renamed into place."""

    kind = "local"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalFolder({str(self.root)!r})"

    def path(self, key: str) -> Path:
        """The file's absolute path; a key that would lead outside the folder is refused with ValueError."""
        path = (self.root / key).resolve()
        if not key or os.path.isabs(key) or path == self.root or not path.is_relative_to(self.root):
            raise ValueError(f"storage key outside the upload directory: {key!r}")
        return path

    def put(self, key: str, source: BinaryIO, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=_PARTIAL, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self.path(key), "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise MissingObject(key) from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def objects(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(_PARTIAL):
                stat = path.stat()
                yield StoredObject(path.relative_to(self.root).as_posix(), stat.st_size,
                                   datetime.datetime.fromtimestamp(stat.st_mtime, datetime.timezone.utc))

    def reachable(self) -> None:
        """The folder exists and takes a file (an unnamed temporary one, gone when closed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self.root):
            pass


class S3Bucket:
    """Objects under `prefix` in a bucket; credentials come from boto3's usual chain (environment, profile, role).

    Uploads go in parts of PART_BYTES, at most two read ahead and two in flight, which bounds what an upload
    holds in memory."""

    kind = "s3"
    PART_BYTES = 5 * 1024 * 1024  # the smallest part S3 accepts

    def __init__(self, url: str, endpoint_url: str | None = None, region: str | None = None):
        import boto3
        from boto3.s3.transfer import TransferConfig
        from boto3.session import Config as BotoConfig

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        addressing = {"addressing_style": "path" if endpoint_url else "auto"}
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                   config=BotoConfig(signature_version="s3v4", s3=addressing))
        # the readiness probe's own client: a store that stopped answering fails it in seconds, without retries
        self.probe = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                                  config=BotoConfig(signature_version="s3v4", s3=addressing, connect_timeout=2,
                                                    read_timeout=2, retries={"max_attempts": 1}))
        self.transfer = TransferConfig(multipart_threshold=self.PART_BYTES, multipart_chunksize=self.PART_BYTES,
                                       max_concurrency=2, io_chunksize=CHUNK)
        self.transfer.max_in_memory_upload_chunks = 2  # s3transfer reads up to ten parts ahead by default

    def __repr__(self) -> str:
        return f"S3Bucket('s3://{self.bucket}/{self.prefix}')"

    def name(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"bad storage key: {key!r}")
        return self.prefix + key

    def put(self, key: str, source: BinaryIO, content_type: str) -> None:
        self.client.upload_fileobj(source, self.bucket, self.name(key), ExtraArgs={"ContentType": content_type},
                                   Config=self.transfer)

    def open(self, key: str):
        """The object's body: a stream with read(), iter_chunks() and close()."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.name(key))["Body"]
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise MissingObject(key) from None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.name(key))

    def objects(self) -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield StoredObject(item["Key"][len(self.prefix):], item["Size"], item["LastModified"])

    def presigned_url(self, key: str, *, seconds: int, content_type: str, disposition: str) -> str:
        return self.client.generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": self.name(key), "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition})

    def reachable(self) -> None:
        self.probe.head_bucket(Bucket=self.bucket)


def open_backend(config) -> LocalFolder | S3Bucket:
    """The store that the configuration names: STORAGE_URL (s3://bucket/prefix or a folder), else UPLOAD_DIR."""
    url = config.get("STORAGE_URL") or ""
    if url.startswith("s3://"):
        return S3Bucket(url, config.get("S3_ENDPOINT_URL"), config.get("S3_REGION"))
    if url.startswith("file://"):
        return LocalFolder(urlsplit(url).path)
    if "://" in url:
        raise ValueError(f"STORAGE_URL must be s3://bucket/prefix or a folder, not {url!r}")
    return LocalFolder(url or config["UPLOAD_DIR"])
