"""``python -m aimlapi_video``: the same as the ``aimlapi-video`` command."""

from aimlapi_video.cli import main

if __name__ == "__main__":
    main()
