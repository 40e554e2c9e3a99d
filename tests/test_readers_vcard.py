"""Tests for the vCard reader: one fixture per real-world quirk, exact values, and fuzzing for robustness."""

from __future__ import annotations

import io
import itertools
import re
import runpy
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.errors import InputError
from importer.model import Record
from importer.readers.vcard import CardFailure, read_vcard
from importer.readers.vcard_lines import physical_lines
from importer.readers.vcard_property import decode_quoted_printable

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"

# Values shared by most cards, to keep the table below about the quirk each fixture shows.
def _person(family: str, given: str, version: str = "3.0") -> dict[str, str]:
    """Return the VERSION, FN (given family), N.family and N.given columns of a plain card."""
    return {"VERSION": version, "FN": f"{given} {family}", "N.family": family, "N.given": given}


EXPECTED: dict[str, list[tuple[int, dict[str, str]]]] = {
    "v21-quoted-printable-soft-breaks.vcf": [(1, {
        **_person("Петров", "Иван", "2.1"), "TEL 1 - Value": "+12125550134", "TEL 1 - Label": "Mobile"})],
    "v21-qp-soft-break-inside-utf8-sequence.vcf": [(1, {
        **_person("Vasquez", "Lena", "2.1"), "NOTE": "Позвонить в понедельник"})],
    "v21-qp-value-ends-on-soft-break.vcf": [(1, {
        "VERSION": "2.1", "N.given": "Иван", "FN": "Иван", "TEL 1 - Value": "+12125550135",
        "TEL 1 - Label": "Mobile"})],
    "v21-qp-without-charset.vcf": [(1, {
        **_person("Ortega", "René", "2.1"),
        "ADR 1 - Formatted": "12 Rue de la Paix, Bâtiment B, Lyon, 69001, France", "ADR 1 - Label": "Home"})],
    "v21-blank-line-after-photo.vcf": [(1, {
        **_person("Quillon", "Mara", "2.1"), "PHOTO": "1", "TEL 1 - Value": "+12125550147",
        "TEL 1 - Label": "Mobile", "EMAIL 1 - Value": "mara.quillon@example.com"})],
    "v21-bare-type-parameters.vcf": [(1, {
        **_person("Brandt", "Oskar", "2.1"),
        "TEL 1 - Value": "+12125550112", "TEL 1 - Label": "Home",
        "TEL 2 - Value": "+12125550110", "TEL 2 - Label": "Mobile",
        "TEL 3 - Value": "+12125550111", "TEL 3 - Label": "Work Fax",
        "EMAIL 1 - Value": "oskar@example.com", "EMAIL 1 - Label": "Home",
        "EMAIL 2 - Value": "oskar.brandt@example.org", "EMAIL 2 - Label": "Work",
        "ADR 1 - Formatted": "400 Market St, Springfield, IL, 62701, USA", "ADR 1 - Label": "Work"})],
    "v21-nested-agent.vcf": [(1, {
        **_person("Ferreira", "Lucas", "2.1"), "AGENT": "Claire Moreau", "TEL 1 - Value": "+12125550190",
        "TEL 1 - Label": "Mobile"})],
    "charset-shift-jis.vcf": [(1, {
        "VERSION": "2.1", "N.family": "山田", "N.given": "太郎", "FN": "山田 太郎", "TEL 1 - Value": "09055550123",
        "TEL 1 - Label": "Mobile"})],
    "charset-windows-1252.vcf": [(1, {
        **_person("Müller", "Zoë", "2.1"), "NOTE": "Owes me €5 – café"})],
    "utf16-be-no-bom.vcf": [(1, {**_person("Ström", "Åsa"), "EMAIL 1 - Value": "asa.strom@example.com"})],
    "utf16-le-bom.vcf": [(1, {**_person("Ng", "Wei"), "TEL 1 - Value": "+1 212-555-0181", "TEL 1 - Label": "Work"})],
    "mixed-crlf-lf.vcf": [(1, {**_person("Quinn", "Dara"), "NOTE": "folded across both kinds of line end"})],
    "ios-cr-cr-lf.vcf": [
        (1, {**_person("Achebe", "Nkem"), "NOTE": "a note folded over CR CR LF", "TEL 1 - Value": "+1 212-555-0189",
             "TEL 1 - Label": "Mobile"}),
        (9, {"VERSION": "3.0", "FN": "Obi Achebe"})],
    "apple-item-labels.vcf": [(1, {
        **_person("Hale", "Priya"), "X-ABADR": "us",
        "EMAIL 1 - Value": "priya.hale@example.com", "EMAIL 1 - Label": "Other",
        "TEL 1 - Value": "+1 212-555-0160", "TEL 1 - Label": "iPhone",
        "TEL 2 - Value": "+1 212-555-0161", "TEL 2 - Label": "Boat",
        "URL 1 - Value": "https://priya.example.com", "URL 1 - Label": "HomePage",
        "ADR 1 - Formatted": "1 Infinite Loop, Cupertino, CA, 95014, United States", "ADR 1 - Label": "Home"})],
    "apple-company-card.vcf": [(1, {
        "VERSION": "3.0", "PRODID": "-//Apple Inc.//iPhone OS 17.0//EN", "FN": "Example Bakery",
        "ORG": "Example Bakery", "X-ABShowAs": "COMPANY", "TEL 1 - Value": "+1 212-555-0170",
        "TEL 1 - Label": "Main"})],
    "apple-social-profiles.vcf": [(1, {
        **_person("Okafor", "Chidi"),
        "X-SOCIALPROFILE 1 - Value": "http://www.linkedin.com/in/chidi-okafor-example",
        "X-SOCIALPROFILE 1 - Type": "linkedin",
        "X-SOCIALPROFILE 2 - Value": "http://twitter.com/chidiexample", "X-SOCIALPROFILE 2 - Type": "twitter"})],
    "apple-social-profile-x-user.vcf": [(1, {
        **_person("Example", "Rui"),
        "X-SOCIALPROFILE 1 - Value": "rui_example", "X-SOCIALPROFILE 1 - Type": "twitter",
        "X-SOCIALPROFILE 2 - Value": "https://www.linkedin.com/in/rui-example",
        "X-SOCIALPROFILE 2 - Type": "linkedin"})],
    "apple-birthday-omit-year.vcf": [(1, {**_person("Lindqvist", "Sofia"), "BDAY": "--03-14"})],
    "apple-abdate-relatednames.vcf": [(1, {
        **_person("Marsh", "Declan"),
        "X-ABDATE 1 - Value": "2011-06-18", "X-ABDATE 1 - Label": "Anniversary",
        "X-ABDATE 2 - Value": "2015-09-01", "X-ABDATE 2 - Label": "Started at Example Co",
        "X-ABRELATEDNAMES 1 - Value": "Aoife Marsh", "X-ABRELATEDNAMES 1 - Label": "Spouse",
        "X-ABRELATEDNAMES 2 - Value": "Ruth Marsh", "X-ABRELATEDNAMES 2 - Label": "Mother"})],
    "apple-impp.vcf": [(1, {
        **_person("Sato", "Kenji"), "IMPP 1 - Value": "kenji.sato.example", "IMPP 1 - Type": "Skype",
        "IMPP 2 - Value": "kenji@example.com", "IMPP 2 - Type": "xmpp"})],
    "apple-inline-photo-folded.vcf": [(1, {
        **_person("Reyes", "Camila"), "PHOTO": "1", "EMAIL 1 - Value": "camila.reyes@example.com",
        "EMAIL 1 - Label": "Home"})],
    "google-phonetic-names.vcf": [(1, {
        "VERSION": "3.0", "FN": "山本 花子", "N.family": "山本", "N.given": "花子", "X-PHONETIC-FIRST-NAME": "はなこ",
        "X-PHONETIC-LAST-NAME": "やまもと", "EMAIL 1 - Value": "hanako@example.com", "EMAIL 1 - Label": "Home"})],
    "google-address-in-street.vcf": [(1, {
        **_person("Flores", "Nadia"),
        "ADR 1 - Formatted": "742 Evergreen Terrace, Apt 3, Springfield, OR 97403, USA", "ADR 1 - Label": "Home"})],
    "google-escaped-url.vcf": [(1, {
        **_person("Grant", "Theo"), "URL 1 - Value": "http://theo.example.com/blog", "URL 1 - Label": "PROFILE",
        "URL 2 - Value": "https://example.org/team/theo", "URL 2 - Label": "Work"})],
    "google-categories.vcf": [(1, {
        **_person("Duarte", "Ines"), "CATEGORIES": "myContacts ::: Book Club ::: Climbing, Indoor"})],
    "google-long-folded-note.vcf": [(1, {
        **_person("Adebayo", "Felix"),
        "NOTE": "Met at the Example Conference 2019, Berlin; talked about distributed systems and coffee.\n"
                "Follow up: send the paper, then schedule a call in Q3.\nLikes: hiking; jazz; chess."})],
    "v4-tel-uri.vcf": [(1, {
        **_person("Nwosu", "Amara", "4.0"), "TEL 1 - Value": "+1-555-555-0100", "TEL 1 - Label": "Mobile",
        "TEL 2 - Value": "+1-212-555-0120 ext. 42", "TEL 2 - Label": "Work"})],
    "v4-quoted-type-list.vcf": [(1, {
        **_person("Berg", "Jonas", "4.0"), "TEL 1 - Value": "+1-212-555-0121", "TEL 1 - Label": "Work",
        "TEL 2 - Value": "+1 212-555-0122", "TEL 2 - Label": "Home Fax",
        "EMAIL 1 - Value": "jonas@example.com", "EMAIL 1 - Label": "Home"})],
    "v4-pref-parameter.vcf": [(1, {
        **_person("Tanaka", "Keiko", "4.0"), "EMAIL 1 - Value": "keiko@example.com",
        "EMAIL 2 - Value": "keiko.work@example.org", "EMAIL 2 - Label": "Work",
        "EMAIL 3 - Value": "keiko.home@example.com", "EMAIL 3 - Label": "Home"})],
    "v4-altid-alternatives.vcf": [(1, {**_person("Demir", "Yusuf", "4.0"), "TITLE": "Engineer"})],
    "v4-sort-as-quoted-semicolon.vcf": [(1, {
        "VERSION": "4.0", "FN": "Margot van Dijk", "N.family": "van Dijk", "N.given": "Margot",
        "ORG": "Example Labs", "ORG.unit": "R&D"})],
    "v4-photo-data-uri.vcf": [(1, {
        **_person("Kaya", "Elif", "4.0"), "PHOTO": "1", "EMAIL 1 - Value": "elif.kaya@example.com"})],
    "v3-photo-data-uri.vcf": [(1, {
        **_person("Costa", "Bruno"), "PHOTO": "1", "TEL 1 - Value": "+1 212-555-0131", "TEL 1 - Label": "Mobile"})],
    "v4-bday-text.vcf": [(1, {
        **_person("Example", "Ada", "4.0"), "BDAY": "circa 1800", "ANNIVERSARY": "--06-12", "KIND": "individual"})],
    "v4-caret-escapes.vcf": [(1, {
        **_person("Lind", "Rosa", "4.0"), "ADR 1 - Formatted": 'Example Co, Building "B", Top ^ floor',
        "ADR 1 - Label": "Work"})],
    "v4-geo-uri.vcf": [(1, {**_person("Haddad", "Omar", "4.0"), "GEO": "37.386013,-122.082932"})],
    "v3-geo-semicolon.vcf": [(1, {**_person("Romano", "Lucia"), "GEO": "41.902782,12.496366"})],
    "missing-end-at-eof.vcf": [
        (1, _person("Olsen", "Henrik")),
        (6, {**_person("Olsen", "Greta"), "EMAIL 1 - Value": "greta.olsen@example.com"})],
    "missing-end-before-next-card.vcf": [
        (1, {"VERSION": "3.0", "FN": "Pavel Novak", "EMAIL 1 - Value": "pavel@example.com"}),
        (5, {"VERSION": "3.0", "FN": "Jana Novak", "EMAIL 1 - Value": "jana@example.com"})],
    "no-name-only-email.vcf": [(1, {"VERSION": "3.0", "EMAIL 1 - Value": "someone.unnamed@example.com"})],
    "no-version.vcf": [(1, {
        "FN": "Iris Walsh", "N.family": "Walsh", "N.given": "Iris", "TEL 1 - Value": "+1 212-555-0150"})],
    "comment-lines.vcf": [(2, {**_person("Almeida", "Victor"), "FN": "Victor Hugo Almeida",
                               "N.additional": "Hugo"})],
    "lowercase-begin.vcf": [(1, {**_person("Blake", "Nora"), "EMAIL 1 - Value": "nora.blake@example.com"})],
    "continuation-without-space.vcf": [(1, {
        **_person("Patel", "Samir"),
        "NOTE": "First line of a note that an exporter wrote\nwithout folding it properly\nand a third line",
        "TEL 1 - Value": "+1 212-555-0155", "TEL 1 - Label": "Mobile"})],
    "photo-invalid-base64.vcf": [(1, {
        **_person("Harper", "Gwen"), "PHOTO": "1", "EMAIL 1 - Value": "gwen.harper@example.com"})],
    "bday-basic-format.vcf": [
        (1, {"VERSION": "3.0", "FN": "Tomasz Zielinski", "BDAY": "1980-03-22"}),
        (6, {"VERSION": "3.0", "FN": "Ewa Zielinska", "BDAY": "--01-01"}),
        (11, {"VERSION": "3.0", "FN": "Piotr Zielinski", "BDAY": "1975-11-30"})],
    "unknown-properties-kept.vcf": [(1, {
        **_person("Kim", "Hana"), "PRODID": "-//Example Exporter//EN",
        "UID": "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1", "REV": "2024-01-15T10:00:00Z",
        "NICKNAME": "Hanny", "TITLE": "Product Manager", "ROLE": "Team lead", "X-FOO": "first", "X-FOO 2": "second",
        "X-ANDROID-CUSTOM": "vnd.android.cursor.item/nickname;Hanny;1;;;;;;;;;;;;;", "CLASS": "PUBLIC"})],
}


def _read(name: str) -> list[Record | CardFailure]:
    """Return everything the reader gives for fixture `name`."""
    path = FIXTURES / name
    return list(read_vcard(name, lambda: path.open("rb")))


def _read_bytes(data: bytes, name: str = "mem.vcf") -> list[Record | CardFailure]:
    """Return everything the reader gives for a file holding `data`."""
    return list(read_vcard(name, lambda: io.BytesIO(data)))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_gives_exact_values(name: str) -> None:
    items = _read(name)
    assert all(isinstance(item, Record) for item in items), items
    assert [(item.line, dict(item.values)) for item in items] == EXPECTED[name]  # type: ignore[union-attr]


def test_every_fixture_has_expectations() -> None:
    on_disk = {path.name for path in FIXTURES.glob("*.vcf")} - {"mixed-good-and-broken-cards.vcf"}
    assert on_disk == set(EXPECTED)


def test_binary_fixtures_are_what_the_generator_writes() -> None:
    generated = runpy.run_path(str(FIXTURES / "make_binary_fixtures.py"))["fixtures"]()
    for name, data in generated.items():
        assert (FIXTURES / name).read_bytes() == data, f"rerun make_binary_fixtures.py for {name}"


def test_mixed_file_keeps_every_good_card_and_fails_each_broken_one_with_its_line() -> None:
    items = _read("mixed-good-and-broken-cards.vcf")
    summary = [(type(item).__name__, item.line) for item in items]
    assert summary == [("Record", 1), ("CardFailure", 6), ("Record", 10), ("CardFailure", 15), ("Record", 17)]
    failures = [item for item in items if isinstance(item, CardFailure)]
    assert failures[0] == CardFailure(
        "mixed-good-and-broken-cards.vcf", 6, "the card holds no vCard properties; line 7 is not NAME:value",
        "BEGIN:VCARD\n@@@ this is not a property\nneither is this\nEND:VCARD\n")
    assert failures[1].reason == "the card holds no vCard properties"
    assert failures[1].raw == "BEGIN:VCARD\nEND:VCARD\n"
    good = [dict(item.values) for item in items if isinstance(item, Record)]
    assert [values["FN"] for values in good] == ["Good One", "Good Two", "Good Three"]


def test_raw_is_the_cards_original_text_with_its_own_line_endings() -> None:
    first = _read("ios-cr-cr-lf.vcf")[0]
    data = (FIXTURES / "ios-cr-cr-lf.vcf").read_bytes().decode("utf-8")
    assert first.raw == data[:data.index("END:VCARD\r\r\n") + len("END:VCARD\r\r\n")]


def test_raw_of_a_shift_jis_card_is_decoded_with_its_charset() -> None:
    (card,) = _read("charset-shift-jis.vcf")
    assert isinstance(card, Record)
    assert "N;CHARSET=SHIFT_JIS:山田;太郎;;;\r\n" in card.raw


def test_raw_of_a_utf16_card_is_text() -> None:
    (card,) = _read("utf16-be-no-bom.vcf")
    assert card.raw.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ström;Åsa;;;\r\n")


def test_missing_end_is_a_notice_on_the_record() -> None:
    notices = [n for item in _read("missing-end-at-eof.vcf") for n in item.notices]  # type: ignore[union-attr]
    assert [(n.line, n.kind, n.message) for n in notices] == [
        (6, "vcard-no-end", "this card has no END:VCARD; it was read up to line 10")]


def test_a_stray_line_before_any_property_is_a_notice_and_the_card_is_kept() -> None:
    (card,) = _read_bytes(b"BEGIN:VCARD\n%%% stray\nFN:Lea Stone\nEND:VCARD\n")
    assert isinstance(card, Record)
    assert dict(card.values) == {"FN": "Lea Stone"}
    assert [(n.line, n.kind) for n in card.notices] == [(2, "vcard-line-skipped")]


def test_an_unknown_charset_is_read_as_utf8_with_a_notice() -> None:
    (card,) = _read_bytes("BEGIN:VCARD\nFN;CHARSET=X-MADE-UP:Zoë Park\nEND:VCARD\n".encode())
    assert isinstance(card, Record)
    assert dict(card.values) == {"FN": "Zoë Park"}
    assert [(n.line, n.column, n.message) for n in card.notices] == [
        (2, "FN", "unknown CHARSET=X-MADE-UP; read as utf-8")]


def test_repeated_single_properties_are_numbered_not_lost() -> None:
    (card,) = _read_bytes(b"BEGIN:VCARD\nFN:A B\nFN:A C\nNOTE:one\nNOTE:two\nN:B;A\nN:C;A\nEND:VCARD\n")
    assert dict(card.values) == {  # type: ignore[union-attr]
        "FN": "A B", "FN 2": "A C", "NOTE": "one", "NOTE 2": "two", "N.family": "B", "N.given": "A",
        "N 2.family": "C", "N 2.given": "A"}


def test_a_utf8_byte_order_mark_is_ignored() -> None:
    (card,) = _read_bytes(b"\xef\xbb\xbfBEGIN:VCARD\r\nFN:Zo\xc3\xab Park\r\nEND:VCARD\r\n")
    assert dict(card.values) == {"FN": "Zoë Park"}  # type: ignore[union-attr]


def test_base64_values_are_never_kept_as_garbage_text() -> None:
    data = (b"BEGIN:VCARD\nFN:Ola Berg\nX-MS-CARDPICTURE;TYPE=JPEG;ENCODING=BASE64:/9j/4AAQSkZJRg==\n"
            b"X-NOTE-B64;ENCODING=b:SGVsbG8gdGhlcmU=\nX-BLOB;ENCODING=b:/9j/4AAQSkZJRg==\nEND:VCARD\n")
    (card,) = _read_bytes(data)
    assert isinstance(card, Record)
    assert dict(card.values) == {"FN": "Ola Berg", "PHOTO": "1", "X-NOTE-B64": "Hello there"}
    assert [(n.line, n.column, n.message) for n in card.notices] == [
        (5, "X-BLOB", "a binary (base64) value was skipped")]


def test_quoted_printable_line_breaks_become_newlines() -> None:
    (card,) = _read_bytes(b"BEGIN:VCARD\nNOTE;ENCODING=QUOTED-PRINTABLE:one=0D=0Atwo\nEND:VCARD\n")
    assert dict(card.values) == {"NOTE": "one\ntwo"}  # type: ignore[union-attr]


def test_agent_names_the_embedded_card_in_every_form() -> None:
    data = (b"BEGIN:VCARD\nFN;ALTID=1:Ann Lee\nFN;ALTID=1:Ann Lee-Park\nAGENT:\nBEGIN:VCARD\nFN:Cy Moor\nEND:VCARD\n"
            b"AGENT:BEGIN:VCARD\\nFN:Sue Tam\\nEND:VCARD\\n\nAGENT;VALUE=uri:CID:part3@example.com\nEND:VCARD\n")
    (card,) = _read_bytes(data)
    assert dict(card.values) == {  # type: ignore[union-attr]
        "FN": "Ann Lee", "AGENT": "Cy Moor", "AGENT 2": "Sue Tam", "AGENT 3": "CID:part3@example.com"}


@pytest.mark.parametrize("data", [b"", b"\n\n", b"Name,Email\nJo,jo@example.com\n", b"\xff\xfe\x00"])
def test_a_file_without_any_card_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match=r"^mem\.vcf: no BEGIN:VCARD line, so this is not a vCard file"):
        _read_bytes(data)


def test_a_file_that_cannot_be_opened_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "gone.vcf"
    with pytest.raises(InputError, match=r"^gone\.vcf: cannot open the file \(No such file or directory\)"):
        list(read_vcard("gone.vcf", lambda: missing.open("rb")))


class _EndlessCards(io.RawIOBase):
    """A stream of identical cards that never ends, to prove the reader is lazy."""

    def __init__(self) -> None:
        self.card = b"BEGIN:VCARD\r\nFN:Ivy Loop\r\nEND:VCARD\r\n"
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        offset = self.sent % len(self.card)
        data = (self.card[offset:] + self.card * (len(buffer) // len(self.card) + 1))[:len(buffer)]
        buffer[:len(data)] = data
        self.sent += len(data)
        return len(data)


def test_the_reader_is_lazy() -> None:
    endless = _EndlessCards()
    first = list(itertools.islice(read_vcard("endless.vcf", lambda: cast(BinaryIO, io.BufferedReader(endless))), 5000))
    assert [item.line for item in first[:3]] == [1, 4, 7]
    assert all(dict(item.values) == {"FN": "Ivy Loop"} for item in first)  # type: ignore[union-attr]
    assert endless.sent < 1_000_000


def test_line_ends_split_across_chunks_give_the_same_lines() -> None:
    data = b"A\r\r\nB\rC\r\nD\nE\r"
    whole = [(line.number, line.content, line.ending) for line in physical_lines([data])]
    assert whole == [(1, b"A", b"\r\r\n"), (2, b"B", b"\r"), (3, b"C", b"\r\n"), (4, b"D", b"\n"), (5, b"E", b"\r")]
    for cut in range(len(data) + 1):
        for cut2 in range(cut, len(data) + 1):
            chunks = [data[:cut], data[cut:cut2], data[cut2:]]
            assert [(l.number, l.content, l.ending) for l in physical_lines(chunks)] == whole


def _lines_by_regex(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """The lines of `data` as the format defines them, by one regex split (CR CR LF, CR LF, LF, lone CR)."""
    parts = re.split(rb"(\r*\n|\r)", data)
    lines = [(n + 1, parts[i], parts[i + 1]) for n, i in enumerate(range(0, len(parts) - 1, 2))]
    return lines + ([(len(lines) + 1, parts[-1], b"")] if parts[-1] else [])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"BEGIN:VCARD", b" x", b"\n", b"\r\n", b"\r", b"\r\r\n"]), max_size=40),
       st.lists(st.integers(min_value=0, max_value=200), max_size=4))
def test_lines_are_the_same_however_the_file_is_cut(pieces: list[bytes], cuts: list[int]) -> None:
    # chunks whose lines all end alike are split at once; others line by line; a cut may fall anywhere
    data = b"".join(pieces)
    bounds = [0, *sorted(min(c, len(data)) for c in cuts), len(data)]
    chunks = [data[a:b] for a, b in itertools.pairwise(bounds)]
    assert [(l.number, l.content, l.ending) for l in physical_lines(chunks)] == _lines_by_regex(data)


def test_quoted_printable_keeps_malformed_escapes() -> None:
    assert decode_quoted_printable(b"=D0=98=zz=4") == b"\xd0\x98=zz=4"


# -- property-based: no input may crash the reader, and garbage may not cost a neighbouring card ----------

_TOKENS = [b"BEGIN:VCARD", b"begin:vcard", b"END:VCARD", b"AGENT:", b"VERSION:2.1", b"N:;;;;", b"FN:", b"\r\n",
           b"\n", b"\r", b"\r\r\n", b" ", b"\t", b"=", b"=D0", b"=\r\n", b";", b":", b",", b'"', b"\\", b"^",
           b"ENCODING=QUOTED-PRINTABLE", b"ENCODING=b", b"CHARSET=SHIFT_JIS", b"CHARSET=utf-16", b"CHARSET=idna",
           b"TYPE=pref", b"PREF=1", b"ALTID=1", b"VALUE=uri", b"item1.", b"X-ABLabel", b"TEL", b"EMAIL", b"ADR",
           b"PHOTO", b"BDAY", b"X-APPLE-OMIT-YEAR=1604", b"1604-03-14", b"GEO:geo:", b"IMPP", b"tel:", b"#",
           b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xd0", b"\x98", b"\xc3\xa9"]
_vcardish = st.lists(st.one_of(st.sampled_from(_TOKENS), st.binary(max_size=8)), max_size=60).map(b"".join)
_GOOD = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Good;Gail;;;\r\nFN:Gail Good\r\n"
         b"item1.EMAIL;type=INTERNET:gail@example.com\r\nitem1.X-ABLabel:_$!<Other>!$_\r\n"
         b"TEL;TYPE=CELL:+1 212-555-0199\r\nEND:VCARD\r\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), _vcardish))
def test_no_byte_string_raises_anything_but_input_error(data: bytes) -> None:
    try:
        items = _read_bytes(data)
    except InputError:
        return
    for item in items:
        if isinstance(item, CardFailure):
            assert not item.reason.startswith("unexpected error"), item.reason
        else:
            assert all(isinstance(v, str) and v for v in item.values.values())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(garbage=_vcardish, garbage_first=st.booleans())
def test_a_good_card_survives_any_garbage_card_next_to_it(garbage: bytes, garbage_first: bool) -> None:
    (alone,) = _read_bytes(_GOOD)
    garbage_card = b"BEGIN:VCARD\r\n" + garbage + b"\r\nEND:VCARD\r\n"
    data = garbage_card + _GOOD if garbage_first else _GOOD + garbage_card
    items = _read_bytes(data)
    good = [item for item in items if isinstance(item, Record) and item.raw == alone.raw]
    assert len(good) == 1
    assert dict(good[0].values) == dict(alone.values)  # type: ignore[union-attr]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"=", b"=3D", b"=c3=A9", b"A", b"f", b"0", b"_", b" ", b"\t", b"\r", b"\n", b"\xe9",
                                 b"=\r\n", b"= "]), max_size=30))
def test_quoted_printable_decodes_as_escapes_one_by_one(pieces: list[bytes]) -> None:
    # the C decoder is used when every "=" is an escape; it must then agree with reading escape by escape
    data = b"".join(pieces)
    assert decode_quoted_printable(data) == re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)
