"""Returns the lines that say which records without a name were named after their email or phone.

The preview lists them (how many of each kind, then the first ones with their file and line); the import's
summary counts them. Each also has its notice, with the row, in --json and --html.
"""

from __future__ import annotations

import os

from importer.normalize.nameless import KINDS
from importer.plan.summary import Summary


def named_after_counts(summary: Summary) -> str:
    """Returns ``named after its email: 12 · named after its phone: 3``, "" when no record was named so."""
    return " · ".join(f"named after its {kind}: {summary.named_after[kind]:,}" for kind in KINDS
                      if summary.named_after[kind])


def nameless_lines(summary: Summary, shown: int) -> list[str]:
    """Returns how many records without a name were named after their email or phone, then the first
    `shown` of them (file:line and the name they were given)."""
    counts = named_after_counts(summary)
    if not counts:
        return []
    out = ["", f"Records without a name: {counts} (--skip-nameless skips them instead):"]
    kinds = {f"named-after-{kind}" for kind in KINDS}
    total = sum(summary.named_after.values())
    for n in summary.notices:
        if len(out) - 2 >= shown:
            break
        if n.kind in kinds:
            out.append(f"  {os.path.basename(n.file)}:{n.line} {n.message.split(';')[0].split(' its ', 1)[-1]}")
    if total > len(out) - 2:
        out.append(f"  … and {total - (len(out) - 2)} more (all of them: --json or --html)")
    return out
