"""Returns a compiled mapping as one generated Python function: the same result as `apply_mapping`, faster.

`apply_mapping` walks the compiled mapping for every record: which sources a field has, which of them are
single columns, whether a section has labels, splits or a primary marker. All of that is known once the
mapping is bound to a header, so `generate_mapper` writes the source of one function for it, with each
column read once into a local, every read, transform, label and note rule spelled out, and `exec`s it once.
`apply_mapping` stays the reference: tests/test_generated_mapping.py checks, over random rows of every
built-in mapping and the samples' own, that the two agree on contacts, notices, labels and used columns.

Safety: nothing read from a file or a mapping (column names, labels, formats, split strings, constants) is
ever written into the source. Each such value is a constant in the function's namespace (``K0``, ``K1``,
...), and the only names in the source are the generator's own (``c0`` for a column's cell, ``t`` for a
text being read): a header cell holding Python code stays a string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Optional

from importer.mapping import apply
from importer.mapping.compile import Compiled, MultiSource, Source
from importer.mapping.convert import apply_transforms, convert_field, website_target
from importer.model import Notice, Record
from importer.normalize.emails import clean_email
from importer.normalize.keys import fold_email
from importer.normalize.names import build_name, clean_text
from importer.normalize.phones import sanitize_phone

MapRecord = Callable[[Record, Optional[str]], apply.Mapped]
_STRING_TRANSFORMS = {"lower", "upper", "first_line", "strip_star"}


@dataclass(frozen=True)
class Mapper:
    """A compiled mapping's generated function (`map`, called as ``map(record, region)``) and its source."""

    compiled: Compiled
    source: str
    map: MapRecord


def generate_mapper(compiled: Compiled) -> Mapper:
    """Returns the generated mapper of `compiled`: ``mapper.map(record, region)`` equals
    ``apply_mapping(record, compiled, region=region)``."""
    writer = _Writer(compiled)
    source = writer.source()
    namespace: dict[str, Any] = {
        "Mapped": apply.Mapped, "Notice": Notice, "finish": apply.finish,
        "unused_alternative": apply.unused_alternative, "unmapped_column": apply.unmapped_column,
        "apply_transforms": apply_transforms, "convert_field": convert_field, "website_target": website_target,
        "clean_email": clean_email, "fold_email": fold_email, "build_name": build_name,
        "clean_text": clean_text, "sanitize_phone": sanitize_phone, "is_empty": compiled.is_empty,
        **writer.constants,
    }
    exec(compile(source, "<generated mapping>", "exec"), namespace)  # noqa: S102 - our own source, see above
    return Mapper(compiled, source, namespace["map_record"])


class _Writer:
    """Writes the source of one mapper; every value from the mapping or the header goes in `constants`."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self.constants: dict[str, object] = {}
        self._cells: dict[str, str] = {}  # column -> the local holding its cell
        self._lines: list[str] = []
        self._depth = 1

    def const(self, value: object) -> str:
        """Returns the name of a new constant holding `value`."""
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def cell(self, column: str) -> str:
        """Returns the local that holds the cell of `column` (loaded once, at the top)."""
        if column not in self._cells:
            self._cells[column] = f"c{len(self._cells)}"
        return self._cells[column]

    def emit(self, line: str) -> None:
        self._lines.append("    " * self._depth + line)

    def block(self, header: str) -> _Indent:
        self.emit(header)
        return _Indent(self)

    def source(self) -> str:
        c, mapping = self.compiled, self.compiled.mapping
        body_start = len(self._lines)
        if c.skip_columns:
            held = " or ".join(f"{self.cell(col)}.strip()" for col in c.skip_columns)
            reason = self.const(mapping.skip.reason if mapping.skip else "")
            with self.block(f"if not ({held}):"):
                self.emit(f"return Mapped(record, None, record.notices, skip={reason}, expected_skip=True)")
        self.emit(f"region = region or {self.const(mapping.region)}")
        self.emit("file, line = record.file, record.line")
        self.emit("notices = list(record.notices)")
        self.emit("used = set()")
        self.emit("contact = {}")
        self.emit("lines = []")
        self._names()
        for name, sources in c.fields.items():
            self.read(sources, name)
            with self.block("if t:"):
                self.emit(f"found, problem = convert_field({self.const(name)}, t, date_order=DATE_ORDER)")
                with self.block("if problem:"):
                    self.emit("notices.append(Notice(file, line, tc[0] if tc else None, problem[0], problem[1]))")
                with self.block("if found:"):
                    self.emit("contact.update(found)")
                    self.emit("used.update(tc)")
        self._emails()
        self._phones()
        self._addresses()
        self._websites()
        if c.notes:
            self.ranked(c.notes, "description")
            with self.block("for t, lb, tc in ranked:"):
                self.emit("lines.append(f'{lb}: {t}' if lb else t)")
                self.emit("used.update(tc)")
        self._labels()
        self._custom_fields()
        for key, value in mapping.constants.items():
            self.emit(f"contact.setdefault({self.const(key)}, {self.const(value)})")
        with self.block("if lines:"):
            self.emit("contact['description'] = '\\n'.join(filter(None, [contact.get('description', ''), *lines]))")
        self._unmapped()
        self.emit(f"return finish(record, contact, notices, labels, used, tuple(filled), name_was_split=name_was_split, "
                  f"has_names={bool(c.names)!r})")
        loads = ["    rv = record.values", "    get = rv.get"]
        for column, local in self._cells.items():
            loads.append(f"    {local} = get({self.const(column)}, '')")
            if c.blank:
                loads.append(f"    if {local} and is_empty({local}): {local} = ''")
        self.constants["DATE_ORDER"] = mapping.date_order
        body = self._lines[body_start:]
        return "\n".join(["def map_record(record, region=None):", *loads, *body]) + "\n"

    def read(self, sources: Sequence[Source], target: str) -> None:
        """Writes the reading of `sources` like `_Work.read`: `t` the text ("" for none), `tc` its columns."""
        self.emit("t = ''")
        self.emit("tc = ()")
        if not sources:
            return
        simple = len(sources) == 1 and not sources[0].transforms and not sources[0].format
        if len(sources) > 1:
            self.emit("si = -1")
        for i, src in enumerate(sources):
            guard = nullcontext() if i == 0 else self.block("if si < 0:")
            with guard:
                if len(src.columns) == 1:
                    self.emit(f"t = {self.cell(src.columns[0])}.strip()")
                    if len(sources) > 1:
                        with self.block("if t:"):
                            self.emit(f"si = {i}")
                            self.emit(f"tc = {self.const(src.columns)}")
                    else:
                        self.emit(f"tc = {self.const(src.columns)}")
                    continue
                self.emit("ps = []")
                self.emit("pc = []")
                for col in src.columns:
                    local = self.cell(col)
                    with self.block(f"if {local} and ({local}s := {local}.strip()):"):
                        self.emit(f"ps.append({local}s)")
                        self.emit(f"pc.append({self.const(col)})")
                with self.block("if ps:"):
                    self.emit(f"t = {self.const(src.join)}.join(ps)")
                    self.emit("tc = tuple(pc)")
                    if len(sources) > 1:
                        self.emit(f"si = {i}")
        if simple:
            return
        target_name = self.const(target)
        with self.block("if t:"):
            self.emit("raw = t")
            for i, src in enumerate(sources):
                with self.block(f"if si == {i}:") if len(sources) > 1 else nullcontext():
                    self._finish_source(sources, i, target_name)

    def _finish_source(self, sources: Sequence[Source], i: int, target: str) -> None:
        """Writes the transforms, format and fallbacks of the chosen source `i`."""
        src = sources[i]
        checked = bool(set(src.transforms) - _STRING_TRANSFORMS)
        if checked:  # a date that does not read is a notice, and the value is not used
            self.emit(f"t, pr = apply_transforms(t, {self.const(src.transforms)}, date_order=DATE_ORDER)")
            with self.block("if pr:"):
                self.emit(f"notices.append(Notice(file, line, tc[0], pr[0], {target} + ': ' + pr[1]))")
                self.emit("tc = ()")
            self.emit("else:")
            self._depth += 1
            self.emit("pass")
        for name in src.transforms if not checked else ():
            if name == "lower":
                self.emit("t = t.lower()")
            elif name == "upper":
                self.emit("t = t.upper()")
            elif name == "first_line":
                self.emit("t = t.strip().splitlines()[0] if t.strip() else ''")
            elif name == "strip_star":
                self.emit("t = t.removeprefix('* ').strip()")
        if src.format:
            with self.block("if t:"):
                self.emit(f"t = {self.const(src.format)}.replace('{{value}}', t)")
        if len(sources) > 1:
            self.emit("held = ' '.join(raw.split()).casefold()")
            self.emit("cov = []")
            for j, other in enumerate(sources):
                if j == i:
                    continue
                for col in other.columns:
                    name = self.const(col)
                    self.emit(f"v = ' '.join({self.cell(col)}.split())")
                    with self.block("if v:"):
                        with self.block("if v.casefold() in held:"):
                            self.emit(f"cov.append({name})")
                        with self.block("else:"):
                            self.emit(f"notices.append(Notice(file, line, {name}, 'unused-alternative', "
                                      f"unused_alternative({target}, v, tc[0])))")
            self.emit("tc = tc + tuple(cov)")
        if checked:
            self._depth -= 1

    def ranked(self, specs: Sequence[MultiSource], target: str) -> None:
        """Writes `ranked`, the (text, label, columns) of every spec, primary ones first (`_ranked`)."""
        primaries = any(s.label_column and s.primary_marker for s in specs)
        self.emit("ranked = []")
        if primaries:
            self.emit("first = []")
        for spec in specs:
            self.read(spec.value, target)
            with self.block("if t:"):
                self.emit(f"lb = {self.const(spec.label)}")
                into = "ranked"
                if spec.label_column:
                    self.emit(f"rl = clean_text({self.cell(spec.label_column)})")
                    if spec.primary_marker:
                        into = "(first if pm else ranked)"
                        self.emit("pm = False")
                        with self.block(f"if rl.startswith({self.const(spec.primary_marker)}):"):
                            self.emit(f"pm, rl = True, rl[{len(spec.primary_marker)}:].strip()")
                    with self.block("if rl:"):
                        self.emit("lb = rl")
                        self.emit(f"used.add({self.const(spec.label_column)})")
                if spec.split:
                    with self.block(f"for p in t.split({self.const(spec.split)}):"):
                        self.emit("p = p.strip()")
                        with self.block("if p:"):
                            self.emit(f"{into}.append((p, lb, tc))")
                else:
                    self.emit(f"{into}.append((t, lb, tc))")
        if primaries:
            self.emit("ranked = first + ranked")

    def _names(self) -> None:
        self.emit("parts = {}")
        for part, sources in self.compiled.names.items():
            self.read(sources, f"name_parts.{part}")
            with self.block("if t:"):
                self.emit(f"parts[{self.const(part)}] = t")
                self.emit("used.update(tc)")
        self.emit("name = build_name(**parts) if parts else None")
        self.emit("name_was_split = 'first' not in parts and 'last' not in parts")
        with self.block("if name is not None:"):
            for key in ("full_name", "first_name", "last_name"):
                with self.block(f"if name.{key}:"):
                    self.emit(f"contact['{key}'] = name.{key}")
        if "nickname" in self.compiled.names:
            self.emit("nickname = parts.get('nickname')")
            with self.block("if nickname and contact.get('full_name') != nickname:"):
                self.emit("lines.append(f'Nickname: {nickname}')")

    def _emails(self) -> None:
        if not self.compiled.emails:
            return
        self.ranked(self.compiled.emails, "email")
        self.emit("seen = set()")
        self.emit("out = []")
        with self.block("for t, lb, tc in ranked:"):
            self.emit("email, problem = clean_email(t)")
            with self.block("if problem or email is None:"):
                self.emit("kind, message = problem or ('invalid-email', f'{t!r} is not an email address')")
                self.emit("notices.append(Notice(file, line, tc[0], kind, message))")
                self.emit("continue")
            self.emit("used.update(tc)")
            self.emit("key = fold_email(email)")
            with self.block("if key in seen:"):
                self.emit("continue")
            self.emit("seen.add(key)")
            self.labelled("{'email': email}")
        with self.block("if out:"):
            self.emit("contact['contact_emails'] = out")

    def labelled(self, entry: str) -> None:
        self.emit(f"entry = {entry}")
        with self.block("if lb:"):
            self.emit("entry['label'] = lb")
        self.emit("entry['ranking'] = len(out)")
        self.emit("out.append(entry)")

    def _phones(self) -> None:
        if not self.compiled.phones:
            return
        self.ranked(self.compiled.phones, "phone")
        self.emit("seen = set()")
        self.emit("out = []")
        with self.block("for t, lb, tc in ranked:"):
            self.emit("result = sanitize_phone(t, region=region)")
            with self.block("if result is None:"):
                self.emit("continue")
            with self.block("for kind, message in result.problems:"):
                self.emit("notices.append(Notice(file, line, tc[0], kind, message))")
            self.emit("used.update(tc)")
            self.emit("key = result.sanitized or ''.join(ch for ch in result.phone_number if ch.isalnum())")
            with self.block("if key in seen:"):
                self.emit("continue")
            self.emit("seen.add(key)")
            self.emit("entry = {'phone_number': result.phone_number}")
            with self.block("if result.sanitized:"):
                self.emit("entry['phone_number_sanitized'] = result.sanitized")
            with self.block("if result.country_code:"):
                self.emit("entry['country_code'] = result.country_code")
            self.labelled("entry")
        with self.block("if out:"):
            self.emit("contact['contact_phone_numbers'] = out")

    def _addresses(self) -> None:
        specs = self.compiled.addresses
        if not specs:
            return
        self.ranked(specs, "address")
        self.emit("out = []")
        with self.block("for t, lb, tc in ranked:"):
            self.emit("formatted = ', '.join(part for part in (clean_text(p) for p in t.splitlines()) if part)")
            with self.block("if formatted and all(a['formatted'] != formatted for a in out):"):
                self.emit("out.append({'formatted': formatted})")
            self.emit("used.update(tc)")
        with self.block("if out:"):
            self.emit("contact['legacy_contact_addresses'] = out")
        for spec in specs:  # Dex's address has no label: say so in the column counts
            if spec.label_column:
                self.emit(f"used.discard({self.const(spec.label_column)})")

    def _websites(self) -> None:
        if not self.compiled.websites:
            return
        self.ranked(self.compiled.websites, "website")
        with self.block("for t, lb, tc in ranked:"):
            self.emit("target, value = website_target(t, lb)")
            self.emit("used.update(tc)")
            with self.block("if target is None:"):
                self.emit("lines.append(f\"{lb or 'Website'}: {t}\")")
            with self.block("elif target not in contact:"):
                self.emit("contact[target] = value")
            with self.block("elif contact[target] != value:"):
                self.emit("lines.append(f\"{lb or 'Website'}: {t}\")")

    def _labels(self) -> None:
        self.emit("labels = []")
        for spec in self.compiled.labels:
            cell, column = self.cell(spec.column), self.const(spec.column)
            pieces = f"{cell}.split({self.const(spec.split)})" if spec.split else f"[{cell}]"
            with self.block(f"for p in {pieces}:"):
                self.emit("p = clean_text(p)")
                with self.block("if not p:"):
                    self.emit("continue")
                self.emit(f"used.add({column})")
                test = "if"
                if spec.starred:
                    with self.block(f"if p.casefold() == {self.const(spec.starred.casefold())}:"):
                        self.emit("contact['starred'] = True")
                    test = "elif"
                if spec.system_prefix:
                    with self.block(f"{test} p.startswith({self.const(spec.system_prefix)}):"):
                        self.emit("continue")
                    test = "elif"
                with self.block(f"{test} p not in labels:"):
                    self.emit("labels.append(p)")

    def _custom_fields(self) -> None:
        if not self.compiled.custom_fields:
            return
        self.emit("out = []")
        for ident, kind, sources in self.compiled.custom_fields:
            self.read(sources, f"custom field {ident}")
            with self.block("if t:"):
                self.emit(f"out.append({{'id': {self.const(ident)}, 'type': {self.const(kind)}, 'text_value': t}})")
                self.emit("used.update(tc)")
        with self.block("if out:"):
            self.emit("contact['custom_fields'] = out")

    def _unmapped(self) -> None:
        """Writes the count of the cells holding a value (`filled`) and a notice for those not mapped."""
        c = self.compiled
        known = self.const(c.referenced | c.ignored)
        self.emit("filled = []")
        with self.block("for column, value in rv.items():"):
            with self.block("if value:"):
                self.emit("text = value.strip()")
                blank = f" and text.casefold() not in {self.const(c.blank)}" if c.blank else ""
                with self.block(f"if text{blank}:"):
                    self.emit("filled.append(column)")
                    with self.block(f"if column not in {known}:"):
                        self.emit("notices.append(Notice(file, line, column, 'unmapped-column', "
                                  "unmapped_column(column, value)))")


class _Indent:
    """Indents what is written inside a ``with`` one level (after the line that opened the block)."""

    def __init__(self, writer: _Writer) -> None:
        self.writer = writer

    def __enter__(self) -> None:
        self.writer._depth += 1

    def __exit__(self, *exc: object) -> None:
        self.writer._depth -= 1


GENERATE_AFTER = 100
"""Records mapped by `apply_mapping` before a mapper is generated: writing and compiling the source of a
built-in mapping takes 2-15 ms (Outlook's 92 columns the most), which the generated function wins back in
about a hundred records (it saves 40-150 µs a record); a 10-row preview never pays for it."""


class StagedMapper:
    """Maps records with `apply_mapping` for the first `after` records, then with the generated function.

    Call ``staged.map(record, region)``: `map` is replaced by the generated function once it pays.
    """

    def __init__(self, compiled: Compiled, *, after: int = GENERATE_AFTER) -> None:
        self.compiled = compiled
        self._left = after
        self.map: MapRecord = self._reference if after > 0 else generate_mapper(compiled).map

    def _reference(self, record: Record, region: str | None) -> apply.Mapped:
        self._left -= 1
        if self._left <= 0:
            self.map = generate_mapper(self.compiled).map
        return apply.apply_mapping(record, self.compiled, region=region)
