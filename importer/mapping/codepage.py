"""Returns a CSV read again in the code page its export is written in, when its header says which.

A file that is not UTF-8 is read as Windows-1252 (`readers/encoding.py`): right for Western exports, but
Outlook on a Chinese, Japanese, Korean, Russian or Polish Windows writes its CSV in that system's code page
(936, 932, 949, 1251, 1250). Read as Windows-1252, such a header is mojibake that no mapping recognises.
So when the encoding was only guessed, the header is decoded in each code page a built-in mapping declares
(`code_page:` at the top or in a locale); the code page under which the header turns into a known export's
own column names, and which decodes every byte of the file, is the one it was written in. The mapping that
recognised the file declares it, so no other guess is made.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import replace

from importer.mapping.detect import GENERIC, Detection
from importer.mapping.load import builtin_variants
from importer.mapping.locales import variants
from importer.model import Notice
from importer.readers.csvfile import TableInfo
from importer.readers.encoding import Openable, first_decode_error

GUESSED = "encoding-guess"


def read_in_code_page(f: Openable, info: TableInfo, detection: Detection, *,
                      inspect: Callable[[str], TableInfo],
                      choose: Callable[[TableInfo], Detection | None]) -> tuple[TableInfo, Detection]:
    """Returns (table, detection) read in the code page of the export the header shows, or both unchanged.

    Only a guessed encoding is reconsidered (never one given with --encoding or by a mapping's `read:`).
    `inspect(encoding)` reads the top of the file again; `choose(table)` detects as the first time did, or
    returns None when no known export has the header (the file is then read as it was).
    """
    if info.kind != "csv" or not any(n.kind == GUESSED for n in info.notices):
        return info, detection
    if detection.format == GENERIC:  # nothing recognised: the code page of any export that would be
        family = builtin_variants()
    elif detection.candidates:  # its header matched: the code page of what it matched
        family = (detection.mapping,)
    else:  # a mapping given (--mapping, --format) but not found in the header: its languages' code pages
        family = variants(detection.mapping)
    wanted = list(dict.fromkeys(m.code_page for m in family if m.code_page))
    for code_page in wanted:
        if _same(code_page, info.encoding):
            continue
        again = inspect(code_page)
        found = choose(again)
        if found is None or found.format == GENERIC or not _same(found.mapping.code_page or "", code_page):
            continue
        if first_decode_error(f, code_page) is not None:
            continue  # some byte is not of this code page: the header matched by chance, or the file is mixed
        why = info.encoding_reason.rsplit(": read as", 1)[0]
        reason = (f"{why}; its header is {found.mapping.title}, which is written in {code_page}: read as "
                  f"{code_page}")
        notice = Notice(info.file, None, None, GUESSED,
                        f"not UTF-8: read as {code_page}, the code page of {found.mapping.title}; if names "
                        "look wrong, give the file's encoding (--encoding)")
        kept = tuple(n for n in again.notices if n.kind != GUESSED)
        return replace(again, encoding_reason=reason, notices=(notice, *kept)), found
    return info, detection


def _same(a: str, b: str) -> bool:
    try:
        return codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False
