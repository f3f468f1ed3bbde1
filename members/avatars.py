"""Avatar uploads: checked to be a real image of sane size, re-encoded, cut square, shrunk.

Re-encoding is what makes an upload safe to serve: whatever the file carried (EXIF with a
location, a polyglot payload, an animated GIF) only the pixels survive, as a plain JPEG.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: any real camera, no decompression bomb
MAX_SIDE = 10_000
MIN_SIDE = 32
# "MPO" is a JPEG holding more than one picture (phones, 3D and some compact cameras): a JPEG
# to whoever took it; the first picture is the photo.
FORMATS = {"JPEG", "MPO", "PNG", "GIF", "WEBP"}
SIZE = 512
THUMB_SIZE = 128


@dataclass(frozen=True)
class ProcessedAvatar:
    full: bytes
    thumb: bytes


def _megabytes(size: int, *, decimals: int = 0) -> str:
    """`size` bytes in MB, written the reader's way (5.6 in English, 5,6 in French), rounded
    up: a file just over the limit never reads as the limit itself."""
    scale = 10**decimals
    megabytes = math.ceil(size * scale / 1024 / 1024) / scale
    return number_format(megabytes, decimal_pos=decimals, use_l10n=True)


def _square(img: Image.Image, size: int) -> bytes:
    out = ImageOps.fit(img, (size, size), method=Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=85, optimize=True, progressive=True)
    return buf.getvalue()


def avatar_process(upload) -> ProcessedAvatar:
    """Validate an uploaded file and return the square JPEGs to store.

    Raises ValidationError with a message a member can act on.
    """
    size = getattr(upload, "size", None) or 0
    if size > MAX_BYTES:
        raise ValidationError(
            _("This picture is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size, decimals=1), "limit": _megabytes(MAX_BYTES)},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    not_image = ValidationError(
        _("This file is not a picture we can read. Upload a JPEG, PNG, GIF or WebP image."),
        code="not_image",
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                fmt = probe.format
                width, height = probe.size
                probe.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("This picture has too many pixels (at most %(mp)d megapixels).")
            % {"mp": MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_image from None
    if fmt not in FORMATS:
        raise not_image
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ValidationError(
            _("This picture has too many pixels (at most %(mp)d megapixels).")
            % {"mp": MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        )
    if min(width, height) < MIN_SIDE:
        raise ValidationError(
            _("This picture is too small: it needs at least %(px)d by %(px)d pixels.")
            % {"px": MIN_SIDE},
            code="too_small",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
            if img.mode == "I" or img.mode.startswith("I;16"):
                # 16-bit greyscale (0-65535): scaled to 8 bits. Converted as it is, every
                # shade above the 256 darkest would come out white.
                img = img.convert("I").point(lambda v: v / 256).convert("L")
            if img.mode not in ("RGB", "L") or "transparency" in img.info:
                # Transparent pictures (an alpha channel, a transparent palette entry or a
                # transparent colour key) land on white rather than black.
                rgba = img.convert("RGBA")
                background = Image.new("RGB", rgba.size, (255, 255, 255))
                background.paste(rgba, mask=rgba.getchannel("A"))
                img = background
            else:
                img = img.convert("RGB")
            return ProcessedAvatar(full=_square(img, SIZE), thumb=_square(img, THUMB_SIZE))
    except (OSError, ValueError, SyntaxError):
        raise not_image from None
