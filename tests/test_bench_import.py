"""bench/import.py reads what `rapport import` prints (a changed summary line would leave it with
no figures) and edits 1% of the rows it says it edits."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.test_ingest import BASE


def _bench() -> ModuleType:
    path = Path(__file__).parent.parent / "bench" / "import.py"
    spec = importlib.util.spec_from_file_location("bench_import", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _records(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))[1:]


def test_the_figures_are_read_from_the_real_command(tmp_path: Path) -> None:
    bench = _bench()
    url = f"sqlite:///{tmp_path / 'bench.db'}"

    run = bench.rapport_import(BASE, url, "first")
    again = bench.rapport_import(BASE, url, "again")

    expected = {path.name: len(_records(path)) for path in BASE.glob("*.csv")}
    assert {figure.name: figure.rows for figure in run.files} == expected
    assert {figure.name: figure.changed for figure in run.files} == expected
    assert {figure.name: figure.changed for figure in again.files} == dict.fromkeys(expected, 0)
    assert all(figure.rate > 0 for figure in run.files)
    assert run.rows == sum(expected.values()) and run.seconds > 0


def test_a_changed_copy_edits_every_hundredth_row(tmp_path: Path) -> None:
    bench = _bench()
    source = tmp_path / "source"
    source.mkdir()
    header = ["account_id", "id", "survey", "score", "comment", "created_at"]
    rows = [["acme", f"r{n}", "csat", "4", "", "2026-03-01T10:00:00Z"] for n in range(250)]
    with (source / "ratings.csv").open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, *rows])
    (source / "accounts.csv").write_text("id,name\nacme,Acme\n", encoding="utf-8")

    target = bench.changed_copy(source, tmp_path / "changed")

    changed = _records(target / "ratings.csv")
    assert [n for n, (old, new) in enumerate(zip(rows, changed, strict=True)) if old != new] == [
        0,
        100,
        200,
    ]
    assert changed[100] == ["acme", "r100", "csat", "4", "changed", "2026-03-01T10:00:00Z"]
    assert (target / "accounts.csv").read_text() == "id,name\nacme,Acme\n"
