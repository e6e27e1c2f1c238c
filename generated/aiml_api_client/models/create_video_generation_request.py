from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_video_generation_request_duration import (
    CreateVideoGenerationRequestDuration,
)
from ..models.create_video_generation_request_model import (
    CreateVideoGenerationRequestModel,
)
from ..models.create_video_generation_request_resolution import (
    CreateVideoGenerationRequestResolution,
)
from ..models.create_video_generation_request_shot_type import (
    CreateVideoGenerationRequestShotType,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateVideoGenerationRequest")


@_attrs_define
class CreateVideoGenerationRequest:
    """
    Attributes:
        image_url (str): A direct link to an online image or a Base64-encoded local image that will serve as the visual
            base or the first frame for the video.
        model (CreateVideoGenerationRequestModel):
        prompt (str): The text description of the scene, subject, or action to generate in the video.
        audio_url (str | Unset): The URL of the audio file. The model will use this audio to generate the video.
        duration (CreateVideoGenerationRequestDuration | Unset):
        enhance_prompt (bool | Unset): Whether to enable prompt expansion.

            Server default: true.
        generate_audio (bool | Unset): Specifies whether to automatically add audio to the generated video.
            This parameter takes effect only when 'audio_url' is not provided.

            Server default: true.
        negative_prompt (str | Unset): The description of elements to avoid in the generated video.
        resolution (CreateVideoGenerationRequestResolution | Unset):
        seed (int | Unset): Varying the seed integer is a way to get different results for the same other request
            parameters. Using the same value for an identical request will produce similar results. If unspecified, a random
            number is chosen.
        shot_type (CreateVideoGenerationRequestShotType | Unset):
    """

    image_url: str
    model: CreateVideoGenerationRequestModel
    prompt: str
    audio_url: str | Unset = UNSET
    duration: CreateVideoGenerationRequestDuration | Unset = UNSET
    enhance_prompt: bool | Unset = UNSET
    generate_audio: bool | Unset = UNSET
    negative_prompt: str | Unset = UNSET
    resolution: CreateVideoGenerationRequestResolution | Unset = UNSET
    seed: int | Unset = UNSET
    shot_type: CreateVideoGenerationRequestShotType | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        image_url = self.image_url

        model = self.model.value

        prompt = self.prompt

        audio_url = self.audio_url

        duration: int | Unset = UNSET
        if not isinstance(self.duration, Unset):
            duration = self.duration.value

        enhance_prompt = self.enhance_prompt

        generate_audio = self.generate_audio

        negative_prompt = self.negative_prompt

        resolution: str | Unset = UNSET
        if not isinstance(self.resolution, Unset):
            resolution = self.resolution.value

        seed = self.seed

        shot_type: str | Unset = UNSET
        if not isinstance(self.shot_type, Unset):
            shot_type = self.shot_type.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "image_url": image_url,
                "model": model,
                "prompt": prompt,
            }
        )
        if audio_url is not UNSET:
            field_dict["audio_url"] = audio_url
        if duration is not UNSET:
            field_dict["duration"] = duration
        if enhance_prompt is not UNSET:
            field_dict["enhance_prompt"] = enhance_prompt
        if generate_audio is not UNSET:
            field_dict["generate_audio"] = generate_audio
        if negative_prompt is not UNSET:
            field_dict["negative_prompt"] = negative_prompt
        if resolution is not UNSET:
            field_dict["resolution"] = resolution
        if seed is not UNSET:
            field_dict["seed"] = seed
        if shot_type is not UNSET:
            field_dict["shot_type"] = shot_type

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        image_url = d.pop("image_url")

        model = CreateVideoGenerationRequestModel(d.pop("model"))

        prompt = d.pop("prompt")

        audio_url = d.pop("audio_url", UNSET)

        _duration = d.pop("duration", UNSET)
        duration: CreateVideoGenerationRequestDuration | Unset
        if isinstance(_duration, Unset):
            duration = UNSET
        else:
            duration = CreateVideoGenerationRequestDuration(_duration)

        enhance_prompt = d.pop("enhance_prompt", UNSET)

        generate_audio = d.pop("generate_audio", UNSET)

        negative_prompt = d.pop("negative_prompt", UNSET)

        _resolution = d.pop("resolution", UNSET)
        resolution: CreateVideoGenerationRequestResolution | Unset
        if isinstance(_resolution, Unset):
            resolution = UNSET
        else:
            resolution = CreateVideoGenerationRequestResolution(_resolution)

        seed = d.pop("seed", UNSET)

        _shot_type = d.pop("shot_type", UNSET)
        shot_type: CreateVideoGenerationRequestShotType | Unset
        if isinstance(_shot_type, Unset):
            shot_type = UNSET
        else:
            shot_type = CreateVideoGenerationRequestShotType(_shot_type)

        create_video_generation_request = cls(
            image_url=image_url,
            model=model,
            prompt=prompt,
            audio_url=audio_url,
            duration=duration,
            enhance_prompt=enhance_prompt,
            generate_audio=generate_audio,
            negative_prompt=negative_prompt,
            resolution=resolution,
            seed=seed,
            shot_type=shot_type,
        )

        create_video_generation_request.additional_properties = d
        return create_video_generation_request

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
