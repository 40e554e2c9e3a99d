"""The demo, the README's main command: every sample imported into a fresh sandbox, exactly once."""

from __future__ import annotations

from pathlib import Path

from importer.demo import run_demo

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"


def test_the_demo_imports_every_sample_person_exactly_once(tmp_path: Path) -> None:
    demo = run_demo(SAMPLES, report_dir=tmp_path)
    names = [c["full_name"] for c in demo.stored]
    assert len(names) == len(set(names)) == demo.result.contacts_created == 25
    (grace,) = [c for c in demo.stored if c["full_name"] == "Grace Hopper-Example"]  # Google + LinkedIn
    assert grace["linkedin"] == "grace-hopper-example"
    assert "Connected on LinkedIn: 2025-02-12" in grace["description"]
    assert demo.result.count("failed") == demo.result.count("unknown") == 0
    assert [Path(p).name for p in demo.result.reports] == ["failures-contacts.csv"]
    assert "Conference" in demo.tags and "Investors" in demo.tags and "myContacts" not in demo.tags
