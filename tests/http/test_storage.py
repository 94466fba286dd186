"""The object store, on a local folder and on an S3 server (moto), under SQLite and PostgreSQL: an applicant's file
reaches the reviewer, an upload that is refused or rolled back leaves no object, and `flask storage check` finds
what the rows and the objects miss of each other."""
import hashlib
import io
import re
import urllib.request
import uuid

import pytest
from sqlalchemy import select

from app import storage
from app.domain import lifecycle
from app.extensions import db
from app.models import Attachment, Declaration
from tests import factories as f
from tests.conftest import application
from tests.helpers import post_form as post

TECH = "/declarations/energy_saving_tech"
REVIEW = "/review/declarations"


def pdf(size: int = 0) -> bytes:
    """A PDF the upload checks accept, padded with a comment to about `size` bytes; different every call."""
    body = b"%PDF-1.4\n% " + uuid.uuid4().hex.encode() + b"\n"
    padding = b"% " + b"x" * 1022 + b"\n"
    return body + padding * max(0, (size - len(body)) // len(padding)) + b"1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module", params=["local", "s3"])
def app(seeded, request, tmp_path_factory):
    with application(seeded, request, tmp_path_factory, request.param) as built:
        yield built


def stored_keys(app) -> set[str]:
    with app.app_context():
        return {item.key for item in storage.backend().objects()}


def file_fields(declaration) -> list[str]:
    """The file items of the form that take PDF."""
    definition = lifecycle.definition_of(declaration)
    return [f"{s.key}.{i.key}" for s, i in definition.all_fields()
            if i.kind == "file" and (not i.accept or "pdf" in i.accept)]


@pytest.fixture
def draft(app):
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech", f.new_batch(f"存储{uuid.uuid4().hex[:8]}"))
        db.session.commit()
        pk, field = declaration.id, file_fields(declaration)[0]
    yield pk, field
    with app.app_context():
        f.remove([pk])


def test_the_store_is_the_one_configured(app):
    with app.app_context():
        kind = storage.backend().kind
    assert kind == ("s3" if app.config.get("STORAGE_URL") else "local")


def test_an_applicants_upload_is_downloaded_by_the_reviewer(app, client_as, draft):
    pk, field = draft
    content = pdf(300_000)
    qiye = client_as("qiye")
    before = stored_keys(app)
    uploaded = post(qiye, f"{TECH}/attach/{pk}", field=field, file=(io.BytesIO(content), "节能证明.pdf"))
    assert "附件已上传" in qiye.get(uploaded.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        declaration = db.session.get(Declaration, pk)
        attachment = db.session.scalars(select(Attachment).where(
            Attachment.declaration_id == pk, Attachment.original_name == "节能证明.pdf")).one()
        assert (attachment.size, attachment.sha256) == (len(content), hashlib.sha256(content).hexdigest())
        assert storage.read(attachment) == content
        f.act(declaration, "submit", "qiye")
        db.session.commit()
        attachment_id, key = attachment.id, attachment.storage_key
    assert stored_keys(app) - before == {key}
    changan = client_as("changan")
    dossier = changan.get(f"{REVIEW}/dossier/{pk}").get_data(as_text=True)
    assert "节能证明.pdf" in dossier
    link = f"{REVIEW}/download/{pk}/{attachment_id}"
    assert link in dossier
    download = changan.get(link)
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]


def test_a_refused_upload_leaves_no_object(app, client_as, draft):
    pk, field = draft
    qiye = client_as("qiye")
    before = stored_keys(app)
    for content in (b"MZ\x90\x00 an executable", b"%PDF-1.4 truncated", b""):
        post(qiye, f"{TECH}/attach/{pk}", field=field, file=(io.BytesIO(content), "证明.pdf"))
    assert stored_keys(app) == before


def test_an_object_of_a_rolled_back_transaction_is_removed(app, draft):
    pk, _ = draft
    with app.app_context():
        before = {item.key for item in storage.backend().objects()}
        attachment = storage.store(io.BytesIO(pdf()), original_name="回滚.pdf", purpose="form_file",
                                   content_type="application/pdf", extension=".pdf", declaration_id=pk)
        key = attachment.storage_key
        assert key in {item.key for item in storage.backend().objects()}  # put before the row is committed
        db.session.rollback()
        assert {item.key for item in storage.backend().objects()} == before
        assert db.session.scalars(select(Attachment).where(Attachment.storage_key == key)).first() is None


def test_an_object_of_a_session_closed_without_commit_is_removed(app, draft):
    """A request that stores a file and ends without committing (its session is removed at teardown)."""
    pk, _ = draft
    with app.app_context():
        before = {item.key for item in storage.backend().objects()}
        storage.store(pdf(), original_name="未提交.pdf", purpose="form_file", content_type="application/pdf",
                      extension=".pdf", declaration_id=pk)
        db.session.remove()
        assert {item.key for item in storage.backend().objects()} == before


def test_an_object_whose_row_cannot_be_flushed_is_removed(app):
    with app.app_context():
        before = {item.key for item in storage.backend().objects()}
        with pytest.raises(Exception):
            storage.store(pdf(), original_name="x.pdf", purpose=None, content_type="application/pdf",
                          extension=".pdf")  # purpose is NOT NULL
        db.session.rollback()
        assert {item.key for item in storage.backend().objects()} == before


def test_a_committed_object_stays_and_reads_back_as_a_stream(app, draft):
    pk, _ = draft
    content = pdf(100_000)
    with app.app_context():
        attachment = storage.store(content, original_name="留存.pdf", purpose="form_file",
                                   content_type="application/pdf", extension=".pdf", declaration_id=pk)
        db.session.commit()
        with storage.open(attachment) as stream:
            assert stream.read(5) == b"%PDF-" and stream.read() == content[5:]
        db.session.delete(attachment)
        db.session.commit()
        storage.discard([attachment.storage_key])
        with pytest.raises(storage.MissingObject):
            storage.read(attachment)


class ForwardOnly:
    """A stream that can be read once, forward only (a pipe, a socket)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    def seekable(self) -> bool:
        return False


def test_a_stream_that_cannot_be_read_twice_is_spooled_then_stored(app, draft):
    pk, _ = draft
    content = pdf(1_500_000)
    with app.app_context():
        attachment = storage.store(ForwardOnly(content), original_name="管道.pdf", purpose="form_file",
                                   content_type="application/pdf", extension=".pdf", declaration_id=pk)
        db.session.commit()
        assert (attachment.size, attachment.sha256) == (len(content), hashlib.sha256(content).hexdigest())
        assert storage.read(attachment) == content


def test_a_missing_object_is_404(app, client_as, draft):
    pk, _ = draft
    with app.app_context():
        gone = Attachment(purpose="form_file", storage_key=f"gone/{uuid.uuid4().hex}.pdf", original_name="无.pdf",
                          content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=pk,
                          organization_id=db.session.get(Declaration, pk).organization_id)
        db.session.add(gone)
        db.session.commit()
        gone_id = gone.id
    assert client_as("qiye").get(f"{TECH}/download/{pk}/{gone_id}").status_code == 404


def test_with_presign_the_download_redirects_to_a_short_lived_url(app, client_as, draft):
    pk, field = draft
    content = pdf(50_000)
    qiye = client_as("qiye")
    post(qiye, f"{TECH}/attach/{pk}", field=field, file=(io.BytesIO(content), "预签名证明.pdf"))
    with app.app_context():
        attachment_id = db.session.scalars(select(Attachment.id).where(
            Attachment.declaration_id == pk, Attachment.original_name == "预签名证明.pdf")).one()
    app.config["STORAGE_PRESIGN"] = True
    try:
        response = qiye.get(f"{TECH}/download/{pk}/{attachment_id}")
    finally:
        app.config["STORAGE_PRESIGN"] = False
    if app.config.get("STORAGE_URL"):
        assert response.status_code == 303
        location = response.headers["Location"]
        assert "X-Amz-Expires=300" in location and "X-Amz-Signature=" in location
        with urllib.request.urlopen(location) as fetched:
            assert fetched.read() == content
            assert fetched.headers["Content-Type"] == "application/pdf"
            assert fetched.headers["Content-Disposition"].startswith("attachment; ")
    else:  # a local folder has no URL of its own: the file is sent as always
        assert response.status_code == 200 and response.data == content


def test_storage_check_lists_both_kinds_and_fix_removes_only_orphan_objects(app, draft):
    pk, _ = draft
    orphan = f"orphan/{uuid.uuid4().hex}.pdf"
    missing = f"missing/{uuid.uuid4().hex}.pdf"
    with app.app_context():
        storage.backend().put(orphan, io.BytesIO(pdf()), "application/pdf")
        db.session.add(Attachment(purpose="form_file", storage_key=missing, original_name="缺.pdf",
                                  content_type="application/pdf", size=1, sha256="0" * 64, declaration_id=pk))
        db.session.commit()
    runner = app.test_cli_runner()
    young = runner.invoke(args=["storage", "check"])
    assert orphan not in young.output and "尚未提交的上传" in young.output  # too young to be called an orphan
    listed = runner.invoke(args=["storage", "check", "--min-age", "0"])
    assert listed.exit_code == 1
    assert f"无记录的文件：{orphan}" in listed.output and f"无文件的记录：{missing}" in listed.output
    fixed = runner.invoke(args=["storage", "check", "--min-age", "0", "--fix"])
    assert "已删除无记录的文件" in fixed.output
    assert orphan not in stored_keys(app)
    with app.app_context():
        assert db.session.scalars(select(Attachment).where(Attachment.storage_key == missing)).one()
        again = runner.invoke(args=["storage", "check", "--min-age", "0"])
    assert re.search(r"无记录的文件 0 个", again.output) and f"无文件的记录：{missing}" in again.output


def test_a_store_that_cannot_be_reached_is_said_in_one_line(app, s3_endpoint):
    from app import create_app

    missing = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         STORAGE_URL=f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/x", S3_ENDPOINT_URL=s3_endpoint)
    result = missing.test_cli_runner().invoke(args=["storage", "check"])
    assert result.exit_code == 1 and "无法访问文件存储" in result.output and "NoSuchBucket" in result.output
    with missing.app_context():
        db.engine.dispose()
