"""Returns values converted for Dex: the named transforms of the mapping language, and the conversion
each Dex field needs (a LinkedIn URL becomes the bare handle, a birthday becomes YYYY-MM-DD, ...)."""

from __future__ import annotations

from typing import Any

from importer.dex.fields import (
    BOOL_FIELDS,
    DATETIME_FIELDS,
    FREQUENCIES,
    HANDLE_FIELDS,
    INT_FIELDS,
    URL_FIELDS,
)
from importer.normalize import Problem, handles
from importer.normalize.dates import parse_birthday, parse_date, parse_datetime
from importer.normalize.names import clean_text

_TRUE = {"true", "yes", "y", "1", "x", "*", "starred", "ja", "oui", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "", "nein", "non"}
_FREQUENCY_WORDS = {
    "weekly": "7 days", "every week": "7 days", "biweekly": "14 days", "every 2 weeks": "14 days",
    "monthly": "1 mon", "every month": "1 mon", "every 6 weeks": "42 days", "quarterly": "3 mons",
    "every 3 months": "3 mons", "every 6 months": "6 mons", "twice a year": "6 mons",
    "yearly": "1 year", "annually": "1 year", "every year": "1 year",
}
_HANDLERS = {
    "linkedin": handles.linkedin_handle, "twitter": handles.twitter_handle,
    "facebook": handles.facebook_handle, "instagram": handles.instagram_handle,
    "telegram": handles.telegram_handle, "tiktok": handles.tiktok_handle,
    "youtube": handles.youtube_handle,
}
# Chat services Dex has no field for (vCard IMPP types, Google's "IM n - Service"): their handles are kept
# as description lines, never taken for a web address.
_CHAT_SERVICES = {"skype", "xmpp", "jabber", "aim", "msn", "icq", "yahoo", "gadugadu", "qq", "googletalk",
                  "gtalk", "hangouts", "sip", "irc", "matrix", "signal", "wechat", "line", "threema", "chat"}
# Hosts whose profile URLs go to Dex's handle fields rather than `website`.
_SOCIAL_HOSTS = {
    "linkedin.com": "linkedin", "twitter.com": "twitter", "x.com": "twitter",
    "facebook.com": "facebook", "fb.com": "facebook", "instagram.com": "instagram",
    "t.me": "telegram", "telegram.me": "telegram", "tiktok.com": "tiktok", "youtube.com": "youtube",
}


def apply_transforms(text: str, transforms: tuple[str, ...], *, date_order: str | None
                     ) -> tuple[str, Problem | None]:
    """Returns `text` after the mapping's named transforms, or ("", problem) when one fails."""
    for name in transforms:
        if name == "lower":
            text = text.lower()
        elif name == "upper":
            text = text.upper()
        elif name == "first_line":
            text = text.strip().splitlines()[0] if text.strip() else ""
        elif name == "strip_star":
            text = text.removeprefix("* ").strip()
        elif name == "date":
            day, problem = parse_date(text, order=date_order)
            if problem:
                return "", problem
            text = day.isoformat() if day else ""
        elif name == "datetime":
            stamp, problem = parse_datetime(text)
            if stamp is None:
                return "", problem
            text = stamp
    return text, None


def convert_field(name: str, text: str, *, date_order: str | None) -> tuple[dict[str, Any], Problem | None]:
    """Returns the contact fields that `text` sets for Dex field `name` (empty when unusable)."""
    if name == "description":
        lines = [line.strip() for line in text.strip().splitlines()]
        return {name: "\n".join(lines).strip()}, None
    if name == "birthday":
        birthday, problem = parse_birthday(text, order=date_order)
        if birthday is None:
            return {}, problem
        found: dict[str, Any] = {"birthday": birthday.birthday}
        if birthday.year is not None:
            found["birthday_year"] = birthday.year
        return found, problem
    if name in HANDLE_FIELDS:
        handle = _HANDLERS[name](text)
        if handle is None:
            return {}, ("invalid-handle", f"{text!r} is not a {name} profile; not imported")
        if name == "linkedin" and (cut := handles.linkedin_cut(text, handle)):
            # an Excel re-save turned a letter into "?" and the URL now ends there: the handle would name
            # someone else, and as a merge key it joined strangers
            return {}, ("cut-handle", f"{text!r} looks cut or damaged ({cut}): its LinkedIn handle {handle!r} "
                                      "is not imported nor used to find the same person; fix it in the file")
        return {name: handle}, None
    if name in URL_FIELDS:
        url = handles.clean_website(text)
        return ({name: url}, None) if url else ({}, ("invalid-url", f"{text!r} is not a web address"))
    if name in DATETIME_FIELDS:
        stamp, problem = parse_datetime(text)  # a stamp may come with a problem (no time zone: UTC)
        return ({name: stamp} if stamp else {}), problem
    if name in BOOL_FIELDS:
        word = text.strip().lower()
        if word in _TRUE or word in _FALSE:
            return {name: word in _TRUE}, None
        return {}, ("invalid-value", f"{name}: {text!r} is neither yes nor no")
    if name in INT_FIELDS:
        digits = text.strip()
        if digits.isdigit() and 1800 <= int(digits) <= 2200:
            return {name: int(digits)}, None
        return {}, ("invalid-value", f"{name}: {text!r} is not a year")
    if name == "frequency":
        word = clean_text(text).lower()
        value = word if word in FREQUENCIES else _FREQUENCY_WORDS.get(word)
        if value is None:
            return {}, ("invalid-value", f"frequency {text!r} is not one of Dex's: "
                        + ", ".join(FREQUENCIES))
        return {name: value}, None
    if name == "coordinates":
        return _coordinates(text)
    return {name: clean_text(text)}, None


def website_target(text: str, label: str | None = None) -> tuple[str | None, str]:
    """Returns (Dex field, value) for a web address: a profile URL goes to its handle field.

    A value labelled with a network's name (Apple's ``X-SOCIALPROFILE;type=twitter:ann``) is that
    network's handle even when it is not a URL.
    """
    network = (label or "").strip().lower()
    network = "twitter" if network == "x" else network
    if network in _HANDLERS and "://" not in text:
        handle = _HANDLERS[network](text)
        if handle and network == "linkedin" and handles.linkedin_cut(text, handle):
            return None, text
        if handle:
            return network, handle
    if network in _CHAT_SERVICES:  # a Skype or XMPP handle may look like a domain, but is no web address
        return None, text
    url = handles.clean_website(text)
    if url is None:
        return None, text
    host = url.split("://", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
    host = host.split(":", 1)[0]
    for suffix, field_name in _SOCIAL_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            handle = _HANDLERS[field_name](url)
            if handle and field_name == "linkedin" and handles.linkedin_cut(text, handle):
                return None, text  # cut or damaged (``in/raj-?ahin``): kept as a line, never a handle
            if handle:
                return field_name, handle
    return "website", url


def _coordinates(text: str) -> tuple[dict[str, Any], Problem | None]:
    cleaned = text.strip().removeprefix("geo:").split(";")[0] if text.strip().startswith("geo:") \
        else text.strip()
    parts = cleaned.replace(";", ",").replace(" ", ",").split(",")
    numbers = [p for p in parts if p]
    try:
        lat, lon = (float(numbers[0]), float(numbers[1])) if len(numbers) == 2 else (None, None)
    except ValueError:
        lat = lon = None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {}, ("invalid-value", f"coordinates {text!r} are not 'latitude, longitude'")
    return {"coordinates": {"operation": "set", "data": {"latitude": lat, "longitude": lon}}}, None
