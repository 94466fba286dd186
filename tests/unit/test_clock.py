"""Nothing in the application reads the system's date or time except `app.clock`."""
import ast
import datetime
from pathlib import Path

from app import clock

APP = Path(__file__).resolve().parents[2] / "app"
SYSTEM_CLOCK = {"now", "today", "utcnow"}  # datetime.datetime.now(), datetime.date.today(), …


def _system_clock_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SYSTEM_CLOCK
                and isinstance(node.func.value, (ast.Name, ast.Attribute))
                and getattr(node.func.value, "attr", getattr(node.func.value, "id", "")) in ("datetime", "date")):
            yield f"{path.relative_to(APP.parent)}:{node.lineno}"


def test_only_the_clock_reads_the_system_clock():
    calls = [call for path in APP.rglob("*.py") if path != APP / "clock.py" and "migrations" not in path.parts
             for call in _system_clock_calls(path)]
    assert calls == [], "use app.clock.now() / today() instead"


def test_the_clock_moves_and_comes_back():
    before, before_utc = clock.now(), clock.utcnow()
    with clock.moved(datetime.timedelta(days=365)):
        assert datetime.timedelta(days=365) <= clock.now() - before < datetime.timedelta(days=365, minutes=1)
        assert datetime.timedelta(days=365) <= clock.utcnow() - before_utc < datetime.timedelta(days=365, minutes=1)
    assert clock.now() - before < datetime.timedelta(minutes=1)
