"""Social profiles: the bare handle Dex stores, out of the URL or ``@name`` a person wrote; and websites.

Each function returns the handle, or None when the value is not a profile of that network (a company page,
a post, a search); the caller reports it. Handles keep the case they were written in. Accepted everywhere:
``http``/``https``/no scheme, ``www.``/``m.``/country subdomains, query strings, fragments and trailing
slashes, and a bare handle on its own.

Decisions, where a profile has no plain handle:
- LinkedIn ``/pub/name/1/234/567`` (pre-2014 public URLs) and ``/company/``, ``/school/`` pages: None. The
  old ``/pub/`` URLs redirect to an ``/in/`` handle that cannot be derived reliably offline, and companies
  are not people.
- Facebook ``profile.php?id=123`` (accounts without a username): ``"profile.php?id=123"``, so that
  ``facebook.com/`` + handle is still the profile's address; ``/people/Name/123`` becomes the same form.
- YouTube: the path that names the channel, ``"@ann"``, ``"c/Ann"``, ``"user/ann"`` or
  ``"channel/UC..."``, because the four kinds are different namespaces and ``youtube.com/`` + handle
  must lead back to the channel.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

# A URL's host may carry www., m., mobile., or a country subdomain (uk.linkedin.com, de-de.facebook.com).
_SUB = r"(?:[a-z]{2}(?:-[a-z]{2})?\.|www\.|m\.|mobile\.|web\.)*"
_LINKEDIN_HANDLE = re.compile(r"[\w\-]{2,100}")  # also accents and other scripts, once %-decoded
_TWITTER_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_FACEBOOK_HANDLE = re.compile(r"[A-Za-z0-9.\-]{1,50}")
_INSTAGRAM_HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")
_TELEGRAM_HANDLE = re.compile(r"[A-Za-z0-9_]{3,32}")
_TIKTOK_HANDLE = re.compile(r"[A-Za-z0-9._]{2,24}")
_YOUTUBE_NAME = re.compile(r"[\w.\-]{1,100}")
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+[^\W\d_][^\W_]{1,62}\.?(?::\d{1,5})?", re.IGNORECASE)

_VCARD_ESCAPE = re.compile(r"\\([:,;\\])")
_HOST_END = re.compile(r"[/?#]")
_SCHEME = re.compile(r"https?://", re.IGNORECASE)
_ON_HOST: dict[str, re.Pattern[str]] = {}  # "is this a URL on that host" for each network's host pattern

# First path segments that are site pages, not profiles.
_TWITTER_PAGES = {"home", "i", "intent", "share", "search", "hashtag", "explore", "settings", "login", "messages",
                  "notifications", "compose", "tos", "privacy"}
_FACEBOOK_PAGES = {"groups", "events", "pages", "sharer", "sharer.php", "watch", "marketplace", "gaming", "login",
                   "home.php", "story.php", "photo.php", "permalink.php", "hashtag", "share", "help", "policies"}
_INSTAGRAM_PAGES = {"p", "reel", "reels", "tv", "explore", "accounts", "direct", "about", "developer"}
_TELEGRAM_PAGES = {"joinchat", "addstickers", "share", "proxy", "socks", "iv", "c", "login"}
# What people type in a cell that has no value; as bare handles they would look valid.
_PLACEHOLDERS = {"none", "null", "nil", "na", "n.a.", "nope", "unknown", "tbd"}


def linkedin_handle(raw: str) -> str | None:
    """Return the LinkedIn profile handle ("ann-example-1a2b3c"), or None when `raw` is not a person's profile.

    >>> linkedin_handle("https://uk.linkedin.com/in/ann-example-1a2b3c/?trk=people")
    'ann-example-1a2b3c'
    """
    segments = _segments(raw, r"linkedin\.com")
    if segments is None:
        return _bare(raw, _LINKEDIN_HANDLE)
    if len(segments) >= 2 and segments[0].lower() == "in":
        return segments[1] if _LINKEDIN_HANDLE.fullmatch(segments[1]) else None
    return None  # /pub/, /company/, /school/, /feed/: see the module docstring


def linkedin_cut(raw: str, handle: str) -> str | None:
    """Returns why `handle`, read out of `raw`, is what a cut or damaged URL left rather than a whole handle,
    or None when it looks whole. LinkedIn handles have 3 to 100 characters and never end in "-"; a "?" right
    after the handle that starts no query (no "=") is a letter that a re-save replaced, and the rest of the
    handle is after it (``linkedin.com/in/raj-?ahin-1a2b`` gives ``raj-``).

    >>> linkedin_cut("https://www.linkedin.com/in/raj?ahin-1a2b", "raj")
    'the URL is cut at "?"'
    >>> linkedin_cut("https://www.linkedin.com/in/ann-example/?trk=people", "ann-example") is None
    True
    """
    if handle.endswith("-"):
        return 'the handle ends in "-"'
    if len(handle) < 3:
        return "the handle is shorter than 3 characters"
    if _segments(raw, r"linkedin\.com") is not None:
        query = urlsplit(_with_scheme(raw.strip())).query
        if query and "=" not in query:
            return 'the URL is cut at "?"'
    return None


def twitter_handle(raw: str) -> str | None:
    """Return the Twitter/X handle without "@" ("ann") from a twitter.com or x.com URL or "@ann", else None."""
    text = raw.strip()
    segments = _segments(text.replace("/#!/", "/"), r"(?:twitter|x)\.com")  # old hashbang URLs: /#!/ann
    if segments is None:
        return _bare(text, _TWITTER_HANDLE)
    if segments and segments[0].lower() not in _TWITTER_PAGES:
        return segments[0].lstrip("@") if _TWITTER_HANDLE.fullmatch(segments[0].lstrip("@")) else None
    return None


def facebook_handle(raw: str) -> str | None:
    """Return the Facebook username ("ann.example") or ``"profile.php?id=123"`` for numeric profiles, else None."""
    text = raw.strip()
    segments = _segments(text, r"(?:facebook\.com|fb\.com|fb\.me)")
    if segments is None:
        return _bare(text, _FACEBOOK_HANDLE)
    if segments and segments[0].lower() == "profile.php":
        ids = parse_qs(urlsplit(_with_scheme(text)).query).get("id", [])
        return f"profile.php?id={ids[0]}" if ids and ids[0].isdigit() else None
    if len(segments) >= 3 and segments[0].lower() == "people" and segments[2].isdigit():
        return f"profile.php?id={segments[2]}"  # /people/Ann-Example/100012345 is the same profile
    if segments and segments[0].lower() not in _FACEBOOK_PAGES and _FACEBOOK_HANDLE.fullmatch(segments[0]):
        return segments[0]
    return None


def instagram_handle(raw: str) -> str | None:
    """Return the Instagram username ("ann.example") from an instagram.com URL or "@ann", else None."""
    segments = _segments(raw, r"(?:instagram\.com|instagr\.am)")
    if segments is None:
        return _bare(raw, _INSTAGRAM_HANDLE)
    if len(segments) >= 2 and segments[0].lower() == "stories":
        segments = segments[1:]  # /stories/ann/123: the story's owner
    if segments and segments[0].lower() not in _INSTAGRAM_PAGES | {"stories"}:
        return segments[0] if _INSTAGRAM_HANDLE.fullmatch(segments[0]) else None
    return None


def telegram_handle(raw: str) -> str | None:
    """Return the Telegram username ("ann_example") from t.me, telegram.me, tg://resolve or "@ann", else None."""
    text = raw.strip()
    if link := re.match(r"tg://resolve\?(.*)", text, re.IGNORECASE):
        names = parse_qs(link.group(1)).get("domain", [])
        return names[0] if names and _TELEGRAM_HANDLE.fullmatch(names[0]) else None
    segments = _segments(text, r"(?:t\.me|telegram\.me|telegram\.dog)")
    if segments is None:
        return _bare(text, _TELEGRAM_HANDLE)
    if len(segments) >= 2 and segments[0] == "s":
        segments = segments[1:]  # t.me/s/name is the web preview of the same channel
    if segments and segments[0].lower() not in _TELEGRAM_PAGES and not segments[0].startswith("+"):
        return segments[0] if _TELEGRAM_HANDLE.fullmatch(segments[0]) else None
    return None


def tiktok_handle(raw: str) -> str | None:
    """Return the TikTok username without "@" ("ann.example") from tiktok.com/@ann or "@ann", else None."""
    segments = _segments(raw, r"tiktok\.com")
    if segments is None:
        return _bare(raw, _TIKTOK_HANDLE)
    if segments and segments[0].startswith("@"):
        return segments[0][1:] if _TIKTOK_HANDLE.fullmatch(segments[0][1:]) else None
    return None  # vm.tiktok.com short links and /video/ pages do not name the account


def youtube_handle(raw: str) -> str | None:
    """Return the channel path ("@ann", "c/Ann", "user/ann", "channel/UC...") from a URL or "@ann", else None."""
    text = raw.strip()
    segments = _segments(text, r"youtube\.com")
    if segments is None:
        name = text[1:] if text.startswith("@") else ""
        return text if name and _YOUTUBE_NAME.fullmatch(name) else None
    if segments and segments[0].startswith("@") and _YOUTUBE_NAME.fullmatch(segments[0][1:]):
        return segments[0]
    kind = segments[0].lower() if segments else ""
    if len(segments) >= 2 and kind in ("c", "user", "channel") and _YOUTUBE_NAME.fullmatch(segments[1]):
        return f"{kind}/{segments[1]}"
    return None


def clean_website(raw: str) -> str | None:
    """Return the website as written (trimmed, vCard's ``\\:`` unescaped), or None when it is not a web address.

    >>> clean_website(" http\\\\://www.example.com/ann ")
    'http://www.example.com/ann'
    """
    text = raw.strip()
    if "\\" in text:
        text = _VCARD_ESCAPE.sub(r"\1", text)  # vCard escapes ":" "," ";" in values
    if not text or text.split() != [text]:  # empty, or whitespace inside (split finds every kind)
        return None
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    elif scheme.lower() not in ("http", "https"):
        return None
    host = _HOST_END.split(rest, maxsplit=1)[0]
    if "@" in host or not _DOMAIN.fullmatch(host):
        return None  # an email address or something without a domain
    return text


def _segments(raw: str, host: str) -> list[str] | None:
    """Return the %-decoded path segments when `raw` is a URL on `host` (any subdomain), else None."""
    text = raw.strip()
    on_host = _ON_HOST.get(host)
    if on_host is None:
        on_host = _ON_HOST[host] = re.compile(rf"(?:https?://)?{_SUB}{host}(?:[/?#]|$)", re.IGNORECASE)
    if not on_host.match(text):
        return None
    path = urlsplit(_with_scheme(text)).path
    return [unquote(seg).strip() for seg in path.split("/") if seg.strip()]


def _with_scheme(text: str) -> str:
    """Return `text` with ``https://`` in front when it has no scheme, so urlsplit finds the host."""
    return text if _SCHEME.match(text) else f"https://{text}"


def _bare(raw: str, pattern: re.Pattern[str]) -> str | None:
    """Return `raw` without a leading "@" when it is a bare handle matching `pattern`, else None."""
    text = raw.strip()
    text = text[1:] if text.startswith("@") else text
    return text if pattern.fullmatch(text) and text.lower() not in _PLACEHOLDERS else None
