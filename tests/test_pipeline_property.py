"""Property: whatever bytes a file holds, `preview` returns a Summary or raises the project's own error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importer.errors import ImporterError
from importer.plan.inputs import ReadOptions
from importer.preview import Summary, preview

# Byte strings that look a little like exports, so the readers get past their first checks.
_PIECES = st.sampled_from([
    b"First Name,Last Name,E-mail 1 - Value,Labels\r\n", b"Notes:\r\n", b"BEGIN:VCARD\r\n", b"END:VCARD\r\n",
    b"FN:Ada\r\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b'"', b",", b";", b"\t", b"|", b"\n", b"\r",
    b" ::: ", b"* starred", b"0/0/00", b"+1 212-555-0134", b"ada@example.com", b"\xe9", b"\x00",
    b"Connected On\r\n", b",,,,,,05 Jan 2026\r\n",
])
_CONTENT = st.one_of(st.binary(max_size=300), st.lists(st.one_of(_PIECES, st.binary(max_size=8)),
                                                       max_size=30).map(b"".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_CONTENT, suffix=st.sampled_from([".csv", ".vcf", ".xlsx", ""]))
def test_any_bytes_give_a_summary_or_an_importer_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"contacts{suffix}"
        path.write_bytes(data)
        try:
            result = preview([path], ReadOptions(region="US"))
        except ImporterError:
            return
        assert isinstance(result, Summary)
