"""Turn uploaded bytes into clean images, or refuse them with a reason.

Nothing about an upload is trusted: not its name, not the Content-Type the browser sent.
Pillow recognises the format from the bytes, restricted to JPEG, PNG, WebP and GIF; the
pixel count is read from the header and checked before anything is decoded (a 20000 x
20000 PNG of one colour compresses to a few kilobytes and would take 1.6 GB to decode);
the image is decoded in full (a truncated or damaged file fails here), turned upright
from its EXIF orientation, converted to sRGB, and encoded again from the pixels alone.
So no EXIF (GPS above all), XMP, ICC profile, comment or trailing data survives, and a
file that is also something else (a JPEG/HTML polyglot) loses everything but the picture.

An animated GIF, WebP or PNG keeps its first frame only: the library serves still images
in several widths, and frames multiply the decoding cost an upload can ask for. GIFs are
stored as PNG (the same pixels, lossless, usually smaller).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")
#: How each accepted format is stored: Pillow format, file extension, Content-Type.
OUTPUT = {
    "JPEG": ("JPEG", "jpg", "image/jpeg"),
    "PNG": ("PNG", "png", "image/png"),
    "WEBP": ("WEBP", "webp", "image/webp"),
    "GIF": ("PNG", "png", "image/png"),
}
CONTENT_TYPES = {ext: content_type for _, ext, content_type in OUTPUT.values()}
ENCODER_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": False, "compress_level": 6},
    "WEBP": {"quality": 82, "method": 4},
}
KEY_HEX = 32  # 128 bits of SHA-256: content-addressed keys that never collide in practice


class ImageRefused(ValueError):
    """The upload is not an image the library accepts; the message says why."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status  # 415: not an accepted format; 422: damaged or too large


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class CleanImage:
    """An upload decoded and encoded again: the full size and narrower renditions."""

    digest: str  # names every rendition's storage key
    extension: str
    content_type: str
    full: Rendition
    variants: tuple[Rendition, ...]

    def key(self, width: int | None = None) -> str:
        """Return the storage key of the full size (or of the *width* rendition)."""
        suffix = "" if width is None or width == self.full.width else f"-w{width}"
        return f"{self.digest}{suffix}.{self.extension}"


def _looks_like_accepted(data: bytes) -> bool:
    """Tell whether *data* starts like an accepted format (for the message only: what is
    accepted is what Pillow decodes)."""
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _too_many_pixels(max_pixels: int, size: str = "") -> ImageRefused:
    return ImageRefused(f"The image{size} has too many pixels: at most {max_pixels:,} "
                        f"({max_pixels / 1e6:g} megapixels) are accepted.")


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Open *data* as one of the accepted formats (reads the header only)."""
    from PIL import Image  # here: a reader's worker never loads Pillow

    with warnings.catch_warnings():
        # The pixel limit is ours (inspect); Pillow's own bomb check, at twice
        # Image.MAX_IMAGE_PIXELS, is a ceiling above it, and its warning only repeats it.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=ACCEPTED)
        except Image.DecompressionBombError as exc:
            raise _too_many_pixels(max_pixels) from exc
        except Exception as exc:  # UnidentifiedImageError and the decoders' own errors
            if _looks_like_accepted(data):
                raise ImageRefused("The image is damaged or incomplete.") from exc
            raise ImageRefused(
                "This file is not a JPEG, PNG, WebP or GIF image. SVG, PDF and other "
                "files cannot be uploaded.", status=415) from exc


def inspect(data: bytes, max_pixels: int) -> tuple[str, int, int]:
    """Return (format, width, height) of *data*, checking the pixel count undecoded."""
    if not data:
        raise ImageRefused("The file is empty.")
    image = _open(data, max_pixels)
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRefused("The image has no pixels.")
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels, f" ({width} x {height})")
    return image.format, width, height


def _decode(data: bytes, max_pixels: int) -> Image.Image:
    """Verify and decode *data* completely (its first frame), upright."""
    from PIL import Image, ImageOps  # here: a reader's worker never loads Pillow

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            _open(data, max_pixels).verify()
            image = _open(data, max_pixels)
            image.load()
            upright = ImageOps.exif_transpose(image)
        except ImageRefused:
            raise
        except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, ...
            raise ImageRefused("The image is damaged or incomplete.") from exc
    return upright if upright is not None else image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels described by an embedded ICC profile to sRGB (then drop it)."""
    from PIL import ImageCms  # here: a reader's worker never loads Pillow

    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode=mode)
    except Exception:  # a broken or unusual profile: keep the pixels as they are
        return image
    return converted if converted is not None else image


def _pixels_only(image: Image.Image, output_format: str) -> Image.Image:
    """Return a new image holding the pixels alone (no info, so no metadata to save)."""
    from PIL import Image  # here: a reader's worker never loads Pillow

    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if output_format == "JPEG":
        mode = "L" if image.mode in ("L", "1") else "RGB"
    elif image.mode in ("L", "LA") and output_format == "PNG":
        mode = image.mode
    else:
        mode = "RGBA" if has_alpha else "RGB"
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def _encode(image: Image.Image, output_format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, output_format, **ENCODER_OPTIONS[output_format])
    return out.getvalue()


def clean_image(data: bytes, max_pixels: int, widths: tuple[int, ...]) -> CleanImage:
    """Decode *data*, strip everything but the pixels and make the narrower renditions."""
    from PIL import Image  # here: a reader's worker never loads Pillow

    source_format, _, _ = inspect(data, max_pixels)
    output_format, extension, content_type = OUTPUT[source_format]
    image = _pixels_only(_to_srgb(_decode(data, max_pixels)), output_format)
    full = Rendition(image.width, image.height, _encode(image, output_format))
    variants = []
    for width in sorted(set(widths)):
        if width >= image.width:
            break
        height = max(1, round(image.height * width / image.width))
        resized = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        variants.append(Rendition(width, height, _encode(resized, output_format)))
    digest = hashlib.sha256(full.data).hexdigest()[:KEY_HEX]
    return CleanImage(digest, extension, content_type, full, tuple(variants))
