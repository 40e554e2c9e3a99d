"""Lazy start-up: what `import importer`, `dex-import --help` and a CSV preview load (issue 15, item 4).

Each check runs in a fresh interpreter (a subprocess), because this test process has long since imported
everything; it prints the heavy modules found in sys.modules afterwards.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import importer

HEAVY = ("openpyxl", "numpy", "httpx", "yaml", "rich")
FIXTURES = Path(__file__).parent / "fixtures"


def _loaded_after(code: str) -> list[str]:
    """Returns the heavy modules present in sys.modules after running `code` in a fresh interpreter."""
    probe = code + f"\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    last: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return last


def test_import_importer_loads_nothing_heavy() -> None:
    assert _loaded_after("import importer") == []


def test_help_loads_neither_openpyxl_numpy_httpx_yaml_nor_rich() -> None:
    code = ("import contextlib, io\nfrom importer.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n    code = main(['--help'])\n"
            "assert code == 0 and 'usage' in out.getvalue().lower(), (code, out.getvalue())\n")
    assert _loaded_after(code) == []


def test_a_probe_would_see_a_heavy_module() -> None:
    # the probe itself can fail: a module that is loaded is reported
    assert _loaded_after("import yaml") == ["yaml"]


def test_reading_a_csv_loads_no_workbook_library_nor_httpx() -> None:
    csv_file = next(iter(sorted((FIXTURES / "csv").glob("*.csv"))))
    code = (f"from importer import open_file, map_records\nopened = open_file({str(csv_file)!r})\n"
            "assert sum(1 for _ in map_records(opened)) >= 0\n")
    loaded = _loaded_after(code)
    assert "openpyxl" not in loaded and "numpy" not in loaded and "httpx" not in loaded


def test_every_exported_name_resolves() -> None:
    for name in importer.__all__:
        value = getattr(importer, name)
        assert value is getattr(importlib.import_module(importer._WHERE[name]), name)
    assert sorted(importer.__all__) == sorted(importer._WHERE)
    assert set(importer.__all__) <= set(dir(importer))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        importer.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("importer.no_such_name resolved")


def test_a_preview_with_no_account_to_check_loads_none_of_the_sending_machinery() -> None:
    # no key, so Dex is never called: no HTTP client, no journal (sqlite), no batcher, no pacing
    sample = Path(__file__).parent.parent / "sample_data" / "google" / "contacts.csv"
    code = ("import io, os, sys\nos.environ.pop('DEX_API_KEY', None)\nfrom importer.cli.main import main\n"
            f"code = main(['preview', {str(sample)!r}, '--region', 'US'], stdout=io.StringIO(), stderr=io.StringIO())\n"
            "assert code in (0, 1), code\n"
            "import json\nprint(json.dumps(sorted(m for m in sys.modules if m in ('httpx', 'sqlite3', 'importer.importing',"
            " 'importer.dex.client') or m.startswith(('importer.send', 'importer.journal')))))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
