"""Tests for importer.normalize.handles: profile URLs to the bare handles Dex stores, and websites."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.normalize.handles import (
    clean_website,
    facebook_handle,
    instagram_handle,
    linkedin_handle,
    telegram_handle,
    tiktok_handle,
    twitter_handle,
    youtube_handle,
)


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.linkedin.com/in/ann-example-1a2b3c/", "ann-example-1a2b3c"),
    ("http://linkedin.com/in/ann-example", "ann-example"),
    ("www.linkedin.com/in/ann-example", "ann-example"),
    ("linkedin.com/in/ann-example?trk=public_profile", "ann-example"),
    ("https://uk.linkedin.com/in/ann-example/", "ann-example"),
    ("HTTPS://WWW.LINKEDIN.COM/IN/Ann-Example", "Ann-Example"),
    ("https://www.linkedin.com/in/j%C3%BCrgen-example-42/", "jürgen-example-42"),   # %-escaped handle
    ("https://www.linkedin.com/in/ann-example/details/experience/", "ann-example"),
    ("https://de.linkedin.com/in/ann-example#about", "ann-example"),
    ("  ann-example-1a2b3c ", "ann-example-1a2b3c"),                             # bare handle
    # Not a person's profile handle: the caller reports them.
    ("https://www.linkedin.com/company/example-corp/", None),
    ("https://www.linkedin.com/school/example-university/", None),
    ("https://www.linkedin.com/pub/ann-example/1/234/567", None),                 # pre-2014 public URL
    ("https://www.linkedin.com/in/", None),
    ("https://example.com/in/ann-example", None),
    ("Ann Example", None),
    ("none", None),
    ("", None),
])
def test_linkedin(raw: str, expected: str | None) -> None:
    assert linkedin_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("@ann_example", "ann_example"),
    ("ann_example", "ann_example"),
    ("https://twitter.com/ann_example", "ann_example"),
    ("https://x.com/ann_example?s=20", "ann_example"),
    ("mobile.twitter.com/ann_example/", "ann_example"),
    ("https://twitter.com/#!/ann_example", "ann_example"),                       # 2010-era hashbang URL
    ("https://twitter.com/ann_example/status/1234567890", "ann_example"),
    ("https://twitter.com/home", None),
    ("https://twitter.com/intent/follow?screen_name=ann_example", None),
    ("@ann_example_much_too_long", None),
    ("https://box.com/ann_example", None),
    ("ann@example.com", None),
])
def test_twitter(raw: str, expected: str | None) -> None:
    assert twitter_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.facebook.com/ann.example", "ann.example"),
    ("https://m.facebook.com/ann.example/", "ann.example"),
    ("https://de-de.facebook.com/ann.example", "ann.example"),
    ("fb.com/ann.example", "ann.example"),
    ("ann.example", "ann.example"),
    ("https://www.facebook.com/profile.php?id=100012345678", "profile.php?id=100012345678"),
    ("https://www.facebook.com/people/Ann-Example/100012345678/", "profile.php?id=100012345678"),
    ("https://www.facebook.com/profile.php", None),
    ("https://www.facebook.com/groups/123456", None),
    ("https://www.facebook.com/", None),
])
def test_facebook(raw: str, expected: str | None) -> None:
    assert facebook_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.instagram.com/ann.example/", "ann.example"),
    ("instagram.com/ann_example?igshid=abc", "ann_example"),
    ("instagr.am/ann_example", "ann_example"),
    ("@ann.example", "ann.example"),
    ("https://www.instagram.com/stories/ann.example/1234/", "ann.example"),
    ("https://www.instagram.com/p/Cabc123/", None),
    ("ann example", None),
])
def test_instagram(raw: str, expected: str | None) -> None:
    assert instagram_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("t.me/ann_example", "ann_example"),
    ("https://telegram.me/ann_example", "ann_example"),
    ("https://t.me/s/ann_example", "ann_example"),
    ("@ann_example", "ann_example"),
    ("tg://resolve?domain=ann_example", "ann_example"),
    ("https://t.me/joinchat/AbCdEf", None),
    ("https://t.me/+AbCdEf", None),
    ("@ab", None),
])
def test_telegram(raw: str, expected: str | None) -> None:
    assert telegram_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.tiktok.com/@ann.example", "ann.example"),
    ("tiktok.com/@ann.example/video/1234567890", "ann.example"),
    ("@ann.example", "ann.example"),
    ("https://vm.tiktok.com/ZM1234/", None),
    ("https://www.tiktok.com/ann.example", None),
])
def test_tiktok(raw: str, expected: str | None) -> None:
    assert tiktok_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.youtube.com/@annexample", "@annexample"),
    ("m.youtube.com/@annexample/videos", "@annexample"),
    ("@annexample", "@annexample"),
    ("https://www.youtube.com/c/AnnExample", "c/AnnExample"),
    ("https://www.youtube.com/user/annexample", "user/annexample"),
    ("https://www.youtube.com/channel/UC1234567890abcdefghijkl", "channel/UC1234567890abcdefghijkl"),
    ("https://www.youtube.com/watch?v=abc123", None),
    ("annexample", None),   # a bare word could be any of the four kinds
])
def test_youtube(raw: str, expected: str | None) -> None:
    assert youtube_handle(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://www.example.com/ann", "https://www.example.com/ann"),
    ("  http://example.org  ", "http://example.org"),
    ("http\\://example.org/a\\,b", "http://example.org/a,b"),    # vCard escaping
    ("example.com", "example.com"),                             # no scheme added
    ("www.example.com/path?q=1#top", "www.example.com/path?q=1#top"),
    ("example.com:8080/ann", "example.com:8080/ann"),
    ("https://bücher.example", "https://bücher.example"),
    ("n/a", None),
    ("-", None),
    ("localhost", None),
    ("ann@example.com", None),
    ("mailto:ann@example.com", None),
    ("javascript:alert(1)", None),
    ("ftp://example.com", None),
    ("https://", None),
    ("example .com", None),
    ("", None),
])
def test_clean_website(raw: str, expected: str | None) -> None:
    assert clean_website(raw) == expected


ALL: list[Callable[[str], str | None]] = [linkedin_handle, twitter_handle, facebook_handle, instagram_handle,
                                          telegram_handle, tiktok_handle, youtube_handle, clean_website]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=50))
def test_arbitrary_text_never_raises(raw: str) -> None:
    for function in ALL:
        value = function(raw)
        assert value is None or (value and value == value.strip())


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["https://www.linkedin.com/in/", "twitter.com/", "facebook.com/", "instagram.com/",
                        "t.me/", "tiktok.com/@", "youtube.com/", "https://", "tg://resolve"]),
       st.text(alphabet="abc%/?#@.:-_=&+[] 9", max_size=25))
def test_url_like_text_never_raises(prefix: str, rest: str) -> None:
    for function in ALL:
        function(prefix + rest)
