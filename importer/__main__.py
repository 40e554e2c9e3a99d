"""`python -m importer` runs the `dex-import` command."""

from importer.cli import main

raise SystemExit(main())
