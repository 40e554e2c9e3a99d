"""`python -m importer` runs the `dex-import` command."""

from importer.cli.main import main

raise SystemExit(main())
