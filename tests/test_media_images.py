"""Uploads become clean images or are refused with a reason (no HTTP, no database)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from blogapp.media.images import ImageRefused, clean_image, inspect
from tests import media_files as files

LIMIT = 40_000_000
WIDTHS = (640, 1280, 1920)


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(("data", "fmt", "extension", "content_type"), [
    (files.photo(fmt="JPEG"), "JPEG", "jpg", "image/jpeg"),
    (files.photo(fmt="PNG"), "PNG", "png", "image/png"),
    (files.photo(fmt="WEBP"), "WEBP", "webp", "image/webp"),
    (files.photo(fmt="GIF", mode="P"), "PNG", "png", "image/png"),
], ids=["jpeg", "png", "webp", "gif"])
def test_accepted_formats_are_encoded_again(data, fmt, extension, content_type):
    clean = clean_image(data, LIMIT, WIDTHS)
    assert (clean.extension, clean.content_type) == (extension, content_type)
    assert reopen(clean.full.data).format == fmt
    assert (clean.full.width, clean.full.height) == (800, 600)


def test_every_piece_of_metadata_is_gone_and_the_picture_is_upright():
    data = files.jpeg_with_metadata()
    before = Image.open(io.BytesIO(data))
    assert before.getexif().get_ifd(files.GPS_IFD)  # the fixture does carry GPS
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(before.info)
    clean = clean_image(data, LIMIT, WIDTHS)
    after = reopen(clean.full.data)
    assert dict(after.getexif()) == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(after.info)
    for needle in (b"SpyCam", b"secret-comment", b"secret-xmp", b"Exif", b"GPS"):
        assert needle not in clean.full.data
    # Orientation 6 (rotate 90° clockwise): the 300 x 200 picture stands 200 x 300, and
    # its blue left half is now on top.
    assert after.size == (200, 300)
    red, green, blue = after.getpixel((100, 20))
    assert blue > 150 and red < 100


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret-author")
    info.add_itxt("XML:com.adobe.xmp", "secret-xmp")
    data = files.encode(Image.new("RGB", (20, 20)), "PNG", pnginfo=info)
    clean = clean_image(data, LIMIT, WIDTHS)
    assert b"secret" not in clean.full.data and b"tEXt" not in clean.full.data


def test_a_jpeg_html_polyglot_keeps_only_the_picture():
    data = files.jpeg_html_polyglot()
    assert b"<script>" in data and Image.open(io.BytesIO(data)).format == "JPEG"
    clean = clean_image(data, LIMIT, WIDTHS)
    for needle in (b"<script", b"<html", b"alert"):
        assert needle not in clean.full.data


@pytest.mark.parametrize(("data", "status", "reason"), [
    (files.SVG_WITH_SCRIPT, 415, "not a JPEG, PNG, WebP or GIF"),
    (files.HTML_PAGE, 415, "not a JPEG, PNG, WebP or GIF"),
    (files.PDF, 415, "not a JPEG, PNG, WebP or GIF"),
    (b"\x00\x01garbage" * 50, 415, "not a JPEG, PNG, WebP or GIF"),
    (b"GIF89a" + b"\x00" * 10, 422, "damaged or incomplete"),
    (files.photo(fmt="BMP"), 415, "not a JPEG, PNG, WebP or GIF"),
    (files.photo(fmt="TIFF"), 415, "not a JPEG, PNG, WebP or GIF"),
    (files.truncated(files.photo(fmt="JPEG")), 422, "damaged or incomplete"),
    (files.truncated(files.photo(fmt="PNG")), 422, "damaged or incomplete"),
    (files.truncated(files.photo(fmt="WEBP"), 0.6), 422, "damaged or incomplete"),
    (b"", 422, "empty"),
], ids=["svg-with-script", "html", "pdf", "garbage", "gif-header-only", "bmp", "tiff",
        "truncated-jpeg", "truncated-png", "truncated-webp", "empty"])
def test_other_files_are_refused_with_a_reason(data, status, reason):
    with pytest.raises(ImageRefused, match=reason) as refused:
        clean_image(data, LIMIT, WIDTHS)
    assert refused.value.status == status


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = files.png_bomb()
    assert len(bomb) < 64 * 1024  # 400 megapixels in under 64 KB
    started = time.perf_counter()
    with pytest.raises(ImageRefused, match="too many pixels") as refused:
        clean_image(bomb, LIMIT, WIDTHS)
    assert time.perf_counter() - started < 0.5
    assert refused.value.status == 422


def test_the_pixel_limit_is_ours_and_names_the_size():
    data = files.photo(300, 200)
    assert inspect(data, 60_000) == ("JPEG", 300, 200)
    with pytest.raises(ImageRefused, match=r"\(300 x 200\).*at most 59,999"):
        clean_image(data, 59_999, WIDTHS)


@pytest.mark.parametrize(("width", "expected"), [
    (500, []),
    (640, []),
    (1000, [640]),
    (2400, [640, 1280, 1920]),
])
def test_narrower_renditions_never_upscale(width, expected):
    clean = clean_image(files.photo(width, width // 2), LIMIT, WIDTHS)
    assert [v.width for v in clean.variants] == expected
    for variant in clean.variants:
        image = reopen(variant.data)
        assert image.size == (variant.width, variant.height)
        assert abs(variant.height - variant.width / 2) <= 1
    assert clean.key(640 if expected else None).startswith(clean.digest)


def test_keys_are_content_addressed():
    data = files.photo()
    first, second = clean_image(data, LIMIT, WIDTHS), clean_image(data, LIMIT, WIDTHS)
    assert first.key() == second.key() == f"{first.digest}.jpg"
    assert first.key() != clean_image(files.photo(801, 600), LIMIT, WIDTHS).key()


def test_an_animated_gif_keeps_its_first_frame_as_png():
    clean = clean_image(files.animated_gif(), LIMIT, WIDTHS)
    image = reopen(clean.full.data)
    assert image.format == "PNG" and getattr(image, "n_frames", 1) == 1
    assert image.convert("RGB").getpixel((0, 0)) == (255, 0, 0)


@pytest.mark.parametrize(("mode", "fmt", "alpha"), [
    ("RGBA", "PNG", True), ("LA", "PNG", True), ("CMYK", "JPEG", False), ("L", "JPEG", False),
    ("RGBA", "WEBP", True), ("1", "PNG", False), ("I;16", "PNG", False),
])
def test_colour_modes_are_kept_or_converted(mode, fmt, alpha):
    image = Image.new(mode, (50, 40))
    clean = clean_image(files.encode(image, fmt), LIMIT, WIDTHS)
    stored = reopen(clean.full.data)
    assert ("A" in stored.mode) is alpha
    assert stored.mode in {"RGB", "RGBA", "L", "LA"}
