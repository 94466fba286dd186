"""Uploaded images are judged by content, display names are cleaned, and stored files stay under UPLOAD_DIR."""
from __future__ import annotations

import io
import random
import struct
import types
import zlib

import pytest
from PIL import Image

from app.domain import DomainError
from app.domain.uploads import ImageInfo, clean_display_name, download_name, inspect_image, sha256_hex

MB = 1024 * 1024


def image_bytes(fmt: str, size=(400, 300), mode="RGB", noise=False, **options) -> bytes:
    image = Image.new(mode, size, "white" if mode == "1" else None)
    if noise:
        image = Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bad_crc_png() -> bytes:
    """Complete structure, damaged pixels: only Pillow's verify() can tell."""
    at = PNG.index(b"IDAT") + 10
    return PNG[:at] + bytes([PNG[at] ^ 0xFF]) + PNG[at + 1 :]


def jpeg_with_comment(text: bytes) -> bytes:
    """A COM segment right after SOI; an FFD9 inside it must not be taken for the end of the image."""
    return JPEG[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + JPEG[2:]


def lying_png(width: int, height: int) -> bytes:
    """A header claiming a huge size, with a one-row IDAT: never decoded if the size is refused first."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0")) + png_chunk(b"IEND", b"")


ACCEPTED = {
    "png 400x300": (PNG, "PNG", (400, 300)),
    "jpeg 400x300": (JPEG, "JPEG", (400, 300)),
    "progressive jpeg": (image_bytes("JPEG", progressive=True), "JPEG", (400, 300)),
    "jpeg with restart markers": (image_bytes("JPEG", restart_marker_blocks=1), "JPEG", (400, 300)),
    "noisy jpeg": (image_bytes("JPEG", (1000, 800), noise=True, quality=95), "JPEG", (1000, 800)),
    "noisy png": (image_bytes("PNG", (600, 400), noise=True), "PNG", (600, 400)),
    "grey png": (image_bytes("PNG", mode="L"), "PNG", (400, 300)),
    "rgba png": (image_bytes("PNG", mode="RGBA"), "PNG", (400, 300)),
    "palette png": (image_bytes("PNG", mode="P"), "PNG", (400, 300)),
    "cmyk jpeg": (image_bytes("JPEG", mode="CMYK"), "JPEG", (400, 300)),
    "grey jpeg": (image_bytes("JPEG", mode="L"), "JPEG", (400, 300)),
    "jpeg with FFD9 in a comment": (jpeg_with_comment(b"thumb \xff\xd9 end"), "JPEG", (400, 300)),
    "jpeg padded with zeros": (JPEG + b"\0" * 64, "JPEG", (400, 300)),
    "smallest sides": (image_bytes("PNG", (200, 200)), "PNG", (200, 200)),
    "largest side": (image_bytes("PNG", (10000, 200), mode="1"), "PNG", (10000, 200)),
}

NOT_IMAGE = "营业执照只能上传 jpg 或 png 图片"
CORRUPT = "图片已损坏或不完整"
BAD_SIZE = "图片尺寸不合理（宽高应在 200 至 10000 像素之间）"
TOO_MANY = "图片像素过多"
TRAILING = "图片文件尾部含有多余数据"

REFUSED = {
    "empty": (b"", "文件为空"),
    "one byte over": (b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * MB - 7), "图片不能超过 5 MB"),
    "gif": (image_bytes("GIF"), NOT_IMAGE),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', NOT_IMAGE),
    "pdf": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", NOT_IMAGE),
    "windows executable": (b"MZ\x90\x00\x03" + b"\0" * 59 + b"PE\0\0" + b"\0" * 200, NOT_IMAGE),
    "html": (b"<!DOCTYPE html><html><body>hi</body></html>", NOT_IMAGE),
    "webp": (image_bytes("WEBP"), NOT_IMAGE),
    "bmp": (image_bytes("BMP"), NOT_IMAGE),
    "png magic only": (PNG[:8], CORRUPT),
    "png cut in the middle": (PNG[: len(PNG) // 2], CORRUPT),
    "png missing IEND": (PNG[:-12], CORRUPT),
    "png with a damaged IDAT": (bad_crc_png(), CORRUPT),
    "jpeg cut in the middle": (JPEG[: len(JPEG) // 2], CORRUPT),
    "noisy jpeg cut short": (image_bytes("JPEG", (1000, 800), noise=True)[:-5000], CORRUPT),
    "jpeg header only": (JPEG[:3], CORRUPT),
    "jpeg with script appended": (JPEG + b"<script>alert(1)</script>", TRAILING),
    "png with bytes after IEND": (PNG + b"<?php system($_GET['c']); ?>", TRAILING),
    "jpeg followed by a zip": (JPEG + b"PK\x03\x04" + b"\0" * 26, TRAILING),
    "tiny 10x10": (image_bytes("PNG", (10, 10)), BAD_SIZE),
    "too narrow": (image_bytes("JPEG", (199, 400)), BAD_SIZE),
    "too wide": (image_bytes("PNG", (10001, 300), mode="1"), BAD_SIZE),
    "bomb 20000x20000": (image_bytes("PNG", (20000, 20000), mode="1"), TOO_MANY),
    "bomb 10000x9000 (Pillow warns)": (lying_png(10000, 9000), TOO_MANY),
    "8000x8000 over our cap": (image_bytes("PNG", (8000, 8000), mode="1"), TOO_MANY),
    "header claiming 2^31 square": (lying_png(2**31 - 1, 2**31 - 1), TOO_MANY),
}


@pytest.mark.parametrize("data, fmt, size", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_images(data, fmt, size):
    info = inspect_image(data)
    assert (info.format, (info.width, info.height)) == (fmt, size)
    assert (info.content_type, info.extension) == {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg")}[fmt]


@pytest.mark.parametrize("data, message", REFUSED.values(), ids=REFUSED.keys())
def test_refused_files_say_why(data, message):
    with pytest.raises(DomainError) as refused:
        inspect_image(data)
    assert refused.value.message == message


def test_size_limit_is_checked_before_the_content_and_named_in_megabytes():
    with pytest.raises(DomainError, match="图片不能超过 2 MB"):
        inspect_image(b"x" * (2 * MB + 1), max_bytes=2 * MB)
    assert inspect_image(PNG, max_bytes=len(PNG)).format == "PNG"
    with pytest.raises(DomainError, match="图片不能超过"):
        inspect_image(PNG, max_bytes=len(PNG) - 1)


def test_subject_names_the_upload_in_the_format_refusal():
    with pytest.raises(DomainError, match="^照片只能上传 jpg 或 png 图片$"):
        inspect_image(b"GIF89a", subject="照片")


def test_image_info_is_frozen():
    info = inspect_image(PNG)
    assert info == ImageInfo("PNG", "image/png", ".png", 400, 300)
    with pytest.raises(AttributeError):
        info.width = 1  # type: ignore[misc]


@pytest.mark.parametrize("original", [PNG, JPEG, image_bytes("JPEG", progressive=True)], ids=["png", "jpeg", "progressive"])
def test_damaged_files_never_escape_as_pillow_errors(original):
    """Random byte flips and cuts: either a valid image or a DomainError, never OSError, SyntaxError, ValueError…"""
    rng = random.Random(2026)
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        try:
            inspect_image(bytes(data))
        except DomainError:
            pass


def test_sha256_hex():
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


NAMES = {
    "营业执照.png": "营业执照.png",
    "..\\..\\x.png": "x.png",
    "../../etc/passwd": "passwd",
    "C:\\Users\\a\\营业执照.jpg": "营业执照.jpg",
    "a\x00b.png": "ab.png",
    "  报告\t\r\n.pdf  ": "报告.pdf",
    "evil\u202egnp.exe": "evilgnp.exe",  # right-to-left override dropped
    "全角\u3000空格.png": "全角 空格.png",
    "licence.png.exe": "licence.png.exe",  # kept as display text; never used as a path or to pick a type
    "": "未命名文件",
    "   ": "未命名文件",
    "..": "未命名文件",
    "C:\\Users\\a\\": "未命名文件",
    "\x00\x01\x7f": "未命名文件",
}


@pytest.mark.parametrize("name, shown", NAMES.items(), ids=[repr(n) for n in NAMES])
def test_clean_display_name(name, shown):
    assert clean_display_name(name) == shown


def test_long_names_are_cut_to_120_characters_keeping_the_extension():
    shown = clean_display_name("绿" * 300 + ".png")
    assert len(shown) == 120 and shown.endswith("绿.png")
    assert clean_display_name("a" * 300) == "a" * 120
    assert len(clean_display_name("x." + "y" * 300)) == 120


# Storage: a bare app with its own SQLite database and upload directory, so conftest's seeded app is not needed.


@pytest.fixture
def storage_app(tmp_path):
    from flask import Flask
    from flask_appbuilder import Model
    from flask_appbuilder.security.sqla import models as _security_models  # noqa: F401  (ab_user)

    from app import models as _models  # noqa: F401
    from app.extensions import db

    flask_app = Flask("storage_test")
    flask_app.config.update(
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'storage.db'}",
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
    )
    db.init_app(flask_app)
    with flask_app.app_context():
        Model.metadata.create_all(db.engine)
        yield flask_app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def test_store_writes_under_a_generated_name_and_reads_back(storage_app, tmp_path):
    from app import storage
    from app.extensions import db
    from app.models import Attachment

    info = inspect_image(PNG)
    attachment = storage.store(
        PNG, original_name="C:\\fakepath\\营业执照.png", purpose="licence",
        content_type=info.content_type, extension=info.extension,
    )
    assert attachment.id is not None  # flushed
    assert attachment.original_name == "营业执照.png"
    assert (attachment.size, attachment.sha256) == (len(PNG), sha256_hex(PNG))
    assert (attachment.purpose, attachment.content_type) == ("licence", "image/png")
    key = attachment.storage_key
    assert len(key) <= 80 and key.endswith(".png") and "营业执照" not in key
    first, second, name = key.split("/")
    assert (first, second) == (name[:2], name[2:4]) and len(name) == 32 + 4
    path = storage.path_of(attachment)
    assert path == (tmp_path / "uploads" / key).resolve() and path.read_bytes() == PNG
    assert storage.read(attachment) == PNG
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".upload-")]  # no temp file left
    db.session.commit()
    assert db.session.get(Attachment, attachment.id).storage_key == key

    again = storage.store(PNG, original_name="营业执照.png", purpose="licence", content_type="image/png", extension=".png")
    assert again.storage_key != key and again.sha256 == attachment.sha256


def test_store_refuses_an_extension_that_is_not_a_plain_suffix(storage_app):
    from app import storage

    for extension in ["png", "/../x.png", ".PNG", ".p\x00g", ""]:
        with pytest.raises(ValueError):
            storage.store(PNG, original_name="a.png", purpose="licence", content_type="image/png", extension=extension)


@pytest.mark.parametrize("key", ["../x.png", "ab/../../x.png", "/etc/passwd", "", ".", "ab/cd/../../..", "a\x00b"])
def test_path_of_refuses_keys_leading_out_of_the_upload_directory(storage_app, key):
    from app import storage

    with pytest.raises(ValueError):
        storage.path_of(types.SimpleNamespace(storage_key=key))


def test_path_of_refuses_a_symlink_leading_out(storage_app, tmp_path):
    from app import storage

    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    (tmp_path / "secret").write_text("x")
    (uploads / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(ValueError):
        storage.path_of(types.SimpleNamespace(storage_key="link"))


@pytest.mark.parametrize("original, extension, saved_as", [
    ("licence.png.exe", ".png", "licence.png"),  # the executable suffix never survives
    ("licence.exe", ".png", "licence.png"),
    ("营业执照.png", ".png", "营业执照.png"),
    ("营业执照.PNG", ".png", "营业执照.PNG"),
    ("照片.jpeg", ".jpg", "照片.jpeg"),  # another spelling of the same type is kept
    ("方案v1.2", ".pdf", "方案v1.2.pdf"),  # a version number is no extension
    ("报告.docx", ".pdf", "报告.pdf"),
    ("", ".png", "未命名文件.png"),
    ("..\\..\\evil.html", ".pdf", "evil.pdf"),
])
def test_download_name_ends_in_the_sniffed_extension(original, extension, saved_as):
    assert download_name(original, extension) == saved_as


def _xlsx(macro: bool = False) -> bytes:
    import zipfile

    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    if not macro:
        return out.getvalue()
    with zipfile.ZipFile(out, "a") as package:
        package.writestr("xl/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


PDF_FILE = b"%PDF-1.4\n" + b"% padding\n" * 1000 + b"trailer<<>>\n%%EOF\n"


@pytest.mark.parametrize("as_file", [False, True], ids=["bytes", "file"])
def test_an_attachment_is_judged_the_same_as_bytes_and_as_the_uploads_file(as_file):
    """The views pass the request's spooled file: a PDF is judged by its head and tail, an Office file by its zip
    directory, and the file is left where it was for storing."""
    from app.domain.uploads import inspect_attachment

    def given(data):
        return io.BytesIO(data) if as_file else data

    accept = ("pdf", "xlsx", "png")
    for data, kind in ((PDF_FILE, "pdf"), (_xlsx(), "xlsx"), (PNG, "png")):
        source = given(data)
        assert inspect_attachment(source, accept).name == kind
        if as_file:
            assert source.tell() == 0
    with pytest.raises(DomainError, match="含宏"):
        inspect_attachment(given(_xlsx(macro=True)), accept)
    with pytest.raises(DomainError, match="不完整"):
        inspect_attachment(given(PDF_FILE[:-20]), accept)
    with pytest.raises(DomainError, match="只接受以下格式"):
        inspect_attachment(given(_xlsx()), ("pdf",))
    with pytest.raises(DomainError, match="文件为空"):
        inspect_attachment(given(b""), accept)
