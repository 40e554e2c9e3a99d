"""Returns a plan as a pandas DataFrame, for people who look at their contacts in a notebook.

One row per outcome of the plan: each contact to be created (``create``), each contact several records were
merged into (``merged``), then each record that gives no contact (``skipped``), with why. Columns:

- ``outcome``: create, merged or skipped;
- ``source``: where the row comes from, ``file:line`` (a merged contact: each record's, joined by ``"; "``);
- ``file`` and ``line``: the first of those records; ``records``: how many records the row stands for;
- ``message``: why a record was skipped (empty for contacts); ``labels``: the labels, as a list;
- then Dex's contact fields that any contact of the plan fills, in Dex's order (importer.dex.fields).

Values are exactly what the import sends: a list field (``contact_emails``, ``contact_phone_numbers``, ...)
stays a list of Dex's objects (``[{"email": ...}]``) rather than being joined into text, so nothing is lost
and ``frame["contact_emails"].explode()`` gives one row per address. A field a contact does not fill is None.

pandas is an optional extra (``pip install 'dex-importer[pandas]'``), imported only when a frame is asked for,
so ``import importer`` stays light.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from importer.dex.fields import FIELD_ORDER
from importer.model import Record
from importer.plan.merge import Planned

if TYPE_CHECKING:
    import pandas

BASE_COLUMNS = ("outcome", "source", "file", "line", "records", "message", "labels")
NEEDS_PANDAS = "to_dataframe needs pandas: pip install 'dex-importer[pandas]'"


def plan_frame(contacts: Iterable[Planned], skipped: Iterable[tuple[Record, str]]) -> pandas.DataFrame:
    """Returns the DataFrame of a plan's `contacts` and its `skipped` records with why (see the module);
    `Plan.to_dataframe` is the way in.

    Raises ImportError, with the one line that says how to install it, when pandas is missing.
    """
    try:
        import pandas
    except ImportError:
        raise ImportError(NEEDS_PANDAS) from None
    rows: list[dict[str, Any]] = []
    fields: set[str] = set()
    for planned in contacts:
        first = planned.records[0]
        row: dict[str, Any] = {
            "outcome": "merged" if len(planned.records) > 1 else "create",
            "source": "; ".join(f"{r.file}:{r.line}" for r in planned.records),
            "file": first.file, "line": first.line, "records": len(planned.records), "message": "",
            "labels": list(planned.labels),
        }
        for key, value in planned.contact.items():
            fields.add(key)
            row[key] = value
        rows.append(row)
    for record, message in skipped:
        rows.append({"outcome": "skipped", "source": f"{record.file}:{record.line}", "file": record.file,
                     "line": record.line, "records": 1, "message": message, "labels": []})
    ordered = sorted(fields, key=lambda name: (FIELD_ORDER.get(name, len(FIELD_ORDER)), name))
    columns = list(BASE_COLUMNS) + [name for name in ordered if name not in BASE_COLUMNS]
    # object columns: lists and dicts stay as they are, and a missing field is None rather than NaN
    data = {name: [row.get(name) for row in rows] for name in columns}
    return pandas.DataFrame({name: pandas.Series(values, dtype="int64" if name in ("line", "records") else object)
                             for name, values in data.items()}, columns=columns)
