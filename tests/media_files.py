"""Image files for the media tests, made on the spot: ordinary ones, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image, ImageCms

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def photo(width: int = 800, height: int = 600, fmt: str = "JPEG", mode: str = "RGB",
          **options) -> bytes:
    """A picture with some detail (a gradient), so encoders have work to do."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    return encode(image, fmt, **options)


def noisy_photo(width: int, height: int) -> bytes:
    """A JPEG that hardly compresses (noise): a couple of megabytes at 1500 x 1500."""
    image = Image.merge("RGB", [Image.effect_noise((width, height), 80) for _ in range(3)])
    return encode(image, "JPEG", quality=95)


def jpeg_with_metadata() -> bytes:
    """A JPEG carrying GPS coordinates, an orientation (rotate 90°), a camera make, a
    comment, XMP and an ICC profile: everything an upload must lose but the pixels."""
    image = Image.new("RGB", (300, 200), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, 150, 200))  # left half blue: orientation is visible
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[ORIENTATION] = 6  # the camera was turned: show rotated 90° clockwise
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.5), 3: "E", 4: (13.0, 24.0, 36.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
           b'02/22-rdf-syntax-ns#"><rdf:Description>secret-xmp</rdf:Description></rdf:RDF>'
           b"</x:xmpmeta>")
    return encode(image, "JPEG", exif=exif.tobytes(), comment=b"secret-comment",
                  icc_profile=icc, xmp=xmp)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


@cache
def png_bomb(side: int = 20_000) -> bytes:
    """A complete, valid side x side 1-bit PNG of one colour: about 50 KB on disk,
    400 megapixels (1.6 GB as RGBA) once decoded."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(side)]
    idat = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG whose comment segment and trailing bytes are an HTML page with a
    script: sniffed as HTML, or opened from disk, it would run."""
    page = b"<html><body><script>alert(document.domain)</script></body></html>"
    return photo(64, 64, comment=page) + page


SVG_WITH_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
                   b'height="10"><script>alert(document.cookie)</script>'
                   b'<rect width="10" height="10"/></svg>')
HTML_PAGE = b"<!doctype html><html><body><script>alert(1)</script>Hello</body></html>"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[:int(len(data) * keep)]


def animated_gif(frames: int = 3) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", (40, 30), colour) for colour in colours[:frames]]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=100,
                  loop=0)
