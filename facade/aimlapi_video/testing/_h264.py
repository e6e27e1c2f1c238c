"""A minimal H.264 encoder: Baseline profile, every frame an IDR of ``I_PCM`` macroblocks.

``I_PCM`` stores raw samples, so no transform or entropy coding is needed, yet the result is a standard
bitstream any decoder plays. It keeps the emulator's video self-made (no ffmpeg, no binary fixtures).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EncodedStream", "encode_solid_frames"]

_MB = 16  # macroblock edge in pixels
_I_PCM = 25  # mb_type of an I_PCM macroblock in an I slice
_NAL_SPS = 0x67  # nal_ref_idc 3, type 7
_NAL_PPS = 0x68  # nal_ref_idc 3, type 8
_NAL_IDR = 0x65  # nal_ref_idc 3, type 5
_PROFILE_BASELINE = 66
_LEVEL = 10


class _BitWriter:
    """Big-endian bit writer with the Exp-Golomb codes H.264 headers use."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._acc = 0
        self._bits = 0

    def u(self, bits: int, value: int) -> None:
        for shift in range(bits - 1, -1, -1):
            self._acc = (self._acc << 1) | ((value >> shift) & 1)
            self._bits += 1
            if self._bits == 8:
                self._out.append(self._acc)
                self._acc = 0
                self._bits = 0

    def ue(self, value: int) -> None:
        code = value + 1
        length = code.bit_length()
        self.u(length - 1, 0)
        self.u(length, code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        while self._bits:
            self.u(1, 0)

    def raw(self, data: bytes) -> None:
        """Append whole bytes; the writer must be byte-aligned."""
        if self._bits:
            raise ValueError("raw bytes need a byte-aligned writer")
        self._out += data

    def trailing(self) -> bytes:
        """Finish with ``rbsp_trailing_bits`` and return the RBSP."""
        self.u(1, 1)
        self.align_zero()
        return bytes(self._out)


def _escape(rbsp: bytes) -> bytes:
    """Insert emulation-prevention bytes so no start code appears inside a NAL unit."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps(width_mbs: int, height_mbs: int) -> bytes:
    w = _BitWriter()
    w.u(8, _PROFILE_BASELINE)
    w.u(8, 0xC0)  # constraint_set0/1: decodable by Baseline and Main decoders
    w.u(8, _LEVEL)
    w.ue(0)  # seq_parameter_set_id
    w.ue(0)  # log2_max_frame_num_minus4
    w.ue(2)  # pic_order_cnt_type 2: output order equals decoding order
    w.ue(0)  # max_num_ref_frames: intra only
    w.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    w.ue(width_mbs - 1)
    w.ue(height_mbs - 1)
    w.u(1, 1)  # frame_mbs_only_flag
    w.u(1, 1)  # direct_8x8_inference_flag
    w.u(1, 0)  # frame_cropping_flag
    w.u(1, 0)  # vui_parameters_present_flag
    return bytes([_NAL_SPS]) + _escape(w.trailing())


def _pps() -> bytes:
    w = _BitWriter()
    w.ue(0)  # pic_parameter_set_id
    w.ue(0)  # seq_parameter_set_id
    w.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    w.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    w.ue(0)  # num_slice_groups_minus1
    w.ue(0)  # num_ref_idx_l0_default_active_minus1
    w.ue(0)  # num_ref_idx_l1_default_active_minus1
    w.u(1, 0)  # weighted_pred_flag
    w.u(2, 0)  # weighted_bipred_idc
    w.se(0)  # pic_init_qp_minus26
    w.se(0)  # pic_init_qs_minus26
    w.se(0)  # chroma_qp_index_offset
    w.u(1, 0)  # deblocking_filter_control_present_flag
    w.u(1, 0)  # constrained_intra_pred_flag
    w.u(1, 0)  # redundant_pic_cnt_present_flag
    return bytes([_NAL_PPS]) + _escape(w.trailing())


def _idr_slice(index: int, macroblocks: int, yuv: tuple[int, int, int]) -> bytes:
    w = _BitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(7)  # slice_type: I (all slices of the picture)
    w.ue(0)  # pic_parameter_set_id
    w.u(4, 0)  # frame_num (0 for IDR)
    w.ue(index % 2)  # idr_pic_id: consecutive IDR pictures must differ
    w.u(1, 0)  # no_output_of_prior_pics_flag
    w.u(1, 0)  # long_term_reference_flag
    w.se(0)  # slice_qp_delta
    y, u, v = yuv
    samples = bytes([y]) * (_MB * _MB) + bytes([u]) * 64 + bytes([v]) * 64
    for _ in range(macroblocks):
        w.ue(_I_PCM)
        w.align_zero()  # pcm_alignment_zero_bit
        w.raw(samples)
    return bytes([_NAL_IDR]) + _escape(w.trailing())


@dataclass(frozen=True)
class EncodedStream:
    """Parameter sets and one access unit (a single NAL unit) per frame."""

    width: int
    height: int
    sps: bytes
    pps: bytes
    frames: tuple[bytes, ...]
    profile: int = _PROFILE_BASELINE
    level: int = _LEVEL


def encode_solid_frames(width: int, height: int, colors: list[tuple[int, int, int]]) -> EncodedStream:
    """Encode one solid-colour frame per ``(Y, Cb, Cr)`` triple; sizes must be multiples of 16."""
    if width % _MB or height % _MB or width <= 0 or height <= 0:
        raise ValueError("width and height must be positive multiples of 16")
    if not colors:
        raise ValueError("at least one frame is needed")
    macroblocks = (width // _MB) * (height // _MB)
    frames = tuple(_idr_slice(i, macroblocks, c) for i, c in enumerate(colors))
    return EncodedStream(width, height, _sps(width // _MB, height // _MB), _pps(), frames)
