"""The fields of Dex's contact object, by kind, as published on the create-contacts page.

One table for everyone who needs to know what Dex takes: the mapping validator (which fields a mapping may
set, and how a raw value is converted for each), and the preview's fill counts. The sandbox validates the same
fields on the server side.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

DEFAULT_API_URL = "https://api.prod.getdex.com/v1"
"""Where Dex's public API lives; `--api-url` or $DEX_API_URL point elsewhere (the sandbox, a proxy)."""

# Plain text fields. Names are assembled from the mapping's `name:` section, not set one by one.
TEXT_FIELDS = (
    "description", "job_title", "legacy_location", "company", "education", "source",
    "image_source", "frequency",
    "whatsapp_message_link", "whatsapp_message_snippet", "imessage_message_link",
    "imessage_message_snippet", "linkedin_message_link", "linkedin_last_message_snippet",
    "instagram_message_link", "instagram_message_snippet", "gmail_last_interaction_provider_id",
    "gmail_last_interaction_subject", "gmail_last_interaction_provider",
    "gcal_last_interaction_provider_id", "gcal_last_interaction_title",
    "gcal_last_interaction_provider", "phone_call_interaction_snippet", "id",
)
NAME_FIELDS = ("full_name", "first_name", "last_name")
URL_FIELDS = ("website", "image_url", "business_card_url")
HANDLE_FIELDS = ("linkedin", "twitter", "facebook", "instagram", "telegram", "tiktok", "youtube")
BOOL_FIELDS = ("starred", "never_keep_in_touch")
DATETIME_FIELDS = (
    "last_seen_at", "next_reminder_at", "whatsapp_last_message_at", "imessage_last_message_at",
    "linkedin_last_message_at", "instagram_last_message_at", "gmail_last_interaction_at",
    "gcal_last_interaction_at", "phone_call_last_interaction_at",
)
# birthday is "YYYY-MM-DD"; the year, when real, goes to birthday_year as well.
DATE_FIELDS = ("birthday",)
INT_FIELDS = ("birthday_year",)
# Object and list fields: reached through their own mapping sections (emails, phones, addresses,
# coordinates, custom_fields) or set literally through `constants`.
STRUCTURED_FIELDS = (
    "coordinates", "linkedin_data", "web_search_summary", "legacy_contact_addresses",
    "contact_emails", "contact_phone_numbers", "groups_contacts", "tags_contacts", "custom_fields",
    "contact_birthdays", "related_contacts",
)

ALL_FIELDS = (NAME_FIELDS + TEXT_FIELDS + URL_FIELDS + HANDLE_FIELDS + BOOL_FIELDS + DATETIME_FIELDS
              + DATE_FIELDS + INT_FIELDS + STRUCTURED_FIELDS)

# Fields a mapping's `fields:` section may fill from columns (one value each).
SCALAR_FIELDS = (TEXT_FIELDS + URL_FIELDS + HANDLE_FIELDS + BOOL_FIELDS + DATETIME_FIELDS
                 + DATE_FIELDS + INT_FIELDS + ("coordinates",))

# Dex's keep-in-touch values ("never" is never_keep_in_touch: true).
FREQUENCIES = ("7 days", "14 days", "1 mon", "42 days", "3 mons", "6 mons", "1 year")

# The order contacts are written in (--out, --json): names first, then as on the create page.
FIELD_ORDER = {name: i for i, name in enumerate(ALL_FIELDS)}


def parse_time(text: Any) -> datetime | None:
    """Returns a time as Dex writes it (ISO 8601, ``Z`` or an offset; naive read as UTC) as an aware datetime,
    or None when `text` is not such a time. Every Dex timestamp (created_at, updated_at) is read here.

    >>> parse_time("2026-01-05T09:30:00.000Z")
    datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.timezone.utc)
    >>> parse_time("yesterday") is None
    True
    """
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
