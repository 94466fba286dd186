"""Exporting 100,000 filtered rows to xlsx: ours (query streamed through the export), and the same export as a
background job (the ids taken as the request would take them, then the job's run: rows read a chunk of ids at a
time, progress committed per chunk, the file streamed to the object store), each against bare openpyxl
write-only mode writing the same rows from a list already in memory. Time and peak memory growth."""
from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
N = int(os.environ.get("BENCH_DECLARATIONS", "1000000"))
ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DATABASE = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / f'bench-{N}.db'}"


def measure(functions: dict, rounds: int = ROUNDS) -> dict:
    """Each function's best time over `rounds` rounds taken in turn (so that the load of a shared machine falls on
    all of them alike), as elapsed time and as this process's CPU time (SQLite runs inside the process, so on a
    machine shared with other work the CPU time is the throughput the work would have alone), then the peak memory
    growth of one more run under tracemalloc (which slows Python several times over, so it never times anything):
    {name: (seconds, CPU seconds, MB)}."""
    best = dict.fromkeys(functions, float("inf"))
    cpu = dict.fromkeys(functions, float("inf"))
    for _ in range(rounds):
        for name, function in functions.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            function()
            best[name] = min(best[name], time.perf_counter() - started)
            cpu[name] = min(cpu[name], time.process_time() - started_cpu)
    result = {}
    for name, function in functions.items():
        tracemalloc.start()
        function()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result[name] = (best[name], cpu[name], peak / 2**20)
    return result


def main():
    from openpyxl import Workbook

    from app import create_app
    from app.vocabulary import DeclarationStatus
    from app.domain.workbook import write_rows
    from app.extensions import db
    from app.models import Declaration
    from app import clock, jobs
    from app.models import Job, PlatformUser
    from app.views.declarations import EXPORT_COLUMNS, REVIEW_EXPORT, export_rows

    if DATABASE.startswith("sqlite") and not Path(DATABASE.removeprefix("sqlite:///")).exists():
        from tests.perf.bench_lists import build  # the same database as the list benchmark

        build()
    uploads = tempfile.TemporaryDirectory(prefix="bench-export-uploads-")
    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=DATABASE, CAPTCHA_ENABLED=False, REDIS_URL=None,
                     UPLOAD_DIR=uploads.name)
    with app.app_context():
        under_review = Declaration.status == DeclarationStatus.UNDER_REVIEW
        cutoff = db.session.scalar(db.select(Declaration.id).where(under_review).order_by(Declaration.id)
                                   .offset(ROWS - 1).limit(1)) or 2**31

        def query():  # a filtered list as the reviewer's export gets it: filters, an order, no limit
            return (db.session.query(Declaration).filter(under_review, Declaration.id <= cutoff)
                    .order_by(Declaration.submitted_at.desc()))

        rows = list(export_rows(query()))  # for the bare run: the same values, already in memory
        db.session.expunge_all()

        def ours():
            with tempfile.TemporaryFile() as handle:
                write_rows(handle, "申报列表", EXPORT_COLUMNS, export_rows(query()))
            db.session.expunge_all()

        def bare():
            book = Workbook(write_only=True)
            sheet = book.create_sheet("申报列表")
            sheet.append(EXPORT_COLUMNS)
            for row in rows:
                sheet.append(row)
            with tempfile.TemporaryFile() as handle:
                book.save(handle)

        owner = db.session.scalar(db.select(PlatformUser.id).order_by(PlatformUser.id).limit(1))
        db.session.execute(db.delete(Job).where(Job.title == "bench.xlsx"))  # an interrupted run's
        db.session.commit()

        def job_ids():  # what the export's POST does in the request: the ids of the scope and filters, in order
            return db.session.scalars(query().with_entities(Declaration.id).statement).all()

        def as_job():
            job = Job(owner_id=owner, kind=REVIEW_EXPORT, title="bench.xlsx", done_rows=0, parameters={"ids": job_ids()},
                      created_at=clock.now())
            db.session.add(job)
            db.session.commit()
            jobs.run(job.id)
            db.session.expunge_all()

        measured = measure({"ours": ours, "job": as_job, "bare": bare})
        (ours_s, ours_cpu, ours_mb), (job_s, job_cpu, job_mb), (bare_s, bare_cpu, bare_mb) = (
            measured["ours"], measured["job"], measured["bare"])
        ids_s = min(timed(job_ids) for _ in range(3))
        done = db.session.scalars(db.select(Job).where(Job.title == "bench.xlsx")).all()
        failed = [(job.status.value, job.total_rows, job.error) for job in done
                  if job.status.value != "done" or job.total_rows != len(rows)]
        assert not failed, f"jobs that did not export {len(rows)} rows: {failed}"
        db.session.execute(db.delete(Job).where(Job.title == "bench.xlsx"))
        db.session.commit()
    print(f"\nExport of {len(rows):,} rows to xlsx ({DATABASE.split(':')[0]})")
    print(f"  ours (query → xlsx, streamed): {ours_s:6.1f} s ({ours_cpu:6.1f} s CPU), peak memory growth {ours_mb:6.1f} MB")
    print(f"  as a job (ids, run, store):    {job_s:6.1f} s ({job_cpu:6.1f} s CPU), peak memory growth {job_mb:6.1f} MB "
          f"(of which taking the ids {ids_s:.2f} s)")
    print(f"  bare openpyxl write-only:      {bare_s:6.1f} s ({bare_cpu:6.1f} s CPU), peak memory growth {bare_mb:6.1f} MB"
          " (rows already in memory, not counted)")
    for name, budget, (seconds, cpu_seconds, mb) in (("ratio", 1.3, (ours_s, ours_cpu, ours_mb)),
                                                      ("job ratio", 1.2, (job_s, job_cpu, job_mb))):
        ratio, cpu_ratio = seconds / bare_s, cpu_seconds / bare_cpu
        print(f"  {name} {ratio:.2f}× elapsed, {cpu_ratio:.2f}× CPU (budget ≤ {budget}×), memory budget ≤ 100 MB: "
              f"{'met' if min(ratio, cpu_ratio) <= budget and mb <= 100 else 'NOT met'}")
    uploads.cleanup()


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
