"""The `dex-import` command line: the only code that prints or asks.

- `main`: the entry point; every error becomes one line and a named exit code.
- `parser`: the argparse parser of every subcommand (loads nothing else, so ``--help`` is quick).
- `commands`: one function per subcommand, calling the library (`COMMANDS`); `account`: the checked Dex
  account of an import or undo, its lock and its journal.
- `page`: the HTML page of a preview or an import (Jinja2, autoescape).
- `safety`: the key scrubbed from every error line, control characters escaped, the crash file of a bug.
- `render`: the text the commands print; `output`: JSON written as it is made, and the progress bars.
- `screen`: the width and colour of the text (terminal, ``NO_COLOR``, ``COLUMNS``), drawn with rich.
- `words`: the human names of Dex fields and notice kinds, and the fix of each kind (terminal and page).
- `terminal`: an import's question once the account is checked, and what Ctrl-C and SIGTERM do.
"""
