from enum import StrEnum


class VideoGenerationStatus(StrEnum):
    COMPLETED = "completed"
    ERROR = "error"
    GENERATING = "generating"
    QUEUED = "queued"

    def __str__(self) -> str:
        return str(self.value)
