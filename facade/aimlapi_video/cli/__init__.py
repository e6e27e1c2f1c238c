"""The ``aimlapi-video`` command-line tool (extra ``aimlapi-video[cli]``).

Imported only by the ``aimlapi-video`` script and ``python -m aimlapi_video``, never by ``aimlapi_video``
itself, so the library does not load click or rich.
"""

from ._app import cli, main
from ._runtime import EXIT, exit_code_for

__all__ = ["EXIT", "cli", "exit_code_for", "main"]
