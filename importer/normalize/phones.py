"""Phone numbers: the number as written, plus its E.164 form only when that form is safely known.

`sanitize_phone` never guesses a country and never drops part of a number silently: every change between
what was written and the sanitized form (letters, post-dial digits, an extension, a ``00`` prefix) comes back
as a `Problem` on the result, and a number that cannot be sanitized safely keeps only its written form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import (
    CountryCodeSource,
    NumberParseException,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
)

from importer.errors import UsageError
from importer.normalize import Problem

# Codes people type that are not ISO 3166-1 alpha-2 but mean one that is.
_REGION_ALIASES = {"UK": "GB", "EL": "GR", "EN": "GB"}

# Pause (",", "p") and wait (";", "w") characters: what follows them is dialled after the call connects
# (a PIN, a menu choice), so it is not part of the number. "p"/"w" count only right after a digit and before
# digits, so vanity numbers such as 1-800-FLOWERS keep their W.
_POSTDIAL = re.compile(r"(?:[,;]|(?<=\d)\s*[pPwW](?=[\s\d,;pPwW*#]*$))[\s\d,;pPwW*#]*$")
# Extensions as address books write them: "x123", "ext. 123", "extension 123", "#123". The marker must
# follow a digit or ")" so that a letter in a vanity number is not read as one.
_EXTENSION = re.compile(r"(?<=[\d)])\s*(?:ext(?:ension)?\.?|x\.?|#)\s*:?\s*(\d{1,10})\s*#?\s*$", re.IGNORECASE)
_TEL_SCHEME = re.compile(r"^\s*tel:\s*", re.IGNORECASE)
_NON_DIGITS = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class PhoneResult:
    """One phone number: as written, its E.164 form when safely known, and what was noticed on the way."""

    phone_number: str
    sanitized: str | None
    country_code: str | None
    problems: tuple[Problem, ...]


def check_region(code: str) -> str:
    """Return `code` as an upper-case ISO region phonenumbers knows ("us" -> "US"); raise UsageError if unknown."""
    region = code.strip().upper()
    if region in phonenumbers.SUPPORTED_REGIONS:
        return region
    suggestion = _REGION_ALIASES.get(region)
    digits = region.lstrip("+")
    if suggestion is None and digits.isdigit() and len(digits) <= 3:
        # Someone passed the calling code (44, +1) instead of the region.
        found = phonenumbers.region_code_for_country_code(int(digits))
        suggestion = found if found in phonenumbers.SUPPORTED_REGIONS else None
    hint = f" (did you mean {suggestion}?)" if suggestion else ""
    raise UsageError(f"unknown phone region {code!r}{hint}: use a two-letter ISO 3166 country code such as "
                     "US, GB or DE")


def sanitize_phone(raw: str, *, region: str | None) -> PhoneResult | None:
    """Return the written number with its E.164 form and problems, or None when `raw` is blank.

    `region` is the ISO code national numbers are read with (check it once with `check_region`); None means
    national numbers are kept as written, unsanitized.

    >>> sanitize_phone("(212) 555-0134", region="US").sanitized
    '+12125550134'
    """
    written = raw.strip()
    if not written:
        return None
    region = region.strip().upper() if region else None
    if not any(ch.isdigit() for ch in written):
        return _unsanitized(written, "invalid-phone", f"{written!r} has no digits: kept as written, not sanitized; "
                            "fix the number in the file if it should be a phone number")
    problems: list[Problem] = []
    main = _TEL_SCHEME.sub("", written)
    postdial = _POSTDIAL.search(main)
    if postdial:
        main = main[:postdial.start()]
    extension = _EXTENSION.search(main)
    if extension:
        main = main[:extension.start()]

    number, idd_problem = _parse(main, written, region)
    if isinstance(number, tuple):  # a problem instead of a number
        return _unsanitized(written, *number)
    if idd_problem:
        problems.append(idd_problem)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        where = f" for {region}" if region and not main.lstrip().startswith(("+", "＋")) else ""
        return _unsanitized(written, "invalid-phone", f"{written!r} is not a valid phone number{where}: kept as "
                            "written, not sanitized; check the digits or write it with its +country code")
    if _letters_used(main, number):
        problems.append(("phone-letters", f"{written!r} has letters: read them as keypad digits, {e164}; check "
                         "the number if the letters were not meant to be dialled"))
    if postdial:
        problems.append(("phone-postdial", f"{written!r} has digits dialled after connecting "
                         f"({postdial.group().strip()!r}): left them out of the sanitized number {e164}; "
                         "keep them in a note if they matter"))
    ext = extension.group(1) if extension else number.extension
    if ext:
        problems.append(("phone-extension", f"{written!r} has extension {ext}, which E.164 cannot hold: "
                         f"sanitized the main number {e164} and kept the extension in the written number"))
    return PhoneResult(written, e164, f"+{number.country_code}", tuple(problems))


def _parse(main: str, written: str, region: str | None) -> tuple[PhoneNumber | Problem, Problem | None]:
    """Return the parsed number (or a problem instead) and an idd-00 problem when a 00 prefix was read as +."""
    stripped = main.lstrip(" \t(")
    if stripped.startswith(("+", "＋")):
        # An international number carries its country; --region does not apply.
        number = _try_parse(main, None)
        if number is None:
            return ("invalid-phone", f"{written!r} could not be read as a phone number: kept as written, not "
                    "sanitized; check the digits"), None
        return number, None
    if stripped.startswith("00"):
        # The library reads 00 as the international prefix only where the region dials out with 00 (GB, DE);
        # under US (011) or no region, "0044 20 7946 0958" would become garbage. A valid number after "+" wins.
        as_plus = _try_parse("+" + stripped[2:], None)
        library = _try_parse(main, region) if region else None
        if library is not None and library.country_code_source == CountryCodeSource.FROM_NUMBER_WITH_IDD:
            return library, None
        if as_plus is not None and phonenumbers.is_valid_number(as_plus):
            e164 = phonenumbers.format_number(as_plus, PhoneNumberFormat.E164)
            return as_plus, ("phone-idd-00", f"{written!r} starts with 00: read it as the international prefix, "
                             f"{e164}; write it with + to make that explicit")
    if region is None:
        return ("phone-no-region", f"{written!r} has no country code and no --region was given: kept as written, "
                "not sanitized; pass --region US (or the right country) to sanitize it"), None
    number = _try_parse(main, region)
    if number is None:
        return ("invalid-phone", f"{written!r} could not be read as a phone number: kept as written, not "
                "sanitized; check the digits"), None
    if prefix := _missing_trunk_prefix(number, main, region):
        return ("phone-region-suspect", f"{written!r} was read with --region {region}, but {region} numbers are "
                f"written with the trunk prefix {prefix} and this one has none: kept as written, not sanitized; "
                "write it with its +country code or check --region"), None
    return number, None


def _missing_trunk_prefix(number: PhoneNumber, main: str, region: str) -> str | None:
    """Return the trunk prefix `region` writes before this number when `main` lacks it, else None.

    Wrong-region trap: "202-555-0147" read as GB would become +44 20 2555 0147. A person writing a GB (or DE,
    FR) number nationally writes its trunk prefix "0"; when it is missing, the number is more likely from
    another country than a GB one, so it is not sanitized. The rule comes from phonenumbers' metadata: the
    region's `national_prefix`, and the number format that applies to these digits (the one phonenumbers
    itself would use: last `leading_digits_pattern` matches, `pattern` matches all). The prefix is expected
    when that format's `national_prefix_formatting_rule` contains it ("0\\1") and its
    `national_prefix_optional_when_formatting` is not set: so GB 020..., DE 030... and AU 02... need it,
    while US numbers (rule empty), Chinese mobiles (no rule) and Indian numbers (prefix optional) do not.
    When no format applies (an invalid number), any format of the region expecting the prefix counts.
    A number written with its country code but no "+" (442079460958 under GB) is not checked.
    """
    metadata = PhoneMetadata.metadata_for_region(region)
    prefix = metadata.national_prefix if metadata else None
    if metadata is None or not prefix or number.country_code_source != CountryCodeSource.FROM_DEFAULT_COUNTRY:
        return None
    nsn = phonenumbers.national_significant_number(number)
    formats = [fmt for fmt in metadata.number_format
               if (not fmt.leading_digits_pattern or re.match(fmt.leading_digits_pattern[-1], nsn))
               and re.fullmatch(fmt.pattern or "", nsn)][:1] or list(metadata.number_format)
    if not any(prefix in (fmt.national_prefix_formatting_rule or "") and
               not fmt.national_prefix_optional_when_formatting for fmt in formats):
        return None
    digits = _digits_only(phonenumbers.convert_alpha_characters_in_number(main))
    return None if digits.startswith(prefix) else prefix


def _try_parse(text: str, region: str | None) -> PhoneNumber | None:
    """Return phonenumbers' reading of `text`, or None when it cannot read it at all."""
    try:
        return phonenumbers.parse(text, region, keep_raw_input=True)
    except NumberParseException:
        return None


def _letters_used(main: str, number: PhoneNumber) -> bool:
    """Return True when the library turned letters into digits (1-800-FLOWERS), not when it ignored them.

    A label before the number ("Mobile: 212...") or a stray trailing "x" is dropped by the library, so the
    test is whether the number's digits appear among the digits actually written.
    """
    return phonenumbers.national_significant_number(number) not in _digits_only(main)


def _digits_only(text: str) -> str:
    """Return the digits of `text` (any script's digits as ASCII), as `phonenumbers.normalize_digits_only`.

    The library looks every character up one by one; for ASCII text a regex gives the same digits faster.
    """
    return _NON_DIGITS.sub("", text) if text.isascii() else phonenumbers.normalize_digits_only(text)


def _unsanitized(written: str, kind: str, message: str) -> PhoneResult:
    """Return a result that keeps only the written number, with one problem."""
    return PhoneResult(written, None, None, ((kind, message),))


def international(e164: str) -> str:
    """Returns an E.164 number as people write it internationally, the form a nameless contact is named after.

    >>> international("+12015550123")
    '+1 201-555-0123'
    """
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), PhoneNumberFormat.INTERNATIONAL)
    except NumberParseException:
        return e164
