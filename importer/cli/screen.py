"""Returns how wide and how colourful the CLI's text may be, and draws rich tables and paragraphs to a string.

`Screen` is the width and whether to colour; `screen_of(stream)` decides both for a stream: a terminal gets
its own width (or ``$COLUMNS``) and colour unless ``NO_COLOR`` is set (or ``TERM=dumb``); anything else (a
pipe, a file, a test's StringIO) gets ``$COLUMNS`` or 80 columns, and no colour, so that what is saved is
plain and the same every time.
`draw` lays out what `render` builds with rich, which is imported only here, when something is drawn.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

MIN_WIDTH, DEFAULT_WIDTH = 40, 80
HANG = 2
"""How much further than its first line a wrapped paragraph's other lines are indented."""


@dataclass(frozen=True)
class Screen:
    """Where the text goes: its width in columns, and whether it may hold colour."""

    width: int = DEFAULT_WIDTH
    color: bool = False


def screen_of(stream: Any, env: Mapping[str, str] = os.environ) -> Screen:
    """Returns the `Screen` of `stream`: ``$COLUMNS`` when it is set (at least 40), else a terminal's own
    width, else 80; colour only on a terminal, and not with a non-empty ``NO_COLOR`` nor ``TERM=dumb``.

    >>> screen_of(io.StringIO(), {})
    Screen(width=80, color=False)
    >>> screen_of(io.StringIO(), {"COLUMNS": "132"})
    Screen(width=132, color=False)
    """
    try:
        terminal = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed, or no isatty at all
        terminal = False
    width = DEFAULT_WIDTH
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif terminal:
        try:
            width = os.get_terminal_size(stream.fileno()).columns or DEFAULT_WIDTH
        except (AttributeError, ValueError, OSError):
            pass
    color = terminal and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
    return Screen(max(MIN_WIDTH, width), color)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, wrap: Sequence[str] = (),
          right: Sequence[str] = (), whole: Sequence[str] = (), widths: Mapping[str, int] | None = None,
          indent: bool = True) -> Table:
    """Returns a rich table of `rows` under `headers`, without borders: the columns named in `wrap` wrap
    their words to fit the width, those in `whole` are never narrowed (an email address cut short is no
    address), the others are cut with an ellipsis; those in `right` are right-aligned; `widths` caps the
    columns it names."""
    from rich import box
    from rich.table import Table

    shown = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=indent, padding=(0, 1), header_style="bold",
                  collapse_padding=True)
    for i, name in enumerate(headers):
        longest = max((len(line) for row in rows if isinstance(row[i], str) for line in row[i].split("\n")),
                      default=0)
        shown.add_column(name, overflow="fold" if name in wrap else "ellipsis", no_wrap=name not in wrap,
                         justify="right" if name in right else "left",
                         min_width=max(longest, len(name)) if name in whole else None,
                         max_width=(widths or {}).get(name))
    for row in rows:
        shown.add_row(*row)
    return shown


def styled(text: str, style: str) -> Any:
    """Returns `text` as a rich Text in `style` (``bold``, ``yellow``...), shown plain without colour."""
    from rich.text import Text

    return Text(text, style=style)


def draw(parts: Sequence[Any], screen: Screen) -> str:
    """Returns `parts` laid out for `screen`, one after another: a str (or a rich Text) is a paragraph (each of its lines wrapped
    at the width, keeping its leading spaces; a line starting with ``$ `` is a command and
    is never wrapped, so that it pastes whole), a rich renderable is drawn as itself. No markup is read in the
    strings: a name holding ``[bold]`` stays as written. A wrapped line's continuation is indented by
    `HANG` more than its first. Trailing spaces are removed."""
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=screen.width, color_system="standard" if screen.color else None,
                      force_terminal=screen.color, no_color=not screen.color, highlight=False, markup=False,
                      emoji=False, legacy_windows=False, force_jupyter=False, force_interactive=False)
    for part in parts:
        if not isinstance(part, (str, Text)):
            console.print(part)
            continue
        for line in (Text(part) if isinstance(part, str) else part).split("\n"):
            if line.plain.startswith("$ "):  # a command: whole on its line, even past the width
                console.print(Text("  ") + line[2:], soft_wrap=True)
                continue
            lead = len(line.plain) - len(line.plain.lstrip(" "))
            wrapped = line[lead:].wrap(console, max(screen.width - lead - HANG, 10))
            for n, piece in enumerate(wrapped or [Text("")]):
                console.print(Text(" " * (lead + (HANG if n else 0))) + piece, soft_wrap=True)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").split("\n"))
