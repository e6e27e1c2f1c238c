"""Whether a saved video is a whole MP4: its top-level boxes must tile the file exactly.

Why: when the host does not say how large the file is, a body without a declared length ends when the
connection closes, and a connection that closes early looks the same (over plain TCP always; over TLS when the
transport accepts a close without close_notify, as httpx's does). An MP4 (ISO BMFF) is a sequence of boxes,
each starting with its own size, so a cut one ends inside a box, or (cut between two boxes) lacks its index
(``moov``) or its media (``mdat``); fewer than 8 bytes are no video at all. Not caught: a fragmented MP4 cut
between two whole fragments, or after its last essential box. A file that does not start with ``ftyp``, or
has a box declared to run to the end of the file, cannot be judged.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

_HEAD = struct.Struct(">I4s")  # box size (including this header), box type
_LARGE = struct.Struct(">Q")  # the 64-bit size that follows when the 32-bit one is 1
_NEEDED = frozenset({b"moov", b"mdat"})


def whole_mp4(file: BinaryIO, size: int) -> bool | None:
    """Whether the first ``size`` bytes of ``file`` are whole top-level MP4 boxes: ``False`` if they are fewer
    than a box header, if the last box runs past the end (cut off), if a header is cut or invalid, or if
    ``moov`` or ``mdat`` is missing; ``None`` if it cannot be told (it does not start with an ``ftyp`` box, or
    a box is declared to run to the end of the file)."""
    if size < _HEAD.size:
        return False  # an empty body, or one cut inside the first header: not a video
    file.seek(0)
    if file.read(_HEAD.size)[4:] != b"ftyp":
        return None
    position, kinds = 0, set()
    while position < size:
        file.seek(position)
        head = file.read(min(_HEAD.size + _LARGE.size, size - position))
        box = _box_size(head)
        if box is None:
            return None
        if box == 0:
            return False
        kinds.add(head[4:8])
        position += box
    # a cut exactly between two boxes tiles too: a video also needs its index (moov) and its media (mdat)
    return position == size and _NEEDED <= kinds


def _box_size(head: bytes) -> int | None:
    """The size of the box whose header begins ``head``: ``None`` for "to the end of the file" (size 0), 0 when
    the header is cut off or declares a size smaller than itself."""
    if len(head) < _HEAD.size:
        return 0
    box, _ = _HEAD.unpack_from(head)
    if box == 0:
        return None
    if box == 1:  # the real size follows, in 64 bits
        if len(head) < _HEAD.size + _LARGE.size:
            return 0
        (box,) = _LARGE.unpack_from(head, _HEAD.size)
        return box if box >= _HEAD.size + _LARGE.size else 0
    return box if box >= _HEAD.size else 0
