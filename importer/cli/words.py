"""Returns the words a person reads for the importer's internal names: Dex fields, notice kinds and their fixes.

The terminal (`render`) and the HTML page (`page`) both use them, so that `contact_phone_numbers` reads as
"phones" everywhere and each kind of warning says the same thing to do.
"""

from __future__ import annotations

FIELD_NAMES = {
    "full_name": "name", "first_name": "first name", "last_name": "last name", "job_title": "job title",
    "company": "company", "contact_emails": "emails", "contact_phone_numbers": "phones",
    "birthday": "birthday", "birthday_year": "birth year", "linkedin": "LinkedIn", "twitter": "Twitter",
    "facebook": "Facebook", "instagram": "Instagram", "telegram": "Telegram", "tiktok": "TikTok",
    "youtube": "YouTube", "website": "website", "description": "notes", "location": "location",
    "legacy_location": "location", "image_url": "photo", "addresses": "addresses",
    "legacy_contact_addresses": "addresses", "starred": "starred", "never_keep_in_touch": "never keep in touch",
    "frequency": "keep-in-touch frequency", "education": "education", "custom_fields": "custom fields",
    "related_contacts": "related people", "contact_birthdays": "birthdays", "last_seen_at": "last seen",
}
"""The words a person reads for Dex's field names."""

FIXES = {
    "phone-no-region": "pass --region US (or their country)",
    "phone-region-suspect": "check the --region you gave, or write these numbers with +country code",
    "invalid-phone": "fix the number in the file, or leave it out",
    "invalid-email": "fix the address in the file",
    "invalid-date": "write dates as YYYY-MM-DD",
    "ambiguous-date": "write dates as YYYY-MM-DD, or set the column's date order (MDY or DMY) in a mapping",
    "invalid-birthday": "write birthdays as YYYY-MM-DD",
    "unmapped-column": "map the column with --mapping (see `dex-import mapping init`), or ignore it",
    "missing-column": "check the mapping's column names against the file's header",
    "no-name": "give each of these rows a name, then import the failure report",
    "named-after-email": "give the row a name to name it, or pass --skip-nameless to leave such rows out",
    "named-after-phone": "give the row a name to name it, or pass --skip-nameless to leave such rows out",
    "unreadable-card": "export the cards again, or fix them in the .vcf",
    "invalid-handle": "write the profile's URL or handle in the file",
    "invalid-url": "write the full web address (https://...) in the file",
    "invalid-value": "write yes or no in the file",
    "unused-alternative": "map the column on its own in a mapping to keep it",
    "formula-without-value": "open the workbook in Excel or LibreOffice and save it again",
    "encoding-guess": "if names look wrong, pass --encoding with the file's encoding",
    "datetime-no-timezone": "add Z or an offset (+02:00) in the file if it is another zone",
}
"""How to fix each kind of problem, where there is one thing to do."""

KINDS = {
    "phone-no-region": ("number without a country code", "numbers without a country code"),
    "phone-region-suspect": ("number only the --region makes valid", "numbers only the --region makes valid"),
    "phone-postdial": ("number with digits after connecting", "numbers with digits after connecting"),
    "phone-letters": ("number with letters", "numbers with letters"),
    "phone-extension": ("number with an extension", "numbers with an extension"),
    "invalid-phone": ("phone number with no digits", "phone numbers with no digits"),
    "invalid-email": ("bad email address", "bad email addresses"),
    "invalid-date": ("date that cannot be read", "dates that cannot be read"),
    "ambiguous-date": ("date that could be D/M or M/D", "dates that could be D/M or M/D"),
    "invalid-birthday": ("impossible birthday", "impossible birthdays"),
    "invalid-handle": ("value that is not a profile", "values that are not profiles"),
    "invalid-url": ("value that is not a web address", "values that are not web addresses"),
    "invalid-value": ("value neither yes nor no", "values neither yes nor no"),
    "unmapped-column": ("value in an unmapped column", "values in unmapped columns"),
    "missing-column": ("mapped column missing", "mapped columns missing"),
    "unused-alternative": ("value another column won over", "values another column won over"),
    "no-name": ("record without a name", "records without a name"),
    "named-after-email": ("record named after its email", "records named after their email"),
    "named-after-phone": ("record named after its phone", "records named after their phone"),
    "unreadable-card": ("unreadable card", "unreadable cards"),
    "merge-conflict": ("value a merge left out", "values a merge left out"),
    "duplicate-email": ("email repeated in a record", "emails repeated in a record"),
    "duplicate-column": ("repeated column name", "repeated column names"),
    "ragged-row": ("row longer than the header", "rows longer than the header"),
    "unbalanced-quote": ("quote never closed", "quotes never closed"),
    "preamble-skipped": ("file with lines above its header", "files with lines above their header"),
    "encoding-guess": ("file whose encoding was guessed", "files whose encoding was guessed"),
    "nul-removed": ("row that held NUL characters", "rows that held NUL characters"),
    "formula-without-value": ("column of unsaved formulas", "columns of unsaved formulas"),
    "datetime-no-timezone": ("time without a time zone (UTC)", "times without a time zone (UTC)"),
    "vcard-no-end": ("card with no END:VCARD", "cards with no END:VCARD"),
    "vcard-line-skipped": ("vCard line skipped", "vCard lines skipped"),
    "vcard-decoding": ("vCard value not decoded", "vCard values not decoded"),
}
"""What one notice of each kind is, in the singular and the plural, for the digest of warnings."""


def human(field: str) -> str:
    """Returns the human name of Dex field `field` (``contact_phone_numbers`` -> ``phones``)."""
    return FIELD_NAMES.get(field, field.replace("_", " "))


def kind_words(kind: str, count: int) -> str:
    """Returns `count` notices of `kind` in words.

    >>> kind_words("phone-no-region", 170)
    '170 numbers without a country code'
    >>> kind_words("some-new-kind", 1)
    '1 × some new kind'
    """
    words = KINDS.get(kind)
    if words is None:
        return f"{count} × {kind.replace('-', ' ')}"
    return f"{count} {words[0] if count == 1 else words[1]}"
