"""Allow ``python -m kimitui``."""

from kimitui.cli import main

raise SystemExit(main())
