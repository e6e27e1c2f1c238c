"""aimlapi-video: a typed client for the AI/ML API video generation endpoint (image-to-video).

    from aimlapi_video import VideoClient

    with VideoClient() as client:  # key from AIMLAPI_API_KEY
        result = client.generate("photo.jpg", "She smiles", duration=5, output="out.mp4")

The emulator lives in ``aimlapi_video.testing`` (extra ``aimlapi-video[testing]``); the command-line tool in
``aimlapi_video.cli`` (extra ``aimlapi-video[cli]``). Neither is imported here, so this import stays light.
"""

import logging as _logging

from ._async_client import AsyncVideoClient
from ._client import VideoClient
from ._errors import (
    AIMLAPIError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    DownloadError,
    GenerationError,
    GenerationFailedError,
    InvalidInputError,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    SubmitUncertainError,
    VideoUrlExpiredError,
    WaitTimeoutError,
)
from ._media import AudioSource, BinaryReadable, ImageSource
from ._models import (
    Completed,
    DownloadProgress,
    Duration,
    Failed,
    GenerationResult,
    GenerationState,
    Job,
    KnownStatus,
    Pending,
    ProgressEvent,
    Resolution,
    ShotType,
    Usage,
)
from ._polling import PollSchedule

__version__ = "0.1.0"

__all__ = [
    "AIMLAPIError",
    "APIConnectionError",
    "APIError",
    "AsyncVideoClient",
    "AudioSource",
    "AuthenticationError",
    "BinaryReadable",
    "Completed",
    "DownloadError",
    "DownloadProgress",
    "Duration",
    "Failed",
    "GenerationError",
    "GenerationFailedError",
    "GenerationResult",
    "GenerationState",
    "ImageSource",
    "InvalidInputError",
    "InvalidRequestError",
    "Job",
    "KnownStatus",
    "NotFoundError",
    "Pending",
    "PollSchedule",
    "ProgressEvent",
    "RateLimitError",
    "Resolution",
    "ServerError",
    "ShotType",
    "SubmitUncertainError",
    "Usage",
    "VideoClient",
    "VideoUrlExpiredError",
    "WaitTimeoutError",
    "__version__",
]

# A library logs, the application decides where it goes: without this, Python's last-resort handler would print
# the client's warnings (a rate limit, a retried status check) on stderr of a program that configured nothing.
_logging.getLogger("aimlapi_video").addHandler(_logging.NullHandler())
