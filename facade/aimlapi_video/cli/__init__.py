"""The ``aimlapi-video`` command-line tool (extra ``aimlapi-video[cli]``).

Imported only by the ``aimlapi-video`` script and ``python -m aimlapi_video``, never by ``aimlapi_video``
itself, so the library does not load click or rich.
"""

from ._app import EXIT, cli, exit_code_for, main

__all__ = ["EXIT", "cli", "exit_code_for", "main"]
