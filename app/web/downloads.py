"""Files as downloads: stored attachments and xlsx workbooks, never rendered inline, named in UTF-8."""
from __future__ import annotations

import io
import re
import tempfile
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import Response, abort, current_app, redirect, send_file, stream_with_context

from app.domain import workbook
from app.domain.uploads import download_name
from app import storage
from app.storage.backends import CHUNK, LocalFolder, MissingObject

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file(name: str, data: bytes):
    """A workbook already in memory as an xlsx download."""
    return _as_download(send_file(io.BytesIO(data), mimetype=XLSX), name)


def xlsx_rows(name: str, sheet: str, header: list[str], rows, widths: list[float] | None = None):
    """Rows as an xlsx download, streamed in openpyxl's write-only mode to a temporary file, so memory stays
    flat however many rows there are (formulas neutralised by `workbook.write_rows`)."""
    handle = tempfile.TemporaryFile()
    workbook.write_rows(handle, sheet, header, rows, widths)
    handle.seek(0)
    return _as_download(send_file(handle, mimetype=XLSX), name)


def attachment_download(attachment):
    """A stored file as a download, never rendered inline, named as the person named it but ending in the
    extension of the type its content was found to be; 404 when it is gone.

    From a local folder the file is sent as it is; from an S3 store the object's body is streamed through in
    chunks, or with STORAGE_PRESIGN=1 the browser is sent to a presigned URL valid STORAGE_PRESIGN_SECONDS."""
    name = download_name(attachment.original_name, PurePosixPath(attachment.storage_key or "").suffix)
    store = storage.backend()
    try:
        if isinstance(store, LocalFolder):
            return _as_download(send_file(store.path(attachment.storage_key or ""),
                                          mimetype=attachment.content_type), name)
        if current_app.config.get("STORAGE_PRESIGN"):
            return redirect(store.presigned_url(
                attachment.storage_key, seconds=current_app.config["STORAGE_PRESIGN_SECONDS"],
                content_type=attachment.content_type, disposition=content_disposition(name)), 303)
        body = store.open(attachment.storage_key or "")
    except (FileNotFoundError, MissingObject, ValueError):
        abort(404)

    def chunks():
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    response = Response(stream_with_context(chunks()), mimetype=attachment.content_type, direct_passthrough=True)
    if attachment.size is not None:
        response.content_length = attachment.size
    return _as_download(response, name)


def content_disposition(name: str) -> str:
    """RFC 6266: `filename*` carries the name in UTF-8 so that Chinese names survive, and `filename` an ASCII
    stand-in for clients that read only that one."""
    extension = PurePosixPath(name).suffix
    ascii_name = re.sub(r'[^A-Za-z0-9!#$&+.^_`|~ -]', "", unicodedata.normalize("NFKD", name)).strip(" .")
    if not ascii_name or ascii_name == extension.lstrip("."):
        ascii_name = f"download{extension}"
    return f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name, safe="!#$&+-.^_`|~")}'


def _as_download(response, name: str):
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
