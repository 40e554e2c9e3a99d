"""Value normalizers: pure functions from the text a person wrote to the value Dex stores.

One module per kind of value: `phones` (E.164 via phonenumbers), `emails`, `names`, `dates` and `handles`
(LinkedIn, Twitter/X, ... URLs to bare handles). None of them reads files, speaks HTTP or knows about
mappings. A problem is never raised: it is returned as a `Problem`, a ``(kind, message)`` pair that the
mapping engine turns into a `Notice` on the record. Import the functions from their modules, e.g.
``from importer.normalize.phones import sanitize_phone``.
"""

from __future__ import annotations

Problem = tuple[str, str]
"""``(kind, message)``: a short stable key (``invalid-phone``) and one sentence saying what was done and what
the person can do about it."""
