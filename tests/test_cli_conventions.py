"""CLI conventions of issue 14: --version, examples at the end of every --help, option groups, pasteable paths."""

from __future__ import annotations

import io
import shlex

import pytest

from importer import __version__
from importer.cli.main import main
from importer.cli.parser import EXAMPLES, build_parser


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_version() -> None:
    assert run("--version") == (0, f"dex-import {__version__}\n", "")


@pytest.mark.parametrize("command", [[], ["preview"], ["import"], ["runs"], ["undo"], ["sandbox"], ["detect"],
                                     ["check-mapping"], ["mapping"], ["mapping", "init"], ["demo"], ["formats"]],
                         ids=lambda c: " ".join(c) or "dex-import")
def test_every_help_ends_with_examples_that_parse(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    examples = out.split("\nexamples:\n", 1)[1].splitlines()
    assert 1 <= len(examples) <= 3 and examples == [f"  {e}" for e in EXAMPLES[command[-1] if command else ""]]
    for example in examples:  # each example is a command the parser accepts as written
        argv = shlex.split(example.split(">")[0])
        assert argv[0] == "dex-import"
        assert build_parser().parse_args(argv[1:]).run


def test_options_come_in_groups() -> None:
    _, out, _ = run("import", "--help")
    for group in ("reading the files:", "merging:", "Dex account:", "contacts already in Dex:", "sending:"):
        assert f"\n{group}\n" in out


def test_a_suggested_command_quotes_a_path_with_spaces() -> None:
    from importer.cli.commands import shell_quote

    path = "iPhone Contacts.failures-20260105.vcf"
    assert shlex.split(f"dex-import import {shell_quote(path)}") == ["dex-import", "import", path]
