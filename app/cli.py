"""Command-line entry points: `flask seed` (reference and demo data), `flask prune-sign-ins` (audit retention),
`flask worker` (background jobs)."""
import click
from flask import Flask


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
