"""Files as downloads: stored attachments and xlsx workbooks, never rendered inline, named in UTF-8."""
from __future__ import annotations

import io
import re
import tempfile
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from flask import abort, send_file

from app.domain import workbook
from app.domain.uploads import download_name
from app.storage import path_of

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
    extension of the type its content was found to be; 404 when it is gone."""
    try:
        response = send_file(path_of(attachment), mimetype=attachment.content_type)
    except (FileNotFoundError, ValueError):
        abort(404)
    name = download_name(attachment.original_name, PurePosixPath(attachment.storage_key).suffix)
    return _as_download(response, name)


def _as_download(response, name: str):
    """RFC 6266: `filename*` carries the name in UTF-8 so that Chinese names survive, and `filename` an ASCII
    stand-in for clients that read only that one."""
    extension = PurePosixPath(name).suffix
    ascii_name = re.sub(r'[^A-Za-z0-9!#$&+.^_`|~ -]', "", unicodedata.normalize("NFKD", name)).strip(" .")
    if not ascii_name or ascii_name == extension.lstrip("."):
        ascii_name = f"download{extension}"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name, safe="!#$&+-.^_`|~")}')
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
