"""A 20 MB attachment uploaded through the form and downloaded again, on the local folder and on an S3 server
(moto's, in its own process, or BENCH_S3_ENDPOINT_URL): time, and the peak Python memory growth (tracemalloc)
of each request against the budget of 30 MB. The file is read from disk and the download hashed chunk by chunk,
so what is measured is what the application holds."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SIZE = 20 * 1024 * 1024 - 4096  # just under the attachment limit of 20 MB
BUDGET_MB = 30
TECH = "/declarations/energy_saving_tech"


def measured(function):
    """(seconds, peak memory growth in MB, result) of one call under tracemalloc."""
    tracemalloc.start()
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def big_pdf(path: Path) -> str:
    """A PDF of SIZE bytes written to `path`; returns its sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        head = b"%PDF-1.4\n"
        tail = b"1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        line = b"% " + os.urandom(511).hex().encode()[:1021] + b"\n"
        body = SIZE - len(head) - len(tail)
        for part in (head, *([line] * (body // len(line))), b"%" * (body % len(line)), tail):
            out.write(part)
            digest.update(part)
    return digest.hexdigest()


def s3_server():
    endpoint = os.environ.get("BENCH_S3_ENDPOINT_URL")
    if endpoint:
        return endpoint, None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"http://127.0.0.1:{port}", process


def run(kind: str, folder: Path, source: Path, digest: str, settings: dict) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Attachment
    from app.seeding import load
    from tests import factories as f
    from tests.conftest import login
    from tests.helpers import post_form
    from tests.http.test_storage import file_fields

    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / f'{kind}.db'}",
              "UPLOAD_DIR": str(folder / f"{kind}-uploads"), **settings}
    with create_app("config.TestConfig", **config).app_context():
        upgrade()
        load(demo=True)
    app = create_app("config.TestConfig", **config)  # its views are made from the seeded declaration types
    with app.app_context():
        declaration = f.drafted("qiye", "energy_saving_tech", f.new_batch("大文件基准"))
        db.session.commit()
        pk, field = declaration.id, file_fields(declaration)[0]
    client = app.test_client()
    login(client, "qiye")

    def upload():
        with open(source, "rb") as handle:
            return post_form(client, f"{TECH}/attach/{pk}", field=field, file=(handle, "大文件.pdf"))

    up_s, up_mb, response = measured(upload)
    assert response.status_code == 302, response.status_code
    with app.app_context():
        attachment = db.session.scalars(select(Attachment).where(
            Attachment.declaration_id == pk, Attachment.original_name == "大文件.pdf")).one()
        attachment_id = attachment.id
        assert attachment.sha256 == digest and attachment.size == SIZE

    def download():
        response = client.get(f"{TECH}/download/{pk}/{attachment_id}", buffered=False)
        hashed = hashlib.sha256()
        for chunk in response.response:
            hashed.update(chunk)
        response.close()
        return response.status_code, hashed.hexdigest()

    down_s, down_mb, (status, downloaded) = measured(download)
    assert status == 200 and downloaded == digest
    verdict = "met" if max(up_mb, down_mb) < BUDGET_MB else "NOT met"
    print(f"  {kind:5}: upload {up_s:5.2f} s, peak memory growth {up_mb:5.1f} MB; "
          f"download {down_s:5.2f} s, peak memory growth {down_mb:5.1f} MB (budget < {BUDGET_MB} MB: {verdict})")


def main():
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    import boto3

    endpoint, process = s3_server()
    try:
        with tempfile.TemporaryDirectory() as temporary:
            folder = Path(temporary)
            source = folder / "big.pdf"
            digest = big_pdf(source)
            client = boto3.client("s3", endpoint_url=endpoint)
            for _ in range(100):
                try:
                    client.create_bucket(Bucket="bench-attachments")
                    break
                except Exception:  # noqa: BLE001  not listening yet
                    time.sleep(0.1)
            print(f"\nA {SIZE / 2**20:.1f} MB attachment through the form and back (memory: tracemalloc, Python heap)")
            run("local", folder, source, digest, {})
            run("s3", folder, source, digest, {"STORAGE_URL": f"s3://bench-attachments/{uuid.uuid4().hex}",
                                               "S3_ENDPOINT_URL": endpoint})
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
