"""Returns the Dex contact a record maps to, with a notice for every value that could not be used.

No silent loss: every non-empty value of a record either ends up in the contact or in a notice naming its
line and column. The record itself is never changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from importer.dex.fields import FIELD_ORDER
from importer.mapping.compile import Compiled, MultiSource, Source, read_sources
from importer.mapping.convert import apply_transforms, convert_field, website_target
from importer.model import Contact, Notice, Record
from importer.normalize.damage import repair_mojibake, replaced_letters, suspicious
from importer.normalize.emails import clean_email
from importer.normalize.keys import fold_email
from importer.normalize.nameless import stand_in_name
from importer.normalize.names import build_name, clean_text
from importer.normalize.phones import sanitize_phone


@dataclass(frozen=True)
class Mapped:
    """What one record became: a contact, or a skip with its reason, plus notices and labels."""

    record: Record
    contact: Contact | None
    notices: tuple[Notice, ...] = ()
    labels: tuple[str, ...] = ()
    used: frozenset[str] = frozenset()
    skip: str | None = None
    expected_skip: bool = False
    filled: tuple[str, ...] | None = None
    """The columns holding a value (not blank), in the record's order, counted by the preview; None when the
    mapping did not look (a skipped record): the counting then looks itself."""
    named_after: str | None = None
    """"email" or "phone" when the record had no name and the contact is named after that (see
    `importer.normalize.nameless`); `skip_nameless` turns it back into a skip."""
    extra: Any = field(default=None, compare=False, repr=False)
    """What a worker process computed from the contact for the plan (`importer.plan.workers.Prepared`: its
    JSON text and dedupe keys); None when it was mapped in this process."""


@dataclass
class _Work:
    """The state of one record while it is being mapped."""

    record: Record
    values: Mapping[str, str]
    region: str | None
    date_order: str | None
    contact: dict[str, Any] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)
    name_was_split: bool = False

    def note(self, column: str | None, kind: str, message: str) -> None:
        self.notices.append(Notice(self.record.file, self.record.line, column, kind, message))

    def read(self, sources: tuple[Source, ...], target: str) -> tuple[str, tuple[str, ...]]:
        """Returns the transformed text of the first non-empty source, "" when none or unusable."""
        raw, cols, src = read_sources(self.values, sources)
        if not raw or src is None:
            return "", ()
        text, problem = apply_transforms(raw, src.transforms, date_order=self.date_order) if src.transforms \
            else (raw, None)
        if problem:
            self.note(cols[0], problem[0], f"{target}: {problem[1]}")
            return "", ()
        if text and src.format:
            text = src.format.replace("{value}", text)
        if len(sources) == 1:
            return text, cols
        return text, cols + self._fallbacks(sources, src, raw, cols[0], target)

    def _fallbacks(self, sources: tuple[Source, ...], chosen: Source, raw: str, column: str,
                   target: str) -> tuple[str, ...]:
        """Returns the columns of the unchosen alternatives whose values the chosen one already holds.

        Google's "Address n - Street" and "- City" repeat what "Address n - Formatted" says: they count as
        used. A fallback value the chosen one does not hold is not imported, and says so.
        """
        held = " ".join(raw.split()).casefold()
        covered = []
        for src in sources:
            if src is chosen:
                continue
            for col in src.columns:
                value = " ".join(self.values.get(col, "").split())
                if not value:
                    continue
                if value.casefold() in held:
                    covered.append(col)
                else:
                    self.note(col, "unused-alternative", unused_alternative(target, value, column))
        return tuple(covered)


def apply_mapping(record: Record, compiled: Compiled, *, region: str | None = None) -> Mapped:
    """Returns the contact `record` maps to under `compiled` (see `compile_mapping`)."""
    mapping = compiled.mapping
    # Only the cells that hold something: every step below reads a missing cell as "", and a field or
    # multi section none of whose columns is left is skipped without a call (Outlook has 92 columns,
    # most of them empty). Placeholders such as Outlook's "0/0/00" are empty cells.
    if compiled.blank:
        is_empty = compiled.is_empty
        values = {k: v for k, v in record.values.items() if v and not is_empty(v)}
    else:
        values = {k: v for k, v in record.values.items() if v}
    if compiled.skip_columns and not any(values.get(c, "").strip() for c in compiled.skip_columns):
        return Mapped(record, None, record.notices, skip=mapping.skip.reason if mapping.skip else "",
                      expected_skip=True)
    w = _Work(record, values, region or mapping.region, mapping.date_order)
    w.notices.extend(record.notices)
    _names(w, compiled)
    present = values.keys()
    field_columns = compiled.field_columns
    for name, sources in compiled.fields.items():
        if present.isdisjoint(field_columns[name]):
            continue
        text, cols = w.read(sources, name)
        if text:
            _set_field(w, name, text, cols)
    _emails(w, compiled.emails)
    _phones(w, compiled.phones)
    _addresses(w, compiled.addresses)
    _websites(w, compiled.websites)
    for text, label, cols in _ranked(w, compiled.notes, "description"):
        w.lines.append(f"{label}: {text}" if label else text)
        w.used.update(cols)
    labels = _labels(w, compiled)
    _custom_fields(w, compiled)
    for key, value in mapping.constants.items():
        w.contact.setdefault(key, value)
    if w.lines:
        w.contact["description"] = "\n".join(filter(None, [w.contact.get("description", ""), *w.lines]))
    _unmapped(w, compiled)
    filled = tuple(values) if compiled.blank else tuple(k for k, v in values.items() if v.strip())
    return finish(record, w.contact, w.notices, labels, w.used, filled, name_was_split=w.name_was_split,
                  has_names=bool(compiled.names))


def finish(record: Record, fields: dict[str, Any], notices: list[Notice], labels: list[str], used: set[str],
           filled: tuple[str, ...], *, name_was_split: bool, has_names: bool) -> Mapped:
    """Returns the Mapped of a record whose fields are all read: in Dex's field order, a business named
    after its company, one without a name named after its email or phone (`importer.normalize.nameless`),
    and one with nothing that identifies a person skipped (shared by the generated mappers)."""
    contact = {k: fields[k] for k in sorted(fields, key=lambda k: FIELD_ORDER.get(k, 999))}
    _damaged_text(record, contact, notices)
    company = contact.get("company")
    if company and not contact.get("full_name") and has_names:
        # Rows for a business whose name columns are empty: the company is the name. (Only when the
        # mapping knows where names are: otherwise a person would be named after their employer.)
        contact = {"full_name": company, **contact}
    elif company and name_was_split and contact.get("full_name", "").casefold() == company.casefold():
        # Apple's company cards (X-ABShowAs:COMPANY) name the card after the company: not "first last".
        contact.pop("first_name", None)
        contact.pop("last_name", None)
    if not contact.get("full_name"):
        stand_in = stand_in_name(contact)
        if stand_in is None:
            return _nameless(record, contact, notices, labels, filled)
        # An email-only row or card is someone: named after the email (or phone), not dropped.
        kind, name = stand_in
        contact = {"full_name": name, **contact}
        notices = [*notices, Notice(record.file, record.line, None, f"named-after-{kind}",
                                    f"no name: named after its {kind} {name}; give the row a name to name "
                                    "it, or pass --skip-nameless to leave such rows out")]
        return Mapped(record, contact, tuple(notices), tuple(labels), frozenset(used), filled=filled,
                      named_after=kind)
    return Mapped(record, contact, tuple(notices), tuple(labels), frozenset(used), filled=filled)


# The text fields checked for encoding damage (a `?` in a name is checked more strictly than in a note).
_DAMAGE_FIELDS = ("full_name", "first_name", "last_name", "company", "job_title", "description")
_NAME_FIELDS = frozenset({"full_name", "first_name", "last_name"})


def _damaged_text(record: Record, contact: dict[str, Any], notices: list[Notice]) -> None:
    """Repairs mojibake in `contact`'s text fields (ftfy, only when certain) and notes letters replaced by
    ``?``: the record is still imported, it is the person's data, but the person is told (one notice of
    each kind per record; a first or last name already quoted within the full name is not quoted again)."""
    texts = [v for k in _DAMAGE_FIELDS if isinstance(v := contact.get(k), str)]
    if not suspicious("\x1f".join(texts)):
        return
    repaired: list[tuple[str, str]] = []
    replaced: list[str] = []
    for key in _DAMAGE_FIELDS:
        value = contact.get(key)
        if not isinstance(value, str) or not value:
            continue
        fixed = repair_mojibake(value)
        if fixed is not None:
            contact[key] = fixed
            if not any(value in old for old, _ in repaired):
                repaired.append((value, fixed))
            value = fixed
        if key != "description" and replaced_letters(value, name=key in _NAME_FIELDS) \
                and not any(value in old for old in replaced):
            replaced.append(value)
    if repaired:
        notices.append(Notice(record.file, record.line, None, "repaired-mojibake", "repaired mojibake: " + ", ".join(
            f"{_shorten(old)!r} \u2192 {_shorten(new)!r}" for old, new in repaired)))
    if replaced:
        notices.append(Notice(record.file, record.line, None, "replaced-letters",
                              "letters replaced by ? (an encoding round-trip): " + ", ".join(
                                  repr(_shorten(v)) for v in replaced)
                              + "; imported as it is; re-export the file as UTF-8 to keep the letters"))


def skip_nameless(m: Mapped) -> Mapped:
    """Returns `m` skipped for want of a name when its contact is named after its email or phone (what
    ``--skip-nameless`` asks for), `m` itself otherwise.

    >>> from importer.model import Record
    >>> m = finish(Record("a.csv", 3, {"Email": "ann@example.com"}), {"contact_emails": [{"email": "ann@example.com"}]},
    ...            [], [], {"Email"}, ("Email",), name_was_split=False, has_names=True)
    >>> m.contact["full_name"], skip_nameless(m).skip, skip_nameless(m).notices[0].message
    ('ann@example.com', 'no-name', 'no name (only ann@example.com): not sent; add a name to the row to import it')
    """
    if m.named_after is None or m.contact is None:
        return m
    contact = {k: v for k, v in m.contact.items() if k != "full_name"}
    notices = [n for n in m.notices if n.kind != f"named-after-{m.named_after}"]
    return _nameless(m.record, contact, notices, list(m.labels), m.filled or ())


def _nameless(record: Record, contact: Contact, notices: list[Notice], labels: list[str],
              filled: tuple[str, ...]) -> Mapped:
    """Returns the skip of a record without a name, its emails or phones quoted in the reason."""
    what = _identifying_values(contact)
    reason = "no name" + (f" (only {what})" if what else "")
    notice = Notice(record.file, record.line, None, "no-name", f"{reason}: not sent; add a name to the row to import it")
    # Nothing of a record that is not sent is used: the column counts must not say otherwise.
    return Mapped(record, None, (*notices, notice), tuple(labels), frozenset(), skip="no-name", filled=filled)


def _names(w: _Work, compiled: Compiled) -> None:
    parts: dict[str, str] = {}
    present, name_columns = w.values.keys(), compiled.name_columns
    for part, sources in compiled.names.items():
        if present.isdisjoint(name_columns[part]):
            continue
        text, cols = w.read(sources, f"name_parts.{part}")
        if text:
            parts[part] = text
            w.used.update(cols)
    name = build_name(**parts) if parts else None
    w.name_was_split = "first" not in parts and "last" not in parts
    if name is not None:
        for key in ("full_name", "first_name", "last_name"):
            value = getattr(name, key)
            if value:
                w.contact[key] = value
    nickname = parts.get("nickname")
    if nickname and w.contact.get("full_name") != nickname:
        w.lines.append(f"Nickname: {nickname}")  # Dex has no nickname field


def _set_field(w: _Work, name: str, text: str, cols: tuple[str, ...]) -> None:
    result, problem = convert_field(name, text, date_order=w.date_order)
    if problem:
        w.note(cols[0] if cols else None, problem[0], problem[1])
    if result:
        w.contact.update(result)
        w.used.update(cols)


Value = tuple[str, str | None, tuple[str, ...]]


def _multi_values(w: _Work, spec: MultiSource, target: str) -> tuple[list[Value], bool]:
    """Returns (text, label, columns) for each value of a multi source, and whether it is primary.

    Google marks the primary value's label with "* " (`* Work`); one cell may hold several values.
    """
    text, cols = w.read(spec.value, target)
    if not text:
        return [], False
    label, primary = spec.label, False
    if spec.label_column:
        raw_label = clean_text(w.values.get(spec.label_column, ""))
        if spec.primary_marker and raw_label.startswith(spec.primary_marker):
            primary, raw_label = True, raw_label[len(spec.primary_marker):].strip()
        if raw_label:
            label = raw_label
            w.used.add(spec.label_column)
    pieces = [p.strip() for p in text.split(spec.split)] if spec.split else [text]
    return [(p, label, cols) for p in pieces if p], primary


def _ranked(w: _Work, specs: tuple[MultiSource, ...], target: str) -> list[Value]:
    """Returns the values of all specs, the ones marked primary first, in file order otherwise."""
    first: list[Value] = []
    rest: list[Value] = []
    present = w.values.keys()
    for spec in specs:
        if present.isdisjoint(spec.columns):
            continue
        values, primary = _multi_values(w, spec, target)
        (first if primary else rest).extend(values)
    return first + rest


def _emails(w: _Work, specs: tuple[MultiSource, ...]) -> None:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for text, label, cols in _ranked(w, specs, "email"):
        email, problem = clean_email(text)
        if problem or email is None:
            kind, message = problem or ("invalid-email", f"{text!r} is not an email address")
            w.note(cols[0], kind, message)
            continue
        w.used.update(cols)
        if fold_email(email) in seen:
            continue
        seen.add(fold_email(email))
        out.append(_labelled({"email": email}, label, len(out)))
    if out:
        w.contact["contact_emails"] = out


def _phones(w: _Work, specs: tuple[MultiSource, ...]) -> None:
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for text, label, cols in _ranked(w, specs, "phone"):
        result = sanitize_phone(text, region=w.region)
        if result is None:
            continue
        for kind, message in result.problems:
            w.note(cols[0], kind, message)
        w.used.update(cols)
        key = result.sanitized or "".join(ch for ch in result.phone_number if ch.isalnum())
        if key in seen:
            continue
        seen.add(key)
        entry: dict[str, Any] = {"phone_number": result.phone_number}
        if result.sanitized:
            entry["phone_number_sanitized"] = result.sanitized
        if result.country_code:
            entry["country_code"] = result.country_code
        out.append(_labelled(entry, label, len(out)))
    if out:
        w.contact["contact_phone_numbers"] = out


def _addresses(w: _Work, specs: tuple[MultiSource, ...]) -> None:
    out: list[dict[str, str]] = []
    for text, _label, cols in _ranked(w, specs, "address"):
        formatted = ", ".join(part for part in (clean_text(p) for p in text.splitlines()) if part)
        if formatted and all(a["formatted"] != formatted for a in out):
            out.append({"formatted": formatted})
        w.used.update(cols)
    if out:
        w.contact["legacy_contact_addresses"] = out
    for spec in specs:  # Dex's address has no label: say so in the column counts
        if spec.label_column:
            w.used.discard(spec.label_column)


def _websites(w: _Work, specs: tuple[MultiSource, ...]) -> None:
    for text, label, cols in _ranked(w, specs, "website"):
        target, value = website_target(text, label)
        if target is None:  # not a web address, nor a handle of the network it is labelled with: keep it
            w.lines.append(f"{label or 'Website'}: {text}")
            w.used.update(cols)
            continue
        w.used.update(cols)
        if target not in w.contact:
            w.contact[target] = value
        elif w.contact[target] != value:
            w.lines.append(f"{label or 'Website'}: {text}")


def _labels(w: _Work, compiled: Compiled) -> list[str]:
    labels: list[str] = []
    for spec in compiled.labels:
        raw = w.values.get(spec.column, "")
        pieces = raw.split(spec.split) if spec.split else [raw]
        for piece in (clean_text(p) for p in pieces):
            if not piece:
                continue
            w.used.add(spec.column)
            if spec.starred and piece.casefold() == spec.starred.casefold():  # legacy Google: "* Starred"
                w.contact["starred"] = True
            elif spec.system_prefix and piece.startswith(spec.system_prefix):
                continue  # Google's "* myContacts": a system group, not one of the person's
            elif piece not in labels:
                labels.append(piece)
    return labels


def _custom_fields(w: _Work, compiled: Compiled) -> None:
    out = []
    for ident, kind, sources in compiled.custom_fields:
        text, cols = w.read(sources, f"custom field {ident}")
        if text:
            out.append({"id": ident, "type": kind, "text_value": text})
            w.used.update(cols)
    if out:
        w.contact["custom_fields"] = out


def _unmapped(w: _Work, compiled: Compiled) -> None:
    for column, value in w.values.items():
        if column in compiled.referenced or column in compiled.ignored or not value.strip():
            continue
        w.note(column, "unmapped-column", unmapped_column(column, value))


def unused_alternative(target: str, value: str, column: str) -> str:
    """Returns the message for a fallback column's `value` that the chosen `column` does not hold."""
    return (f"{target}: {_shorten(value)!r} not imported: {column!r} already gave the {target}; map this "
            "column on its own to keep it")


def unmapped_column(column: str, value: str) -> str:
    """Returns the message for a value in a column the mapping does not name."""
    return (f"column {column!r} is not in the mapping: {_shorten(clean_text(value))!r} not imported; map it "
            "(for example under notes) or list it under ignore")


def _labelled(entry: dict[str, Any], label: str | None, ranking: int) -> dict[str, Any]:
    if label:
        entry["label"] = label
    entry["ranking"] = ranking
    return entry


def _identifying_values(contact: Contact) -> str:
    emails = [e["email"] for e in contact.get("contact_emails", [])]
    phones = [p["phone_number"] for p in contact.get("contact_phone_numbers", [])]
    return ", ".join((emails + phones)[:2])


def _shorten(text: str, width: int = 40) -> str:
    """Returns `text` cut to `width` characters with an ellipsis, for quoting a value in a notice."""
    return text if len(text) <= width else text[: width - 1] + "…"
