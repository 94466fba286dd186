"""The backup drill: `flask backup` of a platform with a submitted declaration and its files, `flask restore` into an
empty database and an empty store, and the reviewer of the restored platform reads the same 申报书 and downloads the
same bytes. On SQLite and PostgreSQL, with the files in a local folder and in an S3 server."""
import hashlib
import io
import itertools
import json
import uuid

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import Attachment, Declaration
from tests import factories as f
from tests.conftest import _maintenance, application, login, object_store_settings
from tests.helpers import post_form as post
from tests.http.test_storage import REVIEW, TECH, file_fields, pdf

_restores = itertools.count(1)


@pytest.fixture(scope="module", params=["local", "s3"])
def app(seeded, request, tmp_path_factory):
    with application(seeded, request, tmp_path_factory, request.param) as built:
        yield built


@pytest.fixture
def declaration_with_files(app, client_as):
    """A submitted declaration of 绿源 with two files uploaded through the form, as (pk, {attachment id: sha256})."""
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech", f.new_batch(f"备份{uuid.uuid4().hex[:8]}"))
        db.session.commit()
        pk, fields = declaration.id, file_fields(declaration)
    qiye = client_as("qiye")
    contents = {name: pdf(size) for name, size in (("备份证明一.pdf", 200_000), ("备份证明二.pdf", 3_000))}
    for field, (name, content) in zip(fields, contents.items()):  # two items: a single-file item keeps the latest
        post(qiye, f"{TECH}/attach/{pk}", field=field, file=(io.BytesIO(content), name))
    with app.app_context():
        rows = db.session.scalars(select(Attachment).where(
            Attachment.declaration_id == pk, Attachment.original_name.in_(contents))).all()
        f.act(db.session.get(Declaration, pk), "submit", "qiye")
        db.session.commit()
        files = {row.id: hashlib.sha256(contents[row.original_name]).hexdigest() for row in rows}
    assert len(files) == 2
    return pk, files


@pytest.fixture
def empty_platform(app, seeded, request, tmp_path_factory):
    """An app over a new, empty database and an empty store of the same kind as `app`'s."""
    folder = tmp_path_factory.mktemp("restored")
    if seeded.backend == "sqlite":
        url = f"sqlite:///{folder / 'restored.db'}"
    else:
        template = make_url(seeded.url)
        name = f"{template.database}__restored{next(_restores)}"
        with _maintenance(template) as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = template.set(database=name).render_as_string(hide_password=False)
    settings = object_store_settings(request.getfixturevalue("s3_endpoint")) if app.config.get("STORAGE_URL") else {}
    restored = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(folder / "uploads"),
                          **settings)
    yield restored
    with restored.app_context():
        db.engine.dispose()
    if seeded.backend == "postgresql":
        with _maintenance(make_url(seeded.url)) as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def test_a_restored_backup_serves_the_same_declaration_with_its_files(app, declaration_with_files, empty_platform,
                                                                       tmp_path):
    pk, files = declaration_with_files
    taken = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "backup")])
    assert taken.exit_code == 0, taken.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    with app.app_context():
        keys = dict(db.session.execute(select(Attachment.id, Attachment.storage_key).where(
            Attachment.id.in_(files))).all())
    assert {manifest["objects"][keys[i]]["sha256"] for i in files} == set(files.values())

    restored = empty_platform.test_cli_runner().invoke(args=["restore", "--from", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    assert f"文件 {len(manifest['objects'])} 个" in restored.output

    reviewer = empty_platform.test_client()
    assert login(reviewer, "changan").status_code == 302
    dossier = reviewer.get(f"{REVIEW}/dossier/{pk}")
    assert dossier.status_code == 200
    page = dossier.get_data(as_text=True)
    assert "备份证明一.pdf" in page and "备份证明二.pdf" in page
    for attachment_id, digest in files.items():
        link = f"{REVIEW}/download/{pk}/{attachment_id}"
        assert link in page
        download = reviewer.get(link)
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == digest

    again = empty_platform.test_cli_runner().invoke(args=["restore", "--from", str(tmp_path / "backup")])
    assert again.exit_code != 0 and "不是空库" in again.output  # never over a platform that has data


def test_a_backup_goes_only_into_an_empty_folder_and_a_damaged_one_is_refused(app, empty_platform, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "note.txt").write_text("x")
    refused = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "used")])
    assert refused.exit_code != 0 and "不是空目录" in refused.output
    taken = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "backup")])
    assert taken.exit_code == 0, taken.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    key = next(iter(manifest["objects"]))
    (tmp_path / "backup" / "objects" / key).write_bytes(b"tampered")
    damaged = empty_platform.test_cli_runner().invoke(args=["restore", "--from", str(tmp_path / "backup")])
    assert damaged.exit_code != 0 and "sha256 不符" in damaged.output
    with empty_platform.app_context():  # refused before anything was written
        assert not inspect(db.engine).get_table_names()
    not_a_backup = empty_platform.test_cli_runner().invoke(args=["restore", "--from", str(tmp_path / "used")])
    assert not_a_backup.exit_code != 0 and "不是本平台的备份" in not_a_backup.output
