from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.video_generation_status import VideoGenerationStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.video_generation_error import VideoGenerationError
    from ..models.video_generation_error_detail import VideoGenerationErrorDetail
    from ..models.video_generation_meta import VideoGenerationMeta
    from ..models.video_generation_video import VideoGenerationVideo


T = TypeVar("T", bound="VideoGeneration")


@_attrs_define
class VideoGeneration:
    """
    Attributes:
        id (str): The ID of the generated video.
        status (str | VideoGenerationStatus): The current status of the generation task.
        error (None | Unset | VideoGenerationError | VideoGenerationErrorDetail): Description of the error, if any.
        meta (None | Unset | VideoGenerationMeta): Additional details about the generation.
        video (list[str | VideoGenerationVideo] | None | Unset | VideoGenerationVideo):
    """

    id: str
    status: str | VideoGenerationStatus
    error: None | Unset | VideoGenerationError | VideoGenerationErrorDetail = UNSET
    meta: None | Unset | VideoGenerationMeta = UNSET
    video: list[str | VideoGenerationVideo] | None | Unset | VideoGenerationVideo = (
        UNSET
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.video_generation_error import VideoGenerationError
        from ..models.video_generation_error_detail import VideoGenerationErrorDetail
        from ..models.video_generation_meta import VideoGenerationMeta
        from ..models.video_generation_video import VideoGenerationVideo

        id = self.id

        status: str
        if isinstance(self.status, VideoGenerationStatus):
            status = self.status.value
        else:
            status = self.status

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, VideoGenerationError) or isinstance(
            self.error, VideoGenerationErrorDetail
        ):
            error = self.error.to_dict()
        else:
            error = self.error

        meta: dict[str, Any] | None | Unset
        if isinstance(self.meta, Unset):
            meta = UNSET
        elif isinstance(self.meta, VideoGenerationMeta):
            meta = self.meta.to_dict()
        else:
            meta = self.meta

        video: dict[str, Any] | list[dict[str, Any] | str] | None | Unset
        if isinstance(self.video, Unset):
            video = UNSET
        elif isinstance(self.video, VideoGenerationVideo):
            video = self.video.to_dict()
        elif isinstance(self.video, list):
            video = []
            for video_type_1_item_data in self.video:
                video_type_1_item: dict[str, Any] | str
                if isinstance(video_type_1_item_data, VideoGenerationVideo):
                    video_type_1_item = video_type_1_item_data.to_dict()
                else:
                    video_type_1_item = video_type_1_item_data
                video.append(video_type_1_item)

        else:
            video = self.video

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if meta is not UNSET:
            field_dict["meta"] = meta
        if video is not UNSET:
            field_dict["video"] = video

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.video_generation_error import VideoGenerationError
        from ..models.video_generation_error_detail import VideoGenerationErrorDetail
        from ..models.video_generation_meta import VideoGenerationMeta
        from ..models.video_generation_video import VideoGenerationVideo

        d = dict(src_dict)
        id = d.pop("id")

        def _parse_status(data: object) -> str | VideoGenerationStatus:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = VideoGenerationStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | VideoGenerationStatus, data)

        status = _parse_status(d.pop("status"))

        def _parse_error(
            data: object,
        ) -> None | Unset | VideoGenerationError | VideoGenerationErrorDetail:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = VideoGenerationError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = VideoGenerationErrorDetail.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None | Unset | VideoGenerationError | VideoGenerationErrorDetail, data
            )

        error = _parse_error(d.pop("error", UNSET))

        def _parse_meta(data: object) -> None | Unset | VideoGenerationMeta:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                meta_type_0 = VideoGenerationMeta.from_dict(data)

                return meta_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VideoGenerationMeta, data)

        meta = _parse_meta(d.pop("meta", UNSET))

        def _parse_video(
            data: object,
        ) -> list[str | VideoGenerationVideo] | None | Unset | VideoGenerationVideo:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                video_type_0 = VideoGenerationVideo.from_dict(data)

                return video_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, list):
                    raise TypeError()
                video_type_1 = []
                _video_type_1 = data
                for video_type_1_item_data in _video_type_1:

                    def _parse_video_type_1_item(
                        data: object,
                    ) -> str | VideoGenerationVideo:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            video_type_1_item_type_0 = VideoGenerationVideo.from_dict(
                                data
                            )

                            return video_type_1_item_type_0
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        return cast(str | VideoGenerationVideo, data)

                    video_type_1_item = _parse_video_type_1_item(video_type_1_item_data)

                    video_type_1.append(video_type_1_item)

                return video_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[str | VideoGenerationVideo] | None | Unset | VideoGenerationVideo,
                data,
            )

        video = _parse_video(d.pop("video", UNSET))

        video_generation = cls(
            id=id,
            status=status,
            error=error,
            meta=meta,
            video=video,
        )

        video_generation.additional_properties = d
        return video_generation

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
