"""Entry point of ``python -m aimlapi_video.testing``."""

from ._cli import main

raise SystemExit(main())
