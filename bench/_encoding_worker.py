"""The encoding benchmark in a fresh process (see ``encoding``): prints its results as one JSON line."""

from __future__ import annotations

import sys

from bench._common import emit
from bench.encoding import measure

if __name__ == "__main__":
    emit(measure(quick="--quick" in sys.argv[1:]))
