"""Every Chinese text the application shows has its English: the catalogue cannot fall behind the code."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_chinese_message_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([Path(sys.executable).parent / "pybabel", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-k", "N_", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(pot, "rb") as handle:
        extracted = read_po(handle)
    with open(ROOT / "translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        english = read_po(handle)
    missing = sorted(
        (m.id if isinstance(m.id, str) else m.id[0]) for m in extracted
        if m.id and not (m.id if isinstance(m.id, str) else m.id[0]).isascii()
        and (m.id not in english or not english[m.id].string or english[m.id].fuzzy))
    assert not missing, f"{len(missing)} texts without English (add them to translations/en): {missing[:20]}"


def test_a_batch_named_with_its_year_is_not_given_it_twice():
    from app.models import Batch

    assert Batch.title_of(2026, "第十批") == "2026年度 第十批"
    assert Batch.title_of(2026, "2026年度省级绿色工厂第一批") == "2026年度省级绿色工厂第一批"
    assert Batch.title_of(2026, "2026年省级绿色工厂") == "2026年省级绿色工厂"
    assert Batch.title_of(2026, "2025年度遗留批次") == "2026年度 2025年度遗留批次"
