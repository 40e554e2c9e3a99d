"""`dex-import import` against the sandbox over real HTTP: exactly once under faults, 400s isolated, a bad key
stopping everything, failure reports that re-import after fixing, formula cells neutralised, the key nowhere."""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.dex.client import DexClient
from importer.importing import ImportResult, SendOptions, run_import
from importer.plan.inputs import ReadOptions
from importer.report.failures import (
    ERROR_COLUMN,
    LINE_COLUMN,
    MAPPING_COLUMN,
    ROW_COLUMN,
)
from importer.sandbox import SHAPES, Faults, SandboxServer, VirtualTime
from importer.send.outcomes import SendPolicy
from tests.conftest import SANDBOX_TEST_KEY
from tests.helpers import run_cli

Start = Callable[..., SandboxServer]
LINKEDIN_HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"


def linkedin_export(path: Path, count: int) -> Path:
    """Writes a LinkedIn Connections.csv of `count` fictitious people (every 3rd with an email)."""
    rows = [LINKEDIN_HEADER]
    for n in range(count):
        email = f"member{n}@example.com" if n % 3 == 0 else ""
        rows.append(f"Member{n:03d},Example,https://www.linkedin.com/in/member-{n:03d},{email},"
                    f"Example Co,Engineer,05 Jan 2026\r\n")
    path.write_text("".join(rows), encoding="utf-8")
    return path


@pytest.fixture(params=SHAPES)
def dex_sandbox_factory(request: pytest.FixtureRequest, dex_sandbox_factory: Start) -> Start:
    """Return the sandbox factory of conftest, its sandboxes answering as Dex documents, then (a second run
    of every test here) in the other plausible shapes: the import must not care which."""
    def start(**options: object) -> SandboxServer:
        options.setdefault("shapes", request.param)
        return dex_sandbox_factory(**options)
    return start


def run(server: SandboxServer, paths: list, vt: VirtualTime, **send: object) -> ImportResult:
    with DexClient(server.api_key, api_url=server.url, timeout=10) as client:
        return run_import(paths, client, send=SendOptions(**send), clock=vt.clock, sleep=vt.sleep)  # type: ignore[arg-type]


def cli(*argv: str) -> tuple[int, str, str]:
    return run_cli(*argv)


def test_every_contact_created_exactly_once_under_503s_429s_and_drops(
        dex_sandbox_factory: Start, virtual_time: VirtualTime, tmp_path: Path) -> None:
    server = dex_sandbox_factory(faults=Faults(rate_limit=5, burst=2, error_rate=0.2, drop_after_store=0.2,
                                               seed=3))
    export = linkedin_export(tmp_path / "Connections.csv", 240)
    # starting well above the limit makes the 429s certain, whatever the threads' timing
    result = run(server, [str(export)], virtual_time, batch_size=20, policy=SendPolicy(initial_rate=50))
    stored = Counter(c["linkedin"] for c in server.store.contacts())
    assert stored == Counter(f"member-{n:03d}" for n in range(240))  # each once, none twice
    assert server.stats.rate_limited and server.stats.unavailable and server.stats.dropped
    assert (result.count("created"), result.count("failed"), result.count("unknown")) == (240, 0, 0)
    ids = {r.line: r.dex_id for r in result.records}
    assert set(ids.values()) == {c["id"] for c in server.store.contacts()}
    assert result.exit_code == 0


def test_one_invalid_contact_fails_alone_with_the_servers_message(
        dex_sandbox: SandboxServer, virtual_time: VirtualTime, tmp_path: Path) -> None:
    mapping = tmp_path / "ids.yaml"
    mapping.write_text("name: ids\nname_parts: {full: Name}\nfields: {id: Contact Id}\n", encoding="utf-8")
    data = tmp_path / "people.csv"
    rows = ["Name,Contact Id"] + [f"Person {n},3c90c3cc-0d44-4b50-8888-8dd2573605{n:02d}" for n in range(30)]
    rows[12] = "Person Broken,not-a-uuid"  # line 13 of the file
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with DexClient(dex_sandbox.api_key, api_url=dex_sandbox.url, timeout=10) as client:
        result = run_import([str(data)], client, read=ReadOptions(mapping=str(mapping)),
                            send=SendOptions(report=str(tmp_path / "report.csv")),
                            clock=virtual_time.clock, sleep=virtual_time.sleep)
    failed = [r for r in result.records if r.status == "failed"]
    assert [(r.line, r.message) for r in failed] == [(13, "contacts[0].id: expected a UUID, got 'not-a-uuid'")]
    assert result.count("created") == 29 and dex_sandbox.store.count() == 29
    assert result.exit_code == 1


def test_a_bad_key_stops_before_any_contact_is_sent(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = linkedin_export(tmp_path / "Connections.csv", 5)
    code, out, err = cli("import", str(export), "--api-url", dex_sandbox.url, "--token", "dex_wrong_key_1234",
                         "--yes", "--quiet")
    assert code == 3 and out == ""
    assert err.startswith("dex-import: Dex refused the API key (401)")
    assert "dex_wrong_key_1234" not in err
    assert dex_sandbox.store.count() == 0 and dex_sandbox.stats.requests == 1  # only GET /users/me


def test_failure_report_holds_the_rows_as_they_were_and_reimports_after_fixing(
        dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    header = "First Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\r\n"
    export = tmp_path / "contacts.csv"
    export.write_text(header
                      + "Ada,Example,* myContacts,Work,ada@example.com,Mobile,+1 212-555-0101\r\n"
                      + ",,* myContacts,Other,=HYPERLINK(\"http://example.com\"),Mobile,+1 212-555-0102\r\n"
                      + ",,* myContacts,Work,nameless@example.com,Mobile,-555-0103\r\n", encoding="utf-8")
    report = tmp_path / "report.csv"
    # --skip-nameless: the rows without a name are reported, not named after their phone and email
    code, out, err = cli("import", str(export), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                         "--report", str(report), "--json", "--quiet", "--skip-nameless")
    assert (code, err) == (1, "")
    assert json.loads(out)["report"] == [str(report)]
    with open(report, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [LINE_COLUMN, ROW_COLUMN, ERROR_COLUMN, *header.strip().split(","), MAPPING_COLUMN]
    # where and why first; formula-like cells are neutralised with an apostrophe; the rest is as it was
    assert rows[1] == ["3", "3", "no name (only +1 212-555-0102): not sent; add a name to the row to import it",
                       "", "", "* myContacts", "Other", "'=HYPERLINK(\"http://example.com\")", "Mobile",
                       "'+1 212-555-0102", "google"]
    assert rows[2][:10] == ["4", "4", rows[2][2], "", "", "* myContacts", "Work", "nameless@example.com",
                            "Mobile", "'-555-0103"]

    rows[1][3], rows[1][7] = "Bea", "bea@example.com"  # the person fixes the first row in a spreadsheet
    rows[2][3] = "Cem"
    with open(report, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    code, out, err = cli("import", str(report), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                         "--json", "--quiet", "--region", "US")
    assert (code, err) == (0, "")
    assert json.loads(out)["created"] == 2
    stored = {c["first_name"]: c for c in dex_sandbox.store.contacts()}
    assert set(stored) == {"Ada", "Bea", "Cem"}
    full = DexClient(SANDBOX_TEST_KEY, api_url=dex_sandbox.url).get_contact(stored["Bea"]["id"])
    assert full["contact_phone_numbers"][0]["phone_number"] == "+1 212-555-0102"  # the apostrophe is gone


def test_import_json_matches_the_library_result(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = linkedin_export(tmp_path / "Connections.csv", 4)
    code, out, err = cli("import", str(export), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                         "--json")
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert {k: data[k] for k in ("created", "skipped", "failed", "unknown", "report")} == {
        "created": 4, "skipped": 0, "failed": 0, "unknown": 0, "report": []}
    ids = {c["id"] for c in dex_sandbox.store.contacts()}
    assert [(r["line"], r["status"]) for r in data["records"]] == [(n, "created") for n in range(2, 6)]
    assert {r["id"] for r in data["records"]} == ids


def test_the_key_appears_nowhere(dex_sandbox_factory: Start, tmp_path: Path,
                                 caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    secret = "dex_s3cret_key_that_must_never_leak"
    server = dex_sandbox_factory(api_key=secret, faults=Faults(error_rate=0.3, seed=5))
    export = linkedin_export(tmp_path / "Connections.csv", 6)
    (tmp_path / "bad.csv").write_text(LINKEDIN_HEADER + ",,https://www.linkedin.com/in/nameless,,,,05 Jan 2026\r\n",
                                      encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    outputs = []
    for extra in ([], ["--json"]):
        code, out, err = cli("import", str(export), str(tmp_path / "bad.csv"), "--api-url", server.url,
                             "--token", secret, "--yes", *extra)
        outputs += [out, err]
    code, out, err = cli("import", str(export), "--api-url", server.url, "--token", secret + "x", "--yes")
    outputs += [out, err, caplog.text, *capfd.readouterr()]
    assert code == 3
    written = [p.read_text(encoding="utf-8-sig") for p in tmp_path.iterdir() if p.is_file()]
    assert len(written) >= 3  # the export, the bad file and at least one failure report
    for text in outputs + written:
        assert secret not in text


def test_plain_http_to_another_host_is_refused(tmp_path: Path) -> None:
    export = linkedin_export(tmp_path / "Connections.csv", 1)
    code, out, err = cli("import", str(export), "--api-url", "http://dex.example.com/v1", "--token", "dex_abc")
    assert code == 2
    assert err.startswith("dex-import: refusing to send the API key over plain http to dex.example.com")


def test_no_key_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEX_API_KEY", raising=False)
    export = linkedin_export(tmp_path / "Connections.csv", 1)
    assert cli("import", str(export)) == (
        2, "", "dex-import: no API key: pass --token KEY or set DEX_API_KEY (keys are made in Dex under "
               "Settings > API); to rehearse without one, run `dex-import sandbox`\n")


def test_vcard_failures_are_reported_as_cards(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    cards = tmp_path / "phone.vcf"
    good = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Example\r\nN:Example;Dana;;;\r\nEND:VCARD\r\n"
    nameless = "BEGIN:VCARD\r\nVERSION:3.0\r\nEMAIL:only@example.com\r\nEND:VCARD\r\n"
    cards.write_text(good + nameless, encoding="utf-8")
    code, out, err = cli("import", str(cards), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                         "--report", str(tmp_path / "failed"), "--json", "--quiet", "--skip-nameless")
    assert code == 1
    assert json.loads(out)["report"] == [str(tmp_path / "failed.vcf")]
    # the card as it was, with its line and reason (escaped as vCard text, folded at 75 octets) after BEGIN
    assert (tmp_path / "failed.vcf").read_bytes() == (
        "BEGIN:VCARD\r\nX-DEX-IMPORT-LINE:6\r\n"
        "X-DEX-IMPORT-ERROR:no name (only only@example.com): not sent\\; add a name t\r\n"
        " o the row to import it\r\n"
        "VERSION:3.0\r\nEMAIL:only@example.com\r\nEND:VCARD\r\n").encode()


def test_records_of_the_same_person_become_one_contact_with_one_id(
        dex_sandbox: SandboxServer, virtual_time: VirtualTime) -> None:
    dedupe = Path(__file__).parent / "fixtures" / "dedupe"
    result = run(dex_sandbox, [str(dedupe / "google-side.csv"), str(dedupe / "linkedin-side.csv")], virtual_time)
    assert dex_sandbox.store.count() == 1
    (stored,) = dex_sandbox.store.contacts()
    assert [(Path(r.file).name, r.line, r.status, r.dex_id, r.message) for r in result.records] == [
        ("google-side.csv", 2, "created", stored["id"], None),
        ("linkedin-side.csv", 2, "merged", stored["id"],
         f"merged into the contact of {dedupe / 'google-side.csv'}:2 (created)")]
    assert (result.count("created"), result.count("merged"), result.contacts_created) == (1, 1, 1)


GOOGLE_HEADER = "First Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value\r\n"


def google_export(path: Path, count: int) -> Path:
    """Writes a Google Contacts CSV of `count` fictitious people, each with two labels of three."""
    rows = [GOOGLE_HEADER] + [f"Person{n:03d},Example,* myContacts ::: {('Chess', 'Choir', 'Cycling')[n % 3]} "
                              f"::: Friends,Home,person{n}@example.com\r\n" for n in range(count)]
    path.write_text("".join(rows), encoding="utf-8")
    return path


def test_labels_become_tags_in_either_answer_shape(dex_sandbox: SandboxServer, tmp_path: Path) -> None:
    export = google_export(tmp_path / "contacts.csv", 7)  # the variant sandbox pages tags two at a time
    code, out, err = cli("import", str(export), "--api-url", dex_sandbox.url, "--token", SANDBOX_TEST_KEY,
                         "--json", "--quiet", "--tag", "import-1")
    assert (code, err, json.loads(out)["created"]) == (0, "", 7)
    names = {t["id"]: t["name"] for t in dex_sandbox.store.tags()}
    assert sorted(names.values()) == ["Chess", "Choir", "Cycling", "Friends", "import-1"]
    for contact in dex_sandbox.store.contacts():
        tags = {names[t] for t in dex_sandbox.store.contact_tags(contact["id"])}
        label = ("Chess", "Choir", "Cycling")[int(contact["first_name"][-3:]) % 3]
        assert tags == {label, "Friends", "import-1"}


@pytest.mark.parametrize("labels_as", ["tags", "groups"])
def test_tags_and_groups_failing_cost_no_contact(dex_sandbox_factory: Start, tmp_path: Path, labels_as: str) -> None:
    server = dex_sandbox_factory(faults=Faults(fail_paths=("/tags", "/groups")))
    export = google_export(tmp_path / "contacts.csv", 12)
    report = tmp_path / "failed.csv"
    code, out, err = cli("import", str(export), "--api-url", server.url, "--token", SANDBOX_TEST_KEY, "--json",
                         "--quiet", "--labels-as", labels_as, "--tag", "import-1", "--report", str(report))
    result = json.loads(out)
    assert (code, err) == (1, "")
    assert Counter(c["first_name"] for c in server.store.contacts()) == Counter(f"Person{n:03d}" for n in range(12))
    assert (result["created"], result["incomplete"], result["failed"], result["unknown"]) == (12, 12, 0, 0)
    kind = labels_as[:-1]
    for record in result["records"]:
        assert record["status"] == "created" and record["id"]
        message = record["message"]
        assert message.startswith(f"created without {kind} '") and "Friends" in message and "import-1" in message
        assert f"could not list Dex's {kind}s: Dex answered 500 to GET /{labels_as}" in message
    with report.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["First Name"] for r in rows] == [f"Person{n:03d}" for n in range(12)]
    assert all(r[ERROR_COLUMN].startswith(f"created without {kind}") for r in rows)
    code, text, err = cli("import", str(export), "--api-url", server.url, "--token", SANDBOX_TEST_KEY,
                          "--labels-as", labels_as, "--quiet")
    assert server.store.count() == 12  # the rerun creates nothing again


class _GhostChess(DexClient):
    """A client that lists a tag "Chess" Dex does not have (deleted since it was listed, say)."""

    def tags(self) -> list[dict[str, object]]:  # type: ignore[override]
        """Return Dex's tags and a "Chess" whose id Dex does not know."""
        return [*super().tags(), {"id": "0b7e2f4c-0000-4000-8000-00000000dead", "name": "Chess"}]


def test_a_tag_dex_does_not_know_costs_no_contact(dex_sandbox: SandboxServer, tmp_path: Path,
                                                  virtual_time: VirtualTime) -> None:
    export = google_export(tmp_path / "contacts.csv", 6)  # Person000 and Person003 carry "Chess"
    with _GhostChess(dex_sandbox.api_key, api_url=dex_sandbox.url, timeout=10) as client:
        result = run_import([str(export)], client, send=SendOptions(report=str(tmp_path / "failed.csv")),
                            clock=virtual_time.clock, sleep=virtual_time.sleep)
    assert Counter(c["first_name"] for c in dex_sandbox.store.contacts()) == Counter(f"Person{n:03d}" for n in range(6))
    assert (result.count("created"), result.count("failed"), result.incomplete) == (6, 0, 2)
    assert result.exit_code == 1
    messages = {r.line: r.message for r in result.records}
    incomplete = {line for line, m in messages.items() if m}
    assert incomplete == {2, 5}  # lines of Person000 and Person003 (line 1 is the header)
    assert all("created without its tags and groups" in messages[line] and "tags_contacts" in messages[line]
               for line in incomplete)
    names = {t["id"]: t["name"] for t in dex_sandbox.store.tags()}
    for contact in dex_sandbox.store.contacts():
        tags = {names[t] for t in dex_sandbox.store.contact_tags(contact["id"])}
        n = int(contact["first_name"][-3:])
        assert tags == (set() if n % 3 == 0 else {("Chess", "Choir", "Cycling")[n % 3], "Friends"})
