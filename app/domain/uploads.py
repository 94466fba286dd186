"""Checks on uploaded files, judged by their content and never by the name or mime type the browser claims.

Pure functions: the views read the request, these decide. See PITFALLS.md § Uploads for why each check exists.
"""
from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from app.domain import DomainError
from app.vocabulary import N_

UNNAMED = "未命名文件"
MAX_NAME_CHARS = 120
MIN_SIDE, MAX_SIDE = 200, 10000
MAX_PIXELS = 40_000_000  # about 160 MB decoded as RGBA; well above any photo of a licence

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

_NOT_IMAGE = N_("%(subject)s只能上传 jpg 或 png 图片")
EMPTY = N_("文件为空")
TOO_LARGE = N_("图片不能超过 %(mb)s MB")
CORRUPT = N_("图片已损坏或不完整")
BAD_SIZE = N_("图片尺寸不合理（宽高应在 %(min)d 至 %(max)d 像素之间）")
TOO_MANY_PIXELS = N_("图片像素过多")
TRAILING = N_("图片文件尾部含有多余数据")


@dataclass(frozen=True)
class ImageInfo:
    """What the stored file is, as found in its content: views pass these on to storage.store()."""

    format: str  # "PNG" | "JPEG"
    content_type: str  # "image/png" | "image/jpeg"
    extension: str  # ".png" | ".jpg"
    width: int
    height: int


_KINDS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
}


def sha256_hex(data: bytes) -> str:
    """The digest stored with each attachment, to spot duplicates and prove integrity later."""
    return hashlib.sha256(data).hexdigest()


def clean_display_name(name: str) -> str:
    """The browser's file name made safe to show (never to use as a path): Chinese kept, directories dropped."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # IE sends C:\Users\x\营业执照.png
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):  # NUL, controls, bidi overrides, lone surrogates
            continue
        kept.append(" " if category == "Zs" else char)
    name = "".join(kept).strip()
    if not name.strip("."):
        return UNNAMED
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        suffix = dot + ext if stem and len(ext) <= 10 else ""
        name = name[: len(name) - len(suffix)][: MAX_NAME_CHARS - len(suffix)].rstrip() + suffix
    return name


# The other spellings of a sniffed type's extension that a person's file may already carry.
_SAME_EXTENSION = {".jpg": {".jpg", ".jpeg"}, ".jpeg": {".jpg", ".jpeg"}}
_LOOKS_LIKE_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}")


def download_name(original_name: str, extension: str) -> str:
    """The name a download is saved under: the person's own name, ending in the extension of the type found in
    the content, so `licence.png.exe` comes back as `licence.png` and a saved file never runs as what it is not.

    Only one trailing suffix that looks like an extension is replaced ("方案v1.2" stays whole)."""
    name = clean_display_name(original_name)
    same = _SAME_EXTENSION.get(extension.lower(), {extension.lower()})
    stem, dot, suffix = name.rpartition(".")
    if stem and _LOOKS_LIKE_EXTENSION.fullmatch(dot + suffix):
        if (dot + suffix).lower() in same:
            return name
        name = stem
    if any(name.lower().endswith(ext) for ext in same):
        return name
    return name + extension


def inspect_image(
    data: bytes, *, max_bytes: int = 5 * 1024 * 1024, subject: str = N_("营业执照")
) -> ImageInfo:
    """Accept a complete, plain PNG or JPEG of sensible size, or raise DomainError saying why not.

    `subject` only names the upload in the refusal of other formats ("营业执照只能上传 jpg 或 png 图片").
    """
    if not data:
        raise DomainError(EMPTY, kind="invalid")
    if len(data) > max_bytes:  # before Pillow sees a byte of it
        raise DomainError(TOO_LARGE, mb=f"{max_bytes / (1024 * 1024):g}", kind="invalid")
    if data.startswith(PNG_MAGIC):
        kind, end = "PNG", _png_end(data)
    elif data.startswith(JPEG_MAGIC):
        kind, end = "JPEG", _jpeg_end(data)
    else:
        raise DomainError(_NOT_IMAGE, subject=subject, kind="invalid")
    if end is None:
        raise DomainError(CORRUPT, kind="invalid")
    if data[end:].strip(b"\x00"):  # a script after the image makes a polyglot; zero padding is harmless
        raise DomainError(TRAILING, kind="invalid")
    width, height = _decode(data, kind)
    content_type, extension = _KINDS[kind]
    return ImageInfo(kind, content_type, extension, width, height)


def _decode(data: bytes, kind: str) -> tuple[int, int]:
    """Let Pillow read the header, check the size, then verify and fully decode: open() alone accepts truncation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise DomainError(TOO_MANY_PIXELS, kind="invalid")
                if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                    raise DomainError(BAD_SIZE, min=MIN_SIDE, max=MAX_SIDE, kind="invalid")
                image.verify()
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if kind == "JPEG":  # decode at 1/8 scale: every byte is still read, in 1/64 of the memory
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(TOO_MANY_PIXELS, kind="invalid") from None
    except Exception:  # OSError, SyntaxError, ValueError, struct.error, … from a hostile file
        raise DomainError(CORRUPT, kind="invalid") from None
    return width, height


def _png_end(data: bytes) -> int | None:
    """Offset just after the IEND chunk, or None if the chunk list runs off the end."""
    pos = len(PNG_MAGIC)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunk_type = data[pos + 4 : pos + 8]
        pos += 12 + length
        if pos > len(data):
            return None
        if chunk_type == b"IEND":
            return pos
    return None


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the EOI marker, walking segments so that an EXIF thumbnail's own FFD9 is skipped."""
    pos, size = 2, len(data)
    while pos < size:
        if data[pos] != 0xFF:
            return None
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length field
            continue
        if pos + 2 > size:
            return None
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            return None
        pos += length
        if pos > size:
            return None
        if marker == 0xDA:  # entropy-coded data follows: skip to the next real marker
            pos = _after_scan(data, pos)
            if pos is None:
                return None
    return None


def _after_scan(data: bytes, pos: int) -> int | None:
    """Offset of the first marker after a scan; FF00 (stuffing) and FFD0–FFD7 (restarts) belong to the scan."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0x00 or following == 0xFF or 0xD0 <= following <= 0xD7:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


PDF_MAGIC = b"%PDF-"
PDF_MAX_BYTES = 20 * 1024 * 1024


def inspect_pdf(data: bytes | BinaryIO, *, max_bytes: int = PDF_MAX_BYTES, subject: str = N_("评价报告")) -> None:
    """A PDF judged by content: the header at the start and the end-of-file marker near the end (of the bytes,
    or of a file, which is left where it was and never read whole)."""
    if isinstance(data, bytes):
        _judge_pdf(data[:len(PDF_MAGIC)], data[-2048:], len(data), max_bytes, subject)
        return
    start = data.tell()
    size = data.seek(0, io.SEEK_END) - start
    data.seek(start + max(0, size - 2048))
    tail = data.read(2048)
    data.seek(start)
    head = data.read(len(PDF_MAGIC))
    data.seek(start)
    _judge_pdf(head, tail, size, max_bytes, subject)


def _judge_pdf(head: bytes, tail: bytes, size: int, max_bytes: int, subject: str) -> None:
    if not size:
        raise DomainError(EMPTY, kind="invalid")
    if size > max_bytes:
        raise DomainError(N_("%(subject)s不能超过 %(mb)d MB"), subject=subject, mb=max_bytes // (1024 * 1024), kind="invalid")
    if not head.startswith(PDF_MAGIC):
        raise DomainError(N_("%(subject)s只能上传 PDF 文件"), subject=subject, kind="invalid")
    if b"%%EOF" not in tail:
        raise DomainError(N_("%(subject)s文件不完整，请重新导出 PDF 后上传"), subject=subject, kind="invalid")


@dataclass(frozen=True)
class AttachmentKind:
    name: str
    content_type: str
    extension: str


ATTACHMENT_TYPES = {
    "pdf": AttachmentKind("pdf", "application/pdf", ".pdf"),
    "jpg": AttachmentKind("jpg", "image/jpeg", ".jpg"),
    "png": AttachmentKind("png", "image/png", ".png"),
    "xlsx": AttachmentKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "docx": AttachmentKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           ".docx"),
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
_OFFICE_MAIN = {b"spreadsheetml.sheet.main": "xlsx", b"wordprocessingml.document.main": "docx"}


def inspect_attachment(data: bytes | BinaryIO, accept) -> AttachmentKind:
    """A declaration attachment judged by content, never by name: PDF, JPEG, PNG, or macro-free xlsx/docx.

    Takes the bytes or the upload's (spooled) file, which is left where it was: a PDF is judged by its head and
    tail and an Office file by its zip directory, so a large one is never read whole into memory."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    start = source.tell()
    size = source.seek(0, io.SEEK_END) - start
    source.seek(start)
    try:
        return _judge_attachment(source, start, size, accept)
    finally:
        source.seek(start)


def _judge_attachment(source: BinaryIO, start: int, size: int, accept) -> AttachmentKind:
    if not size:
        raise DomainError(EMPTY, kind="invalid")
    if size > ATTACHMENT_MAX_BYTES:
        raise DomainError(N_("附件不能超过 %(mb)d MB"), mb=ATTACHMENT_MAX_BYTES // (1024 * 1024), kind="invalid")
    head = source.read(len(PNG_MAGIC))
    source.seek(start)
    if head.startswith(PDF_MAGIC):
        kind = "pdf"
    elif head.startswith(PNG_MAGIC):
        kind = "png"
    elif head.startswith(JPEG_MAGIC):
        kind = "jpg"
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_kind(source)
    else:
        kind = None
    if kind is None or kind not in accept:
        raise DomainError(N_("此项附件只接受以下格式：%(allowed)s（按文件内容识别，改扩展名无效）"),
                          allowed="、".join(accept), kind="invalid")
    if kind == "pdf":
        source.seek(start + max(0, size - 2048))
        _judge_pdf(head, source.read(2048), size, ATTACHMENT_MAX_BYTES, N_("附件"))
    elif kind in ("png", "jpg"):  # Pillow decodes the whole image anyway
        source.seek(start)
        inspect_image(source.read(), max_bytes=ATTACHMENT_MAX_BYTES, subject=N_("附件"))
    return ATTACHMENT_TYPES[kind]


def _office_kind(source: BinaryIO) -> str | None:
    import zipfile

    try:
        package = zipfile.ZipFile(source)
        content_types = package.read("[Content_Types].xml")
        names = [name.lower() for name in package.namelist()]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    if b"macroEnabled" in content_types or any(name.endswith("vbaproject.bin") for name in names):
        raise DomainError(N_("不接受含宏的 Office 文件，请另存为普通 xlsx/docx 后上传"), kind="invalid")
    return next((kind for marker, kind in _OFFICE_MAIN.items() if marker in content_types), None)
