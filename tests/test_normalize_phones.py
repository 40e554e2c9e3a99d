"""Tests for importer.normalize.phones: every trap is reported, nothing is guessed.

Numbers are fictitious: US 555-01xx, UK Ofcom drama range 020 7946 0xxx, French ARCEP fiction range
01 99 00 xx xx, Australian ACMA range 0491 570 xxx, German 030 5550xxx; IN/CN ones are patterned 555 0134.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.errors import UsageError
from importer.normalize.phones import PhoneResult, check_region, sanitize_phone


def kinds(result: PhoneResult | None) -> list[str]:
    assert result is not None
    return [kind for kind, _ in result.problems]


@pytest.mark.parametrize(("raw", "region", "e164", "code"), [
    ("(212) 555-0134", "US", "+12125550134", "+1"),
    ("212.555.0134", "US", "+12125550134", "+1"),
    ("1 212 555 0134", "US", "+12125550134", "+1"),
    ("+1 212-555-0134", None, "+12125550134", "+1"),
    ("+44 20 7946 0958", "US", "+442079460958", "+44"),    # "+" wins over --region
    ("+44 (0)20 7946 0958", None, "+442079460958", "+44"),  # the "(0)" British habit
    ("020 7946 0958", "GB", "+442079460958", "+44"),
    ("030 5550123", "DE", "+49305550123", "+49"),
    ("01 99 00 12 34", "FR", "+33199001234", "+33"),
    ("0044 20 7946 0958", "GB", "+442079460958", "+44"),    # 00 is GB's own international prefix
    ("01144 20 7946 0958", "US", "+442079460958", "+44"),   # 011 is the US one
    ("442079460958", "GB", "+442079460958", "+44"),         # country code without "+"
    ("tel:+1-212-555-0134", None, "+12125550134", "+1"),
    ("Mobile: 212-555-0134", "US", "+12125550134", "+1"),
    ("＋1 212 555 0134", None, "+12125550134", "+1"),        # full-width plus from CJK keyboards
])
def test_clean_numbers_are_sanitized_without_problems(raw: str, region: str | None, e164: str, code: str) -> None:
    assert sanitize_phone(raw, region=region) == PhoneResult(raw, e164, code, ())


def test_written_number_is_only_trimmed() -> None:
    result = sanitize_phone("  (212) 555-0134\t", region="US")
    assert result == PhoneResult("(212) 555-0134", "+12125550134", "+1", ())


@pytest.mark.parametrize("raw", ["", "   ", "\t\n"])
def test_blank_is_none(raw: str) -> None:
    assert sanitize_phone(raw, region="US") is None


def test_national_number_without_region_is_kept_not_guessed() -> None:
    assert sanitize_phone("555-0134", region=None) == PhoneResult("555-0134", None, None, (
        ("phone-no-region", "'555-0134' has no country code and no --region was given: kept as written, not "
         "sanitized; pass --region US (or the right country) to sanitize it"),))


def test_wrong_region_trap_is_reported_not_sanitized() -> None:
    # A US number read as GB would be +442025550147; GB numbers are written with their trunk prefix 0.
    assert sanitize_phone("202-555-0147", region="GB") == PhoneResult("202-555-0147", None, None, (
        ("phone-region-suspect", "'202-555-0147' was read with --region GB, but GB numbers are written with the "
         "trunk prefix 0 and this one has none: kept as written, not sanitized; write it with its +country "
         "code or check --region"),))


@pytest.mark.parametrize(("raw", "region"), [("2079460958", "GB"), ("305550123", "DE"), ("199001234", "FR"),
                                             ("491 570 006", "AU")])
def test_valid_digits_without_trunk_prefix_are_suspect(raw: str, region: str) -> None:
    result = sanitize_phone(raw, region=region)
    assert result is not None and result.sanitized is None
    assert kinds(result) == ["phone-region-suspect"]


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("212-555-0134", "US", "+12125550134"),     # US has national prefix "1" but no rule writes it
    ("98555 00134", "IN", "+919855500134"),     # IN rules write "0" but mark it optional
    ("139 5550 0134", "CN", "+8613955500134"),  # CN mobiles have no prefix rule
])
def test_numbers_written_without_trunk_prefix_by_custom_are_not_suspect(raw: str, region: str, e164: str) -> None:
    result = sanitize_phone(raw, region=region)
    assert result is not None and (result.sanitized, result.problems) == (e164, ())


@pytest.mark.parametrize("region", ["US", None])
def test_00_prefix_read_as_plus_when_library_would_not(region: str | None) -> None:
    assert sanitize_phone("0044 20 7946 0958", region=region) == PhoneResult(
        "0044 20 7946 0958", "+442079460958", "+44",
        (("phone-idd-00", "'0044 20 7946 0958' starts with 00: read it as the international prefix, "
          "+442079460958; write it with + to make that explicit"),))


def test_00_prefix_that_gives_no_valid_number_is_not_sanitized() -> None:
    result = sanitize_phone("0099 1234", region="US")
    assert result is not None and result.sanitized is None
    assert kinds(result) == ["invalid-phone"]


def test_vanity_letters_are_converted_and_reported() -> None:
    assert sanitize_phone("1-800-FLOWERS", region="US") == PhoneResult("1-800-FLOWERS", "+18003569377", "+1", (
        ("phone-letters", "'1-800-FLOWERS' has letters: read them as keypad digits, +18003569377; check the "
         "number if the letters were not meant to be dialled"),))


def test_stray_trailing_letter_is_not_a_vanity_number() -> None:
    assert kinds(sanitize_phone("212-555-0134 x", region="US")) == []


@pytest.mark.parametrize(("raw", "tail"), [
    ("212-555-0134p123", "p123"), ("212-555-0134w123", "w123"), ("212-555-0134,,123", ",,123"),
    ("212-555-0134;123", ";123"), ("212-555-0134 , 1 #", ", 1 #"),
])
def test_postdial_digits_are_dropped_from_sanitized_and_reported(raw: str, tail: str) -> None:
    assert sanitize_phone(raw, region="US") == PhoneResult(raw, "+12125550134", "+1", (
        ("phone-postdial", f"{raw!r} has digits dialled after connecting ({tail!r}): left them out of the "
         "sanitized number +12125550134; keep them in a note if they matter"),))


@pytest.mark.parametrize("raw", ["212-555-0134 x123", "212-555-0134 ext. 123", "212-555-0134#123",
                                 "(212) 555-0134 extension 123", "+1 212 555 0134 X 123"])
def test_extension_is_reported_and_kept_in_written_number(raw: str) -> None:
    assert sanitize_phone(raw, region="US") == PhoneResult(raw, "+12125550134", "+1", (
        ("phone-extension", f"{raw!r} has extension 123, which E.164 cannot hold: sanitized the main number "
         "+12125550134 and kept the extension in the written number"),))


def test_extension_and_postdial_together() -> None:
    assert kinds(sanitize_phone("+1 212 555 0134 ext 7, 9", region=None)) == ["phone-postdial", "phone-extension"]


@pytest.mark.parametrize(("raw", "region"), [
    ("+1 212-555-01345555", None),   # too long: parses, but is not a valid number
    ("+1 212 555", None),            # too short
    ("212-555-0134 home", "US"),     # letters turned into digits make it too long
    ("00", "US"),
    ("++1", None),
])
def test_invalid_numbers_are_kept_not_sanitized(raw: str, region: str | None) -> None:
    result = sanitize_phone(raw, region=region)
    assert result is not None and (result.phone_number, result.sanitized, result.country_code) == (raw, None, None)
    assert kinds(result) == ["invalid-phone"]


def test_invalid_number_message_names_the_region() -> None:
    assert sanitize_phone("212-555-01", region="US") == PhoneResult("212-555-01", None, None, (
        ("invalid-phone", "'212-555-01' is not a valid phone number for US: kept as written, not sanitized; "
         "check the digits or write it with its +country code"),))


@pytest.mark.parametrize("raw", ["n/a", "none", "-", "+", "call me"])
def test_no_digits_is_invalid(raw: str) -> None:
    assert sanitize_phone(raw, region="US") == PhoneResult(raw, None, None, (
        ("invalid-phone", f"{raw!r} has no digits: kept as written, not sanitized; fix the number in the file "
         "if it should be a phone number"),))


@pytest.mark.parametrize(("code", "expected"), [("us", "US"), ("GB", "GB"), (" de ", "DE")])
def test_check_region_accepts_iso_codes(code: str, expected: str) -> None:
    assert check_region(code) == expected


@pytest.mark.parametrize(("code", "message"), [
    ("UK", "unknown phone region 'UK' (did you mean GB?): use a two-letter ISO 3166 country code such as US, "
           "GB or DE"),
    ("+44", "unknown phone region '+44' (did you mean GB?): use a two-letter ISO 3166 country code such as US, "
            "GB or DE"),
    ("XX", "unknown phone region 'XX': use a two-letter ISO 3166 country code such as US, GB or DE"),
])
def test_check_region_rejects_unknown_codes_with_did_you_mean(code: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_region(code)
    assert str(caught.value) == message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from([None, "US", "GB", "DE", "FR"]))
def test_arbitrary_text_never_raises(raw: str, region: str | None) -> None:
    result = sanitize_phone(raw, region=region)
    if result is None:
        assert raw.strip() == ""
    else:
        assert result.phone_number == raw.strip()
        assert (result.sanitized is None) == (result.country_code is None)
        assert result.sanitized is not None or result.problems


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789+()-. xXpw,;#", max_size=30), st.sampled_from([None, "US", "GB"]))
def test_phone_like_text_never_raises(raw: str, region: str | None) -> None:
    sanitize_phone(raw, region=region)
