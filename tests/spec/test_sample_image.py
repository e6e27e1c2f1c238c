"""The demo's sample image is made by the project: the committed file is what the script draws."""

from __future__ import annotations

from pathlib import Path

from make_sample_image import HEIGHT, OUTPUT, WIDTH, main, png


def test_committed_sample_image_is_what_the_script_draws(tmp_path: Path) -> None:
    """Regenerating gives the committed bytes exactly, so the image provably comes from this project."""
    assert 0 == main([str(tmp_path / "sunrise.png")])
    assert OUTPUT.read_bytes() == (tmp_path / "sunrise.png").read_bytes()


def test_sample_image_is_a_png_of_the_stated_size() -> None:
    """A PNG signature and an IHDR with the declared width and height."""
    data = png(WIDTH, HEIGHT)
    assert b"\x89PNG\r\n\x1a\n" == data[:8]
    assert (WIDTH, HEIGHT) == (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
