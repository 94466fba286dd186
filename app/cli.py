"""Command-line entry points: `flask seed` (reference and demo data)."""
import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo/--no-demo", default=True, help="Also create the demo batch and demo accounts.")
    def seed(demo: bool) -> None:
        """Load the reference data of seeds/ (and demo accounts); safe to run again."""
        from app.seeding import load

        stats = load(demo=demo)
        if not stats:
            click.echo("参考数据已是最新，无变更。")
            return
        for key, count in sorted(stats.items()):
            table, what = key[:-1], {"+": "新增", "~": "更新"}[key[-1]]
            click.echo(f"{table}: {what} {count}")
