"""Command-line entry points: `flask seed` (reference and demo data), `flask prune-sign-ins` (audit retention),
`flask figures rebuild` (the dashboard's summary rows, from scratch), `flask storage check` (objects and rows
that miss each other), `flask backup` / `flask restore`, `flask worker` (background jobs),
`flask filing remind` (reminders of 动态管理 filings)."""
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup


@contextmanager
def _store_reached():
    """A store that cannot be reached (no such bucket, wrong credentials, no server) is said in one line."""
    from app.backup import BackupRefused

    try:
        yield
    except (click.ClickException, BackupRefused, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001  boto3's and the file system's errors alike
        from app.storage import backend

        raise click.ClickException(f"无法访问文件存储 {backend()!r}：{error}") from None


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo/--no-demo", default=None,
                  help="Also create the demo batch and demo accounts (the default outside production; refused in "
                       "production).")
    def seed(demo: bool | None) -> None:
        """Load the reference data of seeds/ (and demo accounts); safe to run again."""
        from flask import current_app

        from app.seeding import DemoRefused, load

        if demo is None:
            demo = current_app.config.get("ENV_NAME") != "production"
        try:
            stats = load(demo=demo)
        except DemoRefused as refused:
            raise click.ClickException(str(refused)) from None
        if not stats:
            click.echo("参考数据已是最新，无变更。")
            return
        for key, count in sorted(stats.items()):
            table, what = key[:-1], {"+": "新增", "~": "更新"}[key[-1]]
            click.echo(f"{table}: {what} {count}")

    @app.cli.command("prune-sign-ins")
    @click.option("--days", type=click.IntRange(1, 36500), default=None,
                  help="Keep this many days (default: SIGN_IN_AUDIT_DAYS, 180).")
    def prune_sign_ins(days: int | None) -> None:
        """Remove sign-in audit events older than the retention period (run it daily, e.g. from cron)."""
        from flask import current_app

        from app.security.sign_in_audit import prune

        keep = days or current_app.config["SIGN_IN_AUDIT_DAYS"]
        click.echo(f"removed {prune(keep)} sign-in events older than {keep} days")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Run the jobs queued now, then stop.")
    def worker(burst: bool) -> None:
        """Run background jobs (exports, 推荐汇总表) from REDIS_URL's queue with the application's context."""
        from app.jobs import work

        try:
            work(burst=burst)
        except RuntimeError as refused:
            raise click.ClickException(str(refused)) from None

    demo = click.Group("demo", help="Demo and training data at national scale.")
    app.cli.add_command(demo)

    @demo.command("generate")
    @click.option("--declarations", type=click.IntRange(1, 5_000_000), default=10_000, show_default=True)
    @click.option("--organizations", type=click.IntRange(1, 1_000_000), default=None,
                  help="Enterprises to create (default: one for every eight declarations).")
    @click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same data.")
    def generate(declarations: int, organizations: int | None, seed: int) -> None:
        """Enterprises across every county and declarations in every lifecycle state, in bulk."""
        import time

        from app.demo import generate as make

        started = time.perf_counter()
        made = make(declarations, organizations, seed)
        elapsed = time.perf_counter() - started
        click.echo(f"新增单位 {made['organizations']}，申报 {made['declarations']}，审核环节 {made['steps']}，"
                   f"审核记录 {made['records']}；用时 {elapsed:.1f} 秒（{made['declarations'] / elapsed:,.0f} 条申报/秒）")

    figures = click.Group("figures", help="The 数据看板's summary rows, kept live by every change of a declaration.")
    app.cli.add_command(figures)

    @figures.command("rebuild")
    def rebuild() -> None:
        """Compute every summary row again from the declarations and their review steps (after a bulk load or a
        restore; the lifecycle keeps them right otherwise)."""
        import time

        from app.domain import figures as summary
        from app.extensions import db

        started = time.perf_counter()
        rows = summary.rebuild(db.session)
        db.session.commit()
        click.echo(f"看板统计已重建：{rows} 行，用时 {time.perf_counter() - started:.1f} 秒")

    codes = AppGroup("green-code", help="企业绿码: grades of national green factories by year.")
    app.cli.add_command(codes)

    @codes.command("recompute")
    @click.option("--year", type=int, required=True)
    @click.option("--type", "type_code", default="green_factory", show_default=True)
    @click.option("--entries", "entries_file", type=click.File("r", encoding="utf-8"), required=True,
                  help="JSON list of {listed_unit_id, industry_id, score, indicators} (what the filings give)")
    def recompute_codes(year: int, type_code: str, entries_file) -> None:
        """Grade the year's national units of the type from the entries, replacing the year's grades."""
        import json

        from sqlalchemy import select

        from app import clock
        from app.domain import DomainError, green_code
        from app.extensions import db
        from app.models import DeclarationType

        type_id = db.session.scalar(select(DeclarationType.id).where(DeclarationType.code == type_code))
        if type_id is None:
            raise click.ClickException(f"没有申报类型 {type_code}")
        try:
            entries = json.load(entries_file)
            rows = green_code.recompute(db.session, year=year, declaration_type_id=type_id, entries=entries,
                                        now=clock.now())
        except (ValueError, TypeError, KeyError, AttributeError) as bad:
            raise click.ClickException(f"企业绿码数据不是所需的 JSON 列表：{bad}")
        except DomainError as refused:
            raise click.ClickException(refused.message)
        db.session.commit()
        tally = {grade: sum(1 for r in rows if r.grade == grade) for grade in green_code.GRADES}
        click.echo(f"{year} 年度企业绿码已计算：{len(rows)} 家（" + "，".join(f"{g} {n}" for g, n in tally.items()) + "）")

    files = AppGroup("storage", help="The object store of uploaded files (STORAGE_URL).")
    app.cli.add_command(files)

    @files.command("check")
    @click.option("--fix", is_flag=True, help="Remove the objects that no row names (rows are never touched).")
    @click.option("--min-age", type=click.IntRange(0, None), default=3600, show_default=True,
                  help="Seconds an object without a row must be old to count as an orphan: a younger one may "
                       "belong to an upload whose transaction is still open.")
    def storage_check(fix: bool, min_age: int) -> None:
        """List the objects without a row and the rows without an object; exits 1 when any is found."""
        from app.storage import backend, check

        with _store_reached():
            orphans, missing, young = check(min_age)
        click.echo(f"存储：{backend()!r}")
        for item in orphans:
            click.echo(f"无记录的文件：{item.key}（{item.size} 字节，{item.modified:%Y-%m-%d %H:%M}）")
        for key in missing:
            click.echo(f"无文件的记录：{key}")
        if young:
            click.echo(f"另有 {len(young)} 个无记录的文件不足 {min_age} 秒，可能是尚未提交的上传，未计入")
        if fix and orphans:
            store = backend()
            with _store_reached():
                for item in orphans:
                    store.delete(item.key)
            click.echo(f"已删除无记录的文件 {len(orphans)} 个")
        click.echo(f"无记录的文件 {len(orphans)} 个，无文件的记录 {len(missing)} 条")
        if missing or (orphans and not fix):
            raise SystemExit(1)

    @app.cli.command("backup")
    @click.option("--to", "target", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="A new or empty folder for the backup.")
    def backup(target: Path) -> None:
        """Back up the database (pg_dump, or SQLite's backup API) and every object of the store."""
        from app.backup import BackupRefused, take

        try:
            with _store_reached():
                manifest = take(target)
        except BackupRefused as refused:
            raise click.ClickException(str(refused)) from None
        size = sum(item["size"] for item in manifest["objects"].values())
        click.echo(f"已备份到 {target}：数据库（{manifest['database']['backend']}），文件 {len(manifest['objects'])} 个，"
                   f"共 {size} 字节")
        if manifest["rows_without_objects"]:
            click.echo(f"注意：{len(manifest['rows_without_objects'])} 条附件记录在存储中没有文件"
                       "（见 flask storage check）")

    @app.cli.command("restore")
    @click.option("--from", "source", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
                  help="A folder written by `flask backup`.")
    def restore(source: Path) -> None:
        """Restore a backup into an empty database and an empty store (refused otherwise)."""
        from app.backup import BackupRefused, restore as load

        try:
            with _store_reached():
                manifest, missing = load(source)
        except BackupRefused as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"已从 {source} 恢复：数据库（{manifest['database']['backend']}），文件 {len(manifest['objects'])} 个")
        known = set(manifest.get("rows_without_objects", ()))
        for key in missing:
            click.echo(f"无文件的记录：{key}" + ("（备份时即已缺失）" if key in known else "（备份中没有此文件）"))
        if set(missing) - known:
            raise SystemExit(1)

    filing = AppGroup("filing", help="动态管理 filings of listed units.")
    app.cli.add_command(filing)

    @filing.command("remind")
    @click.option("--days", type=click.IntRange(0, 365), default=None,
                  help="Remind units this many days before the due date (default 7).")
    def filing_remind(days: int | None) -> None:
        """Post reminders to units that have not filed: before the due date and once it has passed (逾期), each at
        most once per unit, window and kind, so it is safe to run daily (e.g. from cron)."""
        from app import clock
        from app.domain import filing as filings
        from app.extensions import db

        done = filings.remind(db.session, clock.now(), days_before=filings.REMIND_DAYS if days is None else days)
        db.session.commit()
        click.echo(f"已发送截止前提醒 {done.due_soon} 条，逾期提醒 {done.overdue} 条")
