from enum import StrEnum


class CreateVideoGenerationRequestModel(StrEnum):
    ALIBABAWAN_2_6_IMAGE_TO_VIDEO_FLASH = "alibaba/wan-2-6-image-to-video-flash"

    def __str__(self) -> str:
        return str(self.value)
