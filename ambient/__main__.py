"""`python -m ambient` is the `ambient` command."""

from ambient.cli import main

raise SystemExit(main())
