"""Load test: two gunicorn instances on one PostgreSQL, Redis and S3 store, 50 reviewers approving and 10
applicants saving drafts and uploading files through locust (`make load`).

Nothing of the platform may live on one host: the two instances are separate processes on different ports, each
with its own instance folder (so its own UPLOAD_DIR, which must stay empty), sharing only the database, Redis
(sign-in limits, lockouts) and the object store (STORAGE_URL=s3://…, S3_ENDPOINT_URL). Users are dealt to the
instances in turn; applicants change instance on every visit and download each file they uploaded through the
other instance.

One run, start to finish:

1. starts the object store: LOAD_S3_ENDPOINT_URL if given (bucket LOAD_S3_BUCKET, created if missing), else
   moto's S3 server on LOAD_S3_PORT (default a free port), in memory; the run uses a prefix of its own;
2. prepares the PostgreSQL database named by LOAD_DATABASE_URL (created if missing; never `test`, which the
   suite drops): `flask db upgrade`, `flask seed`, then `flask demo generate` up to LOAD_DECLARATIONS
   declarations (default 1,000,000; timed; an existing database that already has them is reused,
   `--rebuild` starts from an empty schema), then VACUUM (ANALYZE), as autovacuum would soon after;
3. binds LOAD_USERS reviewer accounts (`load_*`, password Lvse@2026, created through the security manager
   as `flask seed` creates the demo reviewers) to the authorities with the longest 待我审核 queues: a few
   ministry reviewers, provinces with two accounts each (so two people race for the same rows), cities
   and counties; and LOAD_APPLICANTS applicant accounts (`load_applicant_*`, the same password, role 企业用户),
   each to one generated enterprise with a superior authority, made able to declare 绿色工厂;
4. starts two gunicorn instances (`app:create_app()`, LOAD_WORKERS workers each, default 2 sync) on LOAD_PORTS
   ("A,B", default two free loopback ports) with one SECRET_KEY, REDIS_URL, STORAGE_URL, CAPTCHA_ENABLED=0 and
   AUTH_RATE_LIMIT raised to fit one address signing everyone in (the limiter stays on, in the shared Redis;
   every simulated person comes from 127.0.0.1), and warms each worker up;
5. runs locust headless (tests/perf/locustfile.py) for LOAD_DURATION seconds with LOAD_USERS reviewers and
   LOAD_APPLICANTS applicants;
6. prints per request kind: requests, failures, p50/p95/p99/max (exact, from every request), the same per
   instance, and the overall p95 against the 200 ms budget; each gunicorn's own time per request from its
   access log; CPU shares;
7. stops both instances and checks what the clients saw against the database and the store: every approval a
   client saw succeed has exactly one approve review record by that account, no record exists that no client
   saw, no declaration has two approvals of the same round and level, and the touched declarations' steps
   agree with their rows; approvals refused without a failure are explained from the database (the other
   account of the authority won the race, or the province's recommendation package is already submitted).
   Every upload the client saw confirmed came back through the other instance with the same sha256, has its
   row (same sha256 and size) listed on the applicant's draft, and its object in the S3 store with the same
   sha256; no instance wrote a file into its own folder; each draft holds the text of its last confirmed save.

Asserts nothing about time: exits 1 when the exactly-once check or a check of the files or drafts fails, 2
when a request failed (an HTTP error, a page that could not be read), else 0. The machine this was written on
has 2 cores: locust, gunicorn and PostgreSQL share them, and so does whatever else runs there; the report
measures both.

    python tests/perf/load.py [--declarations N] [--users 50] [--applicants 10] [--duration 90] [--spawn-rate 2]
                              [--workers 2] [--worker-class sync|gthread] [--threads 1] [--think 1,3]
                              [--ports A,B] [--s3-endpoint URL] [--s3-port N] [--rebuild]
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
BUDGET_MS = 200
PASSWORD = "Lvse@2026"
DECLARATION_TYPE = "green_factory"  # the applicants' drafts: a type every generated enterprise may be given
INSTANCES = "AB"


def options():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=env("LOAD_DATABASE_URL",
                                                  "postgresql+psycopg://postgres@127.0.0.1:5432/loadtest"))
    parser.add_argument("--redis", default=env("LOAD_REDIS_URL", "redis://127.0.0.1:6379/3"))
    parser.add_argument("--declarations", type=int, default=int(env("LOAD_DECLARATIONS", "1000000")))
    parser.add_argument("--users", type=int, default=int(env("LOAD_USERS", "50")), help="reviewers")
    parser.add_argument("--applicants", type=int, default=int(env("LOAD_APPLICANTS", "10")))
    parser.add_argument("--duration", type=int, default=int(env("LOAD_DURATION", "90")),
                        help="seconds, the ramp included")
    parser.add_argument("--spawn-rate", type=float, default=float(env("LOAD_SPAWN_RATE", "2")),
                        help="users started per second: each signs in, a 150 ms scrypt check on the server")
    parser.add_argument("--workers", type=int, default=int(env("LOAD_WORKERS", "2")), help="per instance")
    parser.add_argument("--ports", default=env("LOAD_PORTS", ""), help="the two instances' ports: A,B (default free)")
    parser.add_argument("--s3-endpoint", default=env("LOAD_S3_ENDPOINT_URL", ""),
                        help="an S3 server to use; default: moto's server started for the run")
    parser.add_argument("--s3-port", type=int, default=int(env("LOAD_S3_PORT", "0")), help="for moto (0: free)")
    parser.add_argument("--s3-bucket", default=env("LOAD_S3_BUCKET", "green-load"))
    parser.add_argument("--worker-class", default=env("LOAD_WORKER_CLASS", "sync"))
    parser.add_argument("--threads", type=int, default=int(env("LOAD_THREADS", "1")))
    parser.add_argument("--think", default=env("LOAD_THINK", "1,3"), help="seconds between pages: min,max")
    parser.add_argument("--wait-quiet", type=int, default=int(env("LOAD_WAIT_QUIET", "300")),
                        help="wait up to this many seconds for other programs to leave the CPU idle")
    parser.add_argument("--rebuild", action="store_true", help="drop the schema and generate again")
    parser.add_argument("--keep-logs", action="store_true", help="keep the run directory (printed)")
    args = parser.parse_args()
    url = urlsplit(args.database)
    if not url.scheme.startswith("postgresql"):
        parser.error("the load test runs on PostgreSQL: give a postgresql:// URL")
    if url.path.strip("/") in ("test", "postgres", "template0", "template1"):
        parser.error(f"refusing to use the database {url.path.strip('/')!r}: give the load test its own")
    ports = [int(p) for p in args.ports.split(",") if p.strip()] if args.ports else []
    if ports and (len(ports) != len(INSTANCES) or len(set(ports)) != len(ports)):
        parser.error(f"--ports takes {len(INSTANCES)} different ports, e.g. 5061,5062")
    args.ports = ports
    if args.users < 1 or args.applicants < 1:
        parser.error("the run needs at least one reviewer and one applicant")
    return args


# --- 2. the database ----------------------------------------------------------------------------------

def ensure_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = urlsplit(url).path.strip("/")
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"created database {name}")
    admin.dispose()


def flask(env: dict, *command: str) -> str:
    result = subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flask {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def prepare(args, env: dict) -> dict:
    from sqlalchemy import create_engine, text

    ensure_database(args.database)
    engine = create_engine(args.database)
    if args.rebuild:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        print("schema dropped for --rebuild")
    facts = {}
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "seed")
    print(f"migrated and seeded in {time.perf_counter() - started:.1f} s")
    with engine.connect() as connection:
        have = connection.scalar(text("SELECT count(*) FROM declaration"))
    if have < args.declarations:
        started = time.perf_counter()
        out = flask(env, "demo", "generate", "--declarations", str(args.declarations - have),
                    "--seed", str(2026 + have))
        facts["generation_s"] = time.perf_counter() - started
        print(f"flask demo generate --declarations {args.declarations - have}: {out}")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))  # hint bits and visibility map, as after autovacuum
    else:
        print(f"reusing {have:,} declarations already in the database (--rebuild to start again)")
    with engine.connect() as connection:
        facts.update(connection.execute(text(
            "SELECT (SELECT count(*) FROM declaration) AS declarations, "
            "(SELECT count(*) FROM declaration WHERE pending_authority_id IS NOT NULL) AS pending, "
            "(SELECT count(*) FROM review_step) AS steps, (SELECT count(*) FROM review_record) AS records, "
            "(SELECT count(*) FROM organization) AS organizations, "
            "pg_size_pretty(pg_database_size(current_database())) AS size")).mappings().one())
    engine.dispose()
    print("database: {declarations:,} declarations ({pending:,} pending), {steps:,} review steps, "
          "{records:,} review records, {organizations:,} organizations; {size}".format(**facts))
    return facts


# --- 3. the reviewers and applicants ------------------------------------------------------------------

def mix(users: int) -> dict[str, int]:
    """How many accounts per level: about 4% ministry, 40% provinces (two per authority), 36% cities, the
    rest counties (their queues are the shortest)."""
    ministry = max(1, round(users * 0.04))
    province = 2 * max(1, round(users * 0.20))
    city = round(users * 0.36)
    return {"ministry": ministry, "province": province, "city": city,
            "county": max(0, users - ministry - province - city)}


def reviewers(app, users: int) -> list[dict]:
    """Create or rebind `load_*` accounts to the authorities with the longest queues."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Authority, AuthorityKind, Declaration
    from app.models.organization import PlatformUser
    from app.security import roles

    wanted = mix(users)
    accounts = []
    with app.app_context():
        sm = app.appbuilder.sm
        queue = func.count(Declaration.id)
        for kind, count in wanted.items():
            per_authority = {"province": 2, "ministry": count}.get(kind, 1)  # one ministry: all race on it
            rows = db.session.execute(
                select(Authority.id, Authority.name, queue.label("queue"))
                .join(Declaration, Declaration.pending_authority_id == Authority.id)
                .where(Authority.kind == AuthorityKind(kind)).group_by(Authority.id, Authority.name)
                .order_by(queue.desc()).limit(-(-count // per_authority))).all()
            slots = [row for row in rows for _ in range(per_authority)][:count]
            for number, row in enumerate(slots, start=1):
                username = f"load_{kind}_{number:02d}"
                role = sm.find_role(roles.MINISTRY if kind == "ministry" else roles.REVIEWER)
                user = sm.find_user(username=username)
                if user is None:
                    user = sm.add_user(username=username, first_name=f"压测{kind}{number:02d}", last_name="",
                                       email=f"{username}@load.invalid", role=role, password=PASSWORD,
                                       commit=False)
                user.roles = [role]
                user.authority_id = row.id
                user.active = True
                user.fail_login_count = 0
                user.locked_until = None
                accounts.append({"username": username, "kind": kind, "authority_id": row.id,
                                 "authority": row.name, "queue": row.queue})
        db.session.commit()
        ids = dict(db.session.execute(select(PlatformUser.username, PlatformUser.id)
                                      .where(PlatformUser.username.like("load\\_%"))).all())
    for account in accounts:
        account["user_id"] = ids[account["username"]]
    queues = collections.defaultdict(list)
    for account in accounts:
        queues[account["kind"]].append(account["queue"])
    print(f"{len(accounts)} reviewer accounts: " + ", ".join(
        f"{kind} {len(q)} (queues {min(q):,}-{max(q):,})" for kind, q in queues.items() if q))
    return accounts


def applicants(app, count: int) -> list[dict]:
    """Create or rebind `load_applicant_*` accounts, each to its own generated enterprise (one with a superior
    authority, so its drafts follow the local channel), made able to declare DECLARATION_TYPE; with the file
    field of that type's current form that takes PDFs (a multiple one if there is, so every upload stays listed)."""
    from sqlalchemy import select

    from app.domain.catalog import latest_form
    from app.domain.lifecycle import parsed_definition
    from app.extensions import db
    from app.models import DeclarationType, Organization
    from app.models.organization import OrganizationMember, OrgType, PlatformUser
    from app.security import roles

    accounts = []
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role(roles.ENTERPRISE)
        declaration_type = db.session.scalar(select(DeclarationType).where(DeclarationType.code == DECLARATION_TYPE))
        subsystem = declaration_type.subsystem
        definition = parsed_definition(db.session, latest_form(db.session, declaration_type.id))
        files = [(f"{section.key}.{item.key}", item) for section, item in definition.all_fields()
                 if item.kind == "file" and (not item.accept or "pdf" in item.accept)]
        if not files:
            sys.exit(f"the form of {DECLARATION_TYPE} has no file field that takes PDFs")
        file_field = next((path for path, item in files if item.multiple), files[0][0])
        taken = dict(db.session.execute(
            select(PlatformUser.username, PlatformUser.active_organization_id)
            .where(PlatformUser.username.like("load\\_applicant\\_%"))).all())
        free = db.session.scalars(
            select(Organization).where(Organization.org_type == OrgType.ENTERPRISE,
                                       Organization.authority_id.is_not(None), Organization.region_id.is_not(None),
                                       Organization.id.not_in([i for i in taken.values() if i] or [0]))
            .order_by(Organization.id).limit(count)).all()
        for number in range(1, count + 1):
            username = f"load_applicant_{number:02d}"
            user = sm.find_user(username=username)
            if user is None:
                user = sm.add_user(username=username, first_name=f"压测申报{number:02d}", last_name="",
                                   email=f"{username}@load.invalid", role=role, password=PASSWORD, commit=False)
            organization = db.session.get(Organization, user.active_organization_id) \
                if user.active_organization_id else free.pop(0)
            if declaration_type not in organization.declaration_types:
                organization.declaration_types.append(declaration_type)
            if subsystem not in organization.subsystems:
                organization.subsystems.append(subsystem)
            if not any(m.organization_id == organization.id for m in user.memberships):
                user.memberships.append(OrganizationMember(organization_id=organization.id))
            user.roles = [role]
            user.active_organization_id = organization.id
            user.active = True
            user.fail_login_count = 0
            user.locked_until = None
            accounts.append({"username": username, "organization_id": organization.id,
                             "organization": organization.name, "file_field": file_field})
        db.session.commit()
        ids = dict(db.session.execute(select(PlatformUser.username, PlatformUser.id)
                                      .where(PlatformUser.username.like("load\\_applicant\\_%"))).all())
    for account in accounts:
        account["user_id"] = ids[account["username"]]
    print(f"{len(accounts)} applicant accounts, one enterprise each, drafting {DECLARATION_TYPE} "
          f"(files into {file_field})")
    return accounts


# --- 1 and 4. the object store and the two instances --------------------------------------------------

def start_object_store(args, run_dir: Path) -> tuple[str, subprocess.Popen | None]:
    """The S3 endpoint of the run: the one given, or moto's server started here (in memory, gone with it)."""
    import boto3
    import requests

    process = None
    endpoint = args.s3_endpoint
    if not endpoint:
        port = args.s3_port or free_port()
        endpoint = f"http://127.0.0.1:{port}"
        output = open(run_dir / "moto.log", "w")
        process = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], cwd=run_dir,
                                   start_new_session=True, stdout=output, stderr=subprocess.STDOUT)
        for _ in range(60):
            try:
                requests.get(endpoint, timeout=1)
                break
            except requests.RequestException:
                if process.poll() is not None:
                    sys.exit(f"moto_server exited: see {run_dir / 'moto.log'}")
                time.sleep(0.5)
        else:
            sys.exit("moto_server did not answer within 30 s")
    client = boto3.client("s3", endpoint_url=endpoint, region_name=os.environ.get("S3_REGION", "us-east-1"))
    try:
        client.head_bucket(Bucket=args.s3_bucket)
    except client.exceptions.ClientError:
        client.create_bucket(Bucket=args.s3_bucket)
    return endpoint, process



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, env: dict, port: int, run_dir: Path, name: str) -> subprocess.Popen:
    """Instance `name`: its own process tree, port, logs and instance folder (INSTANCE_DIR, so UPLOAD_DIR)."""
    folder = run_dir / f"instance-{name}"
    folder.mkdir()
    command = [str(BIN / "gunicorn"), "-w", str(args.workers), "-k", args.worker_class, "-b", f"127.0.0.1:{port}",
               "--access-logfile", str(run_dir / f"access-{name}.log"),
               "--access-logformat", '%(m)s %(U)s %(q)s %(s)s %(D)s',
               "--error-logfile", str(run_dir / f"gunicorn-{name}.log"), "--timeout", "60"]
    if args.threads > 1:
        command += ["--threads", str(args.threads)]
    output = open(run_dir / f"gunicorn-{name}.out", "w")  # the app's own warnings (stderr), apart from the report
    process = subprocess.Popen([*command, "app:create_app()"], cwd=ROOT, env=dict(env, INSTANCE_DIR=str(folder)),
                               start_new_session=True, stdout=output, stderr=subprocess.STDOUT)
    import requests

    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None:
            sys.exit(f"gunicorn {name} exited: see {run_dir / f'gunicorn-{name}.log'}")
        time.sleep(0.5)
    else:
        sys.exit(f"gunicorn {name} did not answer within 60 s")
    return process


def warm_up(port: int, account: dict, applicant: dict, workers: int) -> None:
    """First requests of a worker load templates and the per-process reference caches; a server in service
    is warm, so every worker serves each page kind a few times before the measurement (the applicant's list
    and an existing draft's form, if it has one: the run's own drafts are made during the run)."""
    import requests

    base = f"http://127.0.0.1:{port}"

    def signed_in(username: str) -> requests.Session:
        session = requests.Session()
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', session.get(f"{base}/login/").text)
        session.post(f"{base}/login/", data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)})
        return session

    reviewer, enterprise = signed_in(account["username"]), signed_in(applicant["username"])
    pages = ["/review/declarations/list/", "/review/declarations/list/?tab=all&status=under_review"]
    ids = re.findall(r"/review/declarations/show/(\d+)", reviewer.get(base + pages[0]).text)
    pages += [f"/review/declarations/show/{pk}" for pk in ids[:2]]
    own = f"/declarations/{DECLARATION_TYPE}"
    drafts = re.findall(rf"{own}/content/(\d+)", enterprise.get(f"{base}{own}/list/").text)
    forms = [f"{own}/list/"] + [f"{own}/content/{pk}" for pk in drafts[:1]]
    for _ in range(4 * workers):
        for page in pages:
            reviewer.get(base + page, headers={"Connection": "close"})
        for page in forms:
            enterprise.get(base + page, headers={"Connection": "close"})


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


class CpuSampler(threading.Thread):
    """CPU seconds used during the run by each gunicorn instance (master and workers), the S3 server started
    here, locust, the PostgreSQL backends of the load database, and everything else on the machine (other
    PostgreSQL databases, other programs): the last is what makes a run on a shared machine slower than the
    server deserves."""

    def __init__(self, trees: dict[str, int], database: str):
        super().__init__(daemon=True)
        self.trees = trees  # group name → the pid of a process tree started here
        self.database = database
        self.seen: dict[tuple[str, int], float] = {}
        self.halt = threading.Event()

    def processes(self):
        import psutil

        result = []
        for group, pid in self.trees.items():
            try:
                master = psutil.Process(pid)
                result += [(group, p) for p in [master, *master.children(recursive=True)]]
            except psutil.NoSuchProcess:
                pass
        for p in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(p.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {self.database} " in cmdline:
                result.append(("postgres (load database)", p))
            elif "locust" in cmdline and "locustfile" in cmdline:
                result.append(("locust", p))
        return result

    def sample(self, into: dict) -> None:
        import psutil

        for group, p in self.processes():
            try:
                times = p.cpu_times()
                into[(group, p.pid)] = times.user + times.system
            except psutil.Error:
                pass

    @staticmethod
    def busy() -> float:
        import psutil

        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def run(self):
        while not self.halt.wait(0.5):
            self.sample(self.seen)

    @staticmethod
    def everyone() -> dict[int, tuple[str, float]]:
        import psutil

        result = {}
        for p in psutil.process_iter(["cmdline", "name", "cpu_times"]):
            times = p.info["cpu_times"]
            if times is not None:
                name = " ".join(p.info["cmdline"] or []) or p.info["name"] or "?"
                result[p.pid] = (name[:70], times.user + times.system)
        return result

    def start_baseline(self):
        self.baseline: dict = {}
        self.sample(self.baseline)
        self.everyone_at_start = self.everyone()
        self.busy_at_start = self.busy()
        self.started = time.perf_counter()
        self.start()

    def totals(self) -> tuple[dict[str, float], float]:
        self.halt.set()
        self.join()
        self.sample(self.seen)
        wall = time.perf_counter() - self.started
        used = collections.Counter()
        for key, seconds in self.seen.items():
            used[key[0]] += seconds - self.baseline.get(key, 0.0)
        used["everything else"] = max(0.0, self.busy() - self.busy_at_start - sum(used.values()))
        mine = {pid for _, pid in self.seen} | {os.getpid()}
        before = self.everyone_at_start
        self.others = sorted(((seconds - before.get(pid, ("", 0.0))[1], name)
                              for pid, (name, seconds) in self.everyone().items() if pid not in mine),
                             reverse=True)[:4]
        return dict(used), wall


def wait_for_quiet(limit_s: int, threshold: float = 0.25) -> float:
    """Other programs on the machine skew the figures: wait up to `limit_s` seconds for the CPU to be mostly
    idle (under `threshold` busy over 5 seconds); return the busy share seen last."""
    import psutil

    deadline = time.monotonic() + limit_s
    while True:
        share = psutil.cpu_percent(interval=5) / 100
        if share < threshold or time.monotonic() >= deadline:
            return share
        print(f"  the machine is {share:.0%} busy with other work; waiting for it to calm down")


# --- 5. locust ----------------------------------------------------------------------------------------

def run_locust(args, ports: list[int], run_dir: Path, accounts: list[dict], people: list[dict]) -> Path:
    (run_dir / "accounts.json").write_text(json.dumps(accounts, ensure_ascii=False), encoding="utf-8")
    (run_dir / "applicants.json").write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    log = run_dir / "events.jsonl"
    instances = [f"http://127.0.0.1:{port}" for port in ports]
    env = dict(os.environ, LOAD_ACCOUNTS=str(run_dir / "accounts.json"), LOAD_LOG=str(log),
               LOAD_APPLICANTS=str(run_dir / "applicants.json"), LOAD_INSTANCES=",".join(instances),
               LOAD_REVIEWERS=str(args.users), LOAD_APPLICANT_USERS=str(args.applicants),
               LOAD_DECLARATION_TYPE=DECLARATION_TYPE, LOAD_THINK=args.think, LOAD_PASSWORD=PASSWORD)
    command = [str(BIN / "locust"), "-f", str(ROOT / "tests" / "perf" / "locustfile.py"), "--headless",
               "-u", str(args.users + args.applicants), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
               "--host", instances[0], "--stop-timeout", "60", "--only-summary",
               "--loglevel", "WARNING", "--exit-code-on-error", "0"]
    print(f"locust: {args.users} reviewers and {args.applicants} applicants over {', '.join(instances)}, "
          f"spawn {args.spawn_rate}/s, {args.duration} s, think {args.think} s")
    with open(run_dir / "locust.log", "w") as out:
        subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return log


# --- 6. the report ------------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def read_events(log: Path) -> dict[str, list[dict]]:
    events = collections.defaultdict(list)
    with open(log, encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            events[entry["t"]].append(entry)
    return events


def table(rows: list[list], header: list[str]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for number, row in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                         for i, (c, w) in enumerate(zip(row, widths))) + " |")
        if number == 0:
            lines.append("| " + " | ".join("-" * (w - 1) + (":" if i else "-") for i, w in enumerate(widths)) + " |")
    return "\n".join(lines)


def report(events: dict, duration: float) -> dict:
    requests = [e for e in events["req"] if not e.get("check")]
    by_kind = collections.defaultdict(list)
    for entry in requests:
        by_kind[entry["name"]].append(entry)
    rows = []

    def row(name, entries):
        times = sorted(e["ms"] for e in entries)
        failures = sum(not e["ok"] for e in entries)
        return [name, len(entries), failures, f"{percentile(times, 50):.0f}", f"{percentile(times, 95):.0f}",
                f"{percentile(times, 99):.0f}", f"{times[-1]:.0f}" if times else ""]

    for name in sorted(by_kind, key=lambda n: -len(by_kind[n])):
        rows.append(row(name, by_kind[name]))
    rows.append(row("**all requests**", requests))
    browsing = [e for e in requests if "login" not in e["name"]]
    rows.append(row("**all but sign-in**", browsing))
    last_login = max((e["at"] for e in events["login"]), default=0)
    steady = [e for e in requests if e["at"] > last_login + 5]
    if steady:
        rows.append(row("**steady state** (from 5 s after the last sign-in)", steady))
    print()
    print(table(rows, ["request", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "max ms"]))
    levels = collections.defaultdict(list)
    for entry in browsing:
        levels[(entry.get("level") or "?", "list" if " list " in entry["name"] else "other")].append(entry)
    print("\nby the account's level (lists; everything else):")
    print(table([row(f"{level}, {what}", entries) for (level, what), entries in sorted(levels.items())],
                ["level, requests", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "max ms"]))
    per_instance = collections.defaultdict(list)
    for entry in requests:
        per_instance[(entry.get("instance") or "?", entry["name"])].append(entry)
    rows = []
    for instance in sorted({i for i, _ in per_instance}):
        rows += [row(f"{instance}: {name}", per_instance[(instance, name)])
                 for name in sorted((n for i, n in per_instance if i == instance),
                                    key=lambda n: -len(per_instance[(instance, n)]))]
        rows.append(row(f"**{instance}: all requests**",
                        [e for e in requests if (e.get("instance") or "?") == instance]))
    print("\nby instance (the client's figures):")
    print(table(rows, ["instance: request", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "max ms"]))
    times = sorted(e["ms"] for e in requests)
    p95 = percentile(times, 95)
    steady_p95 = percentile(sorted(e["ms"] for e in steady), 95) if steady else float("nan")
    failures = sum(not e["ok"] for e in events["req"]) + len(events["user_error"])
    errors = collections.Counter(e["error"] for e in events["req"] + events["user_error"]
                                 if not e.get("ok", False))
    span = (max(e["at"] for e in requests) - min(e["at"] for e in requests)) if requests else duration
    print(f"\n{len(requests):,} requests in {span:.0f} s ({len(requests) / span:.1f}/s), "
          f"{len(events['user_error'])} load-tool exceptions; "
          f"overall p95 {p95:.0f} ms against the budget of {BUDGET_MS} ms: "
          f"{'within' if p95 <= BUDGET_MS else 'OVER'} (steady state: {steady_p95:.0f} ms, "
          f"{'within' if steady_p95 <= BUDGET_MS else 'OVER'}); failures: {failures}")
    for error, count in errors.most_common(10):
        print(f"  {count} × {error}")
    outcomes = collections.Counter((e["path"], e["result"]) for e in events["approve"])
    print("approval outcomes seen by the clients: " + ", ".join(
        f"{path} {result} {count}" for (path, result), count in sorted(outcomes.items())))
    logins = events["login"]
    print(f"sign-ins: {sum(e['ok'] for e in logins)} of {len(logins)}; "
          f"empty 待我审核 visits: {len(events['empty'])}")
    files = collections.Counter((e["uploaded_on"], e.get("downloaded_on"), e["result"]) for e in events["file"])
    print(f"applicants: {len(events['draft'])} drafts started, {sum(e['ok'] for e in events['save'])} saves confirmed "
          f"of {len(events['save'])}; uploads: " + (", ".join(
              f"{count} up on {up}, down on {down or '-'}: {result}" for (up, down, result), count in sorted(
                  files.items(), key=str)) or "none"))
    return {"p95": p95, "failures": failures, "requests": len(requests)}


def server_times(access_log: Path, name: str) -> None:
    """gunicorn's own time per request (%(D)s, µs), grouped like the client's kinds: the difference with the
    client's figures is time spent queued for a worker or in the load tool itself."""
    own = f"/declarations/{DECLARATION_TYPE}/"
    if not access_log.exists():
        return
    groups = collections.defaultdict(list)
    statuses = collections.Counter()
    for line in access_log.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(" ")
        if len(parts) < 5:
            continue
        method, path, query, status, micros = parts[0], parts[1], parts[2], parts[3], parts[-1]
        statuses[status] += 1
        if path.startswith("/review/declarations/show/"):
            kind = "GET show"
        elif path.startswith("/review/declarations/do/"):
            kind = "POST approve (declaration page)"
        elif path.startswith("/review/declarations/list/"):
            kind = "GET list " + ("全部+状态筛选" if "status=" in query else "待我审核")
        elif path.startswith(own):
            route = path[len(own):].split("/")[0]
            kind = f"{method} " + ("save draft" if route == "content" and method == "POST" else {
                "content": "draft form", "attach": "upload attachment", "download": "download",
                "create": "create draft", "list": "applicant list"}.get(route, path))
        else:
            kind = f"{method} {path}"
        groups[kind].append(int(micros) / 1000)
    rows = []
    for kind in sorted(groups, key=lambda k: -len(groups[k])):
        times = sorted(groups[kind])
        rows.append([kind, len(times), f"{percentile(times, 50):.0f}", f"{percentile(times, 95):.0f}",
                     f"{percentile(times, 99):.0f}"])
    print(f"\ngunicorn {name}'s own time (its access log, from the end of the warm-up):")
    print(table(rows, ["request", "count", "p50 ms", "p95 ms", "p99 ms"]))
    print("status codes: " + ", ".join(f"{s} × {n}" for s, n in sorted(statuses.items())))


# --- 7. exactly once ----------------------------------------------------------------------------------

def verify(url: str, accounts: list[dict], marker: int, events: dict) -> bool:
    from sqlalchemy import create_engine, text

    names = {a["user_id"]: a["username"] for a in accounts}
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, declaration_id, round, level, actor_id FROM review_record "
            "WHERE id > :marker AND action = 'approve'"), {"marker": marker}).all()
        duplicates = connection.execute(text(
            "SELECT declaration_id, round, level, count(*) FROM review_record WHERE action = 'approve' "
            "GROUP BY declaration_id, round, level HAVING count(*) > 1")).all()
        touched = sorted({r.declaration_id for r in rows})
        inconsistent = connection.execute(text("""
            SELECT d.id FROM declaration d
            WHERE d.id = ANY(:ids) AND (
                (SELECT count(*) FROM review_step s WHERE s.declaration_id = d.id AND s.round = d.round
                   AND s.state = 'in_review') > 1
             OR (d.status = 'under_review' AND d.pending_authority_id IS DISTINCT FROM
                   (SELECT s.authority_id FROM review_step s WHERE s.declaration_id = d.id AND s.round = d.round
                     AND s.state = 'in_review'))
             OR (SELECT count(*) FROM review_step s WHERE s.declaration_id = d.id AND s.round = d.round
                   AND s.state = 'approved') <>
                (SELECT count(*) FROM review_record r WHERE r.declaration_id = d.id AND r.round = d.round
                   AND r.action = 'approve'))"""), {"ids": touched}).all()
    engine.dispose()
    in_db = collections.Counter((names.get(r.actor_id, f"user {r.actor_id}"), r.declaration_id) for r in rows)
    seen_ok = collections.Counter((e["user"], e["pk"]) for e in events["approve"] if e["result"] == "ok")
    unsure = {(e["user"], e["pk"]) for e in events["approve"] if e["result"] == "error"}
    lost = seen_ok - in_db  # the client was told "done", the database has no record
    unseen = {k: v for k, v in (in_db - seen_ok).items() if k not in unsure}  # recorded, never reported done
    twice = {k: v for k, v in in_db.items() if v > 1}
    authority_of = {a["username"]: a["authority_id"] for a in accounts}
    approved_by = collections.defaultdict(set)  # declaration → the authorities whose load accounts approved it
    for (user, pk) in in_db:
        approved_by[pk].add((user, authority_of.get(user)))

    def lost_race(entry) -> bool:
        """Another account of the same authority approved this declaration during the run."""
        return any(user != entry["user"] and authority == authority_of[entry["user"]]
                   for user, authority in approved_by[entry["pk"]])

    refused = [e for e in events["approve"] if e["result"] in ("raced", "gone", "closed")]
    reasons = explain(url, [e for e in refused if not lost_race(e)])
    print("\nexactly-once check (database after the run vs what the clients saw):")
    print(f"  approvals the clients saw succeed: {sum(seen_ok.values())}; approve records written by the load "
          f"accounts during the run: {len(rows)}")
    print(f"  reported done but not recorded: {sum(lost.values())}; recorded but never reported done: "
          f"{sum(unseen.values())} (plus {len(unsure)} approvals that ended in an HTTP error)")
    print(f"  the same account recording one declaration twice: {len(twice)}; declarations (whole table) with "
          f"two approvals of one round and level: {len(duplicates)}")
    print(f"  approvals refused, or approve button gone, without a failure: {len(refused)}:")
    why = collections.Counter()
    for entry in refused:
        if lost_race(entry):
            why["the other account of the same authority approved it first (a race, one winner)"] += 1
        else:
            why[reasons.get(entry["pk"], "unexplained") + f" [{entry['result']}: {entry.get('message', '')[:40]}]"] += 1
    for reason, count in why.most_common():
        print(f"    {count} × {reason}")
    print(f"  touched declarations whose steps disagree with their row or their records: {len(inconsistent)} "
          f"of {len(touched)}")
    ok = not lost and not unseen and not twice and not duplicates and not inconsistent and len(rows) == sum(
        seen_ok.values())
    print(f"  => {'every decision recorded exactly once' if ok else 'FAILED'}")
    return ok


def explain(url: str, entries: list[dict]) -> dict[int, str]:
    """Why a declaration nobody else approved during the run could not be approved: its package is closed,
    it is no longer (or not yet) this authority's turn, or, still waiting in the reviewer's queue, a write
    conflict on something shared with another approval (the recommendation package's version)."""
    from sqlalchemy import create_engine, text

    if not entries:
        return {}
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("""
            SELECT d.id, d.status, d.pending_authority_id,
                   EXISTS (SELECT 1 FROM recommendation_package p WHERE p.batch_id = d.batch_id
                           AND p.declaration_type_id = d.declaration_type_id AND p.authority_id = d.top_authority_id
                           AND p.state = 'submitted' AND d.pending_authority_id = d.top_authority_id) AS closed
            FROM declaration d WHERE d.id = ANY(:ids)"""), {"ids": sorted({e["pk"] for e in entries})}).all()
    engine.dispose()
    result = {}
    for row in rows:
        if row.closed:
            result[row.id] = "its province's recommendation package of that batch and type is submitted (a rule)"
        elif row.pending_authority_id is not None:
            result[row.id] = "still in the reviewer's queue: refused by a write conflict on shared state"
        else:
            result[row.id] = f"no longer anyone's turn ({row.status})"
    return result


# --- 7. the files and the drafts ----------------------------------------------------------------------

def verify_files(url: str, storage: dict, people: list[dict], marker: int, events: dict, run_dir: Path) -> bool:
    """Every upload confirmed on one instance came back through the other with its sha256; its row is on the
    applicant's draft with that sha256 and size, listed in the draft's field; its object is in the S3 store
    with the same bytes; no form file was written that no client saw (a new draft's copy of the registered
    营业执照 is not one); no instance put a file in its own folder."""
    from sqlalchemy import create_engine, text

    from app.storage.backends import MissingObject, S3Bucket

    uploads = events["file"]
    confirmed = [e for e in uploads if e["result"] in ("ok", "mismatch")]
    crossed = [e for e in confirmed if e["downloaded_on"] != e["uploaded_on"]]
    mismatched = [e for e in confirmed if e["downloaded_sha256"] != e["sha256"]]
    ids = {a["user_id"]: a for a in people}
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {r.id: r for r in connection.execute(text(
            "SELECT id, declaration_id, storage_key, size, sha256, uploaded_by_id, original_name FROM attachment "
            "WHERE id > :marker AND uploaded_by_id = ANY(:ids) AND purpose = 'form_file'"),
            {"marker": marker, "ids": list(ids)}).all()}
        forms = dict(connection.execute(text("SELECT id, form_data FROM declaration WHERE id = ANY(:ids)"),
                                        {"ids": sorted({e["pk"] for e in uploads})}).all())
    engine.dispose()
    section, field = people[0]["file_field"].split(".")
    store = S3Bucket(storage["STORAGE_URL"], storage["S3_ENDPOINT_URL"])
    wrong_row, not_listed, wrong_object = [], [], []
    for entry in confirmed:
        row = rows.get(entry["attachment_id"])
        if row is None or row.sha256 != entry["sha256"] or row.size != entry["size"] \
                or row.declaration_id != entry["pk"] or ids[row.uploaded_by_id]["username"] != entry["user"]:
            wrong_row.append(entry)
            continue
        if row.id not in (((forms.get(entry["pk"]) or {}).get(section) or {}).get(field) or []):
            not_listed.append(entry)
        try:
            body = store.open(row.storage_key)
        except MissingObject:
            wrong_object.append(entry)
            continue
        digest = hashlib.sha256()
        try:
            for chunk in iter(lambda: body.read(256 * 1024), b""):
                digest.update(chunk)
        finally:
            body.close()
        if digest.hexdigest() != entry["sha256"]:
            wrong_object.append(entry)
    seen = {e["attachment_id"] for e in confirmed}
    unsure = {e["name"] for e in uploads if e["result"] in ("error", "unconfirmed")}
    unseen = [r for r in rows.values() if r.id not in seen and not any(n in r.original_name for n in unsure)]
    local = [p for name in INSTANCES for p in (run_dir / f"instance-{name}").rglob("*") if p.is_file()]
    print("\nfiles (what the applicants saw vs the database and the S3 store):")
    print(f"  uploads confirmed: {len(confirmed)} of {len(uploads)}; downloaded through the other instance: "
          f"{len(crossed)}; sha256 different on the way back: {len(mismatched)}")
    print(f"  rows missing or unlike the upload: {len(wrong_row)}; not listed in the draft's field: "
          f"{len(not_listed)}; objects missing or unlike the upload in {store!r}: {len(wrong_object)}")
    print(f"  rows written by the applicants that no client saw confirmed: {len(unseen)} (plus {len(unsure)} "
          f"uploads that ended in an HTTP error or without their link); files in the instances' own folders: "
          f"{len(local)}" + (f" ({', '.join(str(p.relative_to(run_dir)) for p in local[:5])})" if local else ""))
    ok = bool(confirmed) and len(crossed) == len(confirmed) and not (mismatched or wrong_row or not_listed
                                                                    or wrong_object or unseen or local)
    print(f"  => {'every file served by both instances from the shared store' if ok else 'FAILED'}")
    return ok


def verify_drafts(url: str, events: dict) -> bool:
    """Each draft holds the long texts of the last save its applicant saw confirmed (saves of one applicant
    alternate between the instances)."""
    from sqlalchemy import create_engine, text

    last = {}
    for entry in sorted((e for e in events["save"] if e["ok"]), key=lambda e: e["at"]):
        last[entry["pk"]] = entry
    engine = create_engine(url)
    with engine.connect() as connection:
        forms = dict(connection.execute(text("SELECT id, form_data FROM declaration WHERE id = ANY(:ids)"),
                                        {"ids": sorted(last)}).all())
    engine.dispose()
    stale = [pk for pk, entry in last.items() if any(
        ((forms.get(pk) or {}).get(path.split(".")[0]) or {}).get(path.split(".")[1]) != value
        for path, value in entry["values"].items())]
    instances = collections.Counter(e.get("instance") for e in events["save"] if e["ok"])
    print(f"\ndrafts: {len(events['draft'])} started, {sum(instances.values())} saves confirmed ("
          + ", ".join(f"{count} on {name}" for name, count in sorted(instances.items(), key=str))
          + f"); drafts whose form differs from their last confirmed save: {len(stale)}")
    ok = bool(last) and not stale
    print(f"  => {'every draft holds its last save' if ok else 'FAILED'}")
    return ok


def main() -> int:
    args = options()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "load")  # moto takes any; a real store's come from the environment
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "load")
    run_dir = Path(tempfile.mkdtemp(prefix="load-"))
    endpoint, object_server = start_object_store(args, run_dir)
    storage = {"STORAGE_URL": f"s3://{args.s3_bucket}/load-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}",
               "S3_ENDPOINT_URL": endpoint}
    try:
        return run(args, run_dir, storage, object_server)
    finally:
        if object_server is not None:
            stop(object_server)


def run(args, run_dir: Path, storage: dict, object_server: subprocess.Popen | None) -> int:
    env = dict(os.environ, DATABASE_URL=args.database, FLASK_APP="run.py", CAPTCHA_ENABLED="0",
               REDIS_URL=args.redis, SECRET_KEY=secrets.token_hex(32), **storage,
               AUTH_RATE_LIMIT=f"{max(20, 4 * (args.users + args.applicants))} per minute", APP_ENV="development")
    facts = prepare(args, env)

    from app import create_app

    app = create_app("config.Config", SQLALCHEMY_DATABASE_URI=args.database, CAPTCHA_ENABLED=False)
    accounts = reviewers(app, args.users)
    people = applicants(app, args.applicants)
    with app.app_context():
        from app.extensions import db

        marker = db.session.scalar(db.text("SELECT coalesce(max(id), 0) FROM review_record"))
        file_marker = db.session.scalar(db.text("SELECT coalesce(max(id), 0) FROM attachment"))
        db.engine.dispose()

    ports = args.ports or [free_port() for _ in INSTANCES]
    while len(set(ports)) < len(ports):
        ports = [free_port() for _ in INSTANCES]
    print(f"gunicorn: instances {', '.join(f'{n} on 127.0.0.1:{p}' for n, p in zip(INSTANCES, ports))}, "
          f"{args.workers} {args.worker_class} workers each{f' x {args.threads} threads' if args.threads > 1 else ''}, "
          f"AUTH_RATE_LIMIT={env['AUTH_RATE_LIMIT']!r}, REDIS_URL={args.redis}, STORAGE_URL={storage['STORAGE_URL']} "
          f"at {storage['S3_ENDPOINT_URL']}{' (moto, started here)' if object_server else ''}; logs in {run_dir}")
    busy = wait_for_quiet(args.wait_quiet)
    print(f"CPU busy before the run (other programs): {busy:.0%}")
    servers = {}
    try:
        for name, port in zip(INSTANCES, ports):
            servers[name] = start_gunicorn(args, env, port, run_dir, name)
        for name, port in zip(INSTANCES, ports):
            warm_up(port, accounts[0], people[0], args.workers)
            (run_dir / f"access-{name}.log").write_text("")  # gunicorn appends; the warm-up is left out
        trees = {f"gunicorn {name}": server.pid for name, server in servers.items()}
        if object_server is not None:
            trees["moto S3 server"] = object_server.pid
        sampler = CpuSampler(trees, urlsplit(args.database).path.strip("/"))
        sampler.start_baseline()
        started = time.perf_counter()
        log = run_locust(args, ports, run_dir, accounts, people)
        elapsed = time.perf_counter() - started
        cpu, wall = sampler.totals()
    finally:
        for server in servers.values():
            stop(server)
    events = read_events(log)
    summary = report(events, elapsed)
    for name in INSTANCES:
        server_times(run_dir / f"access-{name}.log", name)
    print(f"\nCPU during the run ({os.cpu_count()} cores, {wall:.0f} s wall = {wall * os.cpu_count():.0f} "
          "core-seconds): " + ", ".join(f"{group} {seconds:.0f} s ({seconds / wall * 100:.0f}% of one core)"
                                        for group, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])))
    others = cpu.get("everything else", 0.0)
    if others > 0.15 * wall * os.cpu_count():
        print(f"WARNING: other programs used {others:.0f} core-seconds ({others / (wall * os.cpu_count()):.0%} of the "
              "machine) during the run; the latencies above are inflated by them. Biggest still running: "
              + "; ".join(f"{name} {seconds:.0f} s" for seconds, name in sampler.others if seconds >= 1))
    for name in INSTANCES:
        server_log = (run_dir / f"gunicorn-{name}.log").read_text(errors="replace")
        print(f"gunicorn {name} tracebacks: {server_log.count('Traceback')}")
        for where, last in re.findall(r"ERROR in app: (Exception on .*?)\n(?:.*\n)*?(\w+(?:Error|Exception)\b.*)",
                                      server_log):
            print(f"  {where}: {last}")
    ok = verify(args.database, accounts, marker, events)
    files_ok = verify_files(args.database, storage, people, file_marker, events, run_dir)
    drafts_ok = verify_drafts(args.database, events)
    print(f"\ndatabase: {facts['declarations']:,} declarations, {facts['size']}"
          + (f", generated in {facts['generation_s']:.0f} s" if "generation_s" in facts else ""))
    ok = ok and files_ok and drafts_ok
    if not args.keep_logs and ok and not summary["failures"]:
        shutil.rmtree(run_dir)
    else:
        print(f"logs kept in {run_dir}")
    return 1 if not ok else 2 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
