from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="VideoGenerationUsage")


@_attrs_define
class VideoGenerationUsage:
    """
    Attributes:
        credits_used (float | Unset): The number of tokens consumed during generation.
        tokens_used (float | Unset): Usage reported by older models.
        usd_spent (float | Unset): Cost in USD reported by newer models.
    """

    credits_used: float | Unset = UNSET
    tokens_used: float | Unset = UNSET
    usd_spent: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        credits_used = self.credits_used

        tokens_used = self.tokens_used

        usd_spent = self.usd_spent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if credits_used is not UNSET:
            field_dict["credits_used"] = credits_used
        if tokens_used is not UNSET:
            field_dict["tokens_used"] = tokens_used
        if usd_spent is not UNSET:
            field_dict["usd_spent"] = usd_spent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        credits_used = d.pop("credits_used", UNSET)

        tokens_used = d.pop("tokens_used", UNSET)

        usd_spent = d.pop("usd_spent", UNSET)

        video_generation_usage = cls(
            credits_used=credits_used,
            tokens_used=tokens_used,
            usd_spent=usd_spent,
        )

        video_generation_usage.additional_properties = d
        return video_generation_usage

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
