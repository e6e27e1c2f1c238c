"""Contains all the data models used in inputs/outputs"""

from .create_video_generation_request import CreateVideoGenerationRequest
from .create_video_generation_request_duration import (
    CreateVideoGenerationRequestDuration,
)
from .create_video_generation_request_model import CreateVideoGenerationRequestModel
from .create_video_generation_request_resolution import (
    CreateVideoGenerationRequestResolution,
)
from .create_video_generation_request_shot_type import (
    CreateVideoGenerationRequestShotType,
)
from .video_generation import VideoGeneration
from .video_generation_error import VideoGenerationError
from .video_generation_error_detail import VideoGenerationErrorDetail
from .video_generation_error_detail_detail_item import (
    VideoGenerationErrorDetailDetailItem,
)
from .video_generation_meta import VideoGenerationMeta
from .video_generation_status import VideoGenerationStatus
from .video_generation_usage import VideoGenerationUsage
from .video_generation_video import VideoGenerationVideo

__all__ = (
    "CreateVideoGenerationRequest",
    "CreateVideoGenerationRequestDuration",
    "CreateVideoGenerationRequestModel",
    "CreateVideoGenerationRequestResolution",
    "CreateVideoGenerationRequestShotType",
    "VideoGeneration",
    "VideoGenerationError",
    "VideoGenerationErrorDetail",
    "VideoGenerationErrorDetailDetailItem",
    "VideoGenerationMeta",
    "VideoGenerationStatus",
    "VideoGenerationUsage",
    "VideoGenerationVideo",
)
