"""Checking and cleaning files before a message stores them.

The type is read from the file's first bytes (messaging.rules.sniff), never from its name or
the browser's claim. Images are decoded and written again by Pillow, which keeps the pixels
and drops everything else (EXIF with its GPS position and camera, comments, other chunks).
"""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from messaging.rules import EXTENSIONS, JPEG, PDF, PNG, sniff

# An image with more pixels than this is refused rather than decoded (a decompression bomb).
MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class CleanFile:
    name: str
    content_type: str
    data: bytes


def _safe_name(name: str, content_type: str) -> str:
    stem = "".join(c for c in (name or "").rsplit(".", 1)[0] if c.isalnum() or c in " -_")
    stem = stem.strip()[:80] or "attachment"
    return f"{stem}.{EXTENSIONS[content_type]}"


def _reencode(data: bytes, content_type: str) -> bytes:
    try:
        with Image.open(BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("This image is too large to open."), code="too_big")
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the picture the right way up
            out = BytesIO()
            if content_type == JPEG:
                image.convert("RGB").save(out, format="JPEG", quality=90)
            else:
                if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    image = image.convert("RGBA")
                image.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("This image could not be read."), code="unreadable") from None


def clean_files(files) -> list[CleanFile]:
    """The uploaded files checked and cleaned, or a ValidationError saying which file was
    refused and why (nothing is stored either way)."""
    limits = settings.MESSAGES
    files = [f for f in files if f]
    if len(files) > limits["MAX_FILES"]:
        raise ValidationError(
            ngettext(
                "Attach at most %(n)d file.", "Attach at most %(n)d files.", limits["MAX_FILES"]
            )
            % {"n": limits["MAX_FILES"]},
            code="too_many",
        )
    cleaned = []
    for upload in files:
        label = (upload.name or "")[:80]
        if upload.size > limits["MAX_FILE_BYTES"]:
            raise ValidationError(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": label, "mb": limits["MAX_FILE_BYTES"] // (1024 * 1024)},
                code="too_big",
            )
        upload.seek(0)
        data = upload.read(limits["MAX_FILE_BYTES"] + 1)
        if len(data) > limits["MAX_FILE_BYTES"]:
            raise ValidationError(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": label, "mb": limits["MAX_FILE_BYTES"] // (1024 * 1024)},
                code="too_big",
            )
        content_type = sniff(data[:16])
        if content_type is None:
            raise ValidationError(
                _("%(name)s is not a PDF, PNG or JPEG file.") % {"name": label},
                code="wrong_type",
            )
        if content_type in (PNG, JPEG):
            try:
                data = _reencode(data, content_type)
            except ValidationError as error:
                raise ValidationError(f"{label}: {error.messages[0]}", code=error.code) from None
        elif content_type == PDF and b"%%EOF" not in data[-2048:]:
            raise ValidationError(
                _("%(name)s is not a complete PDF file.") % {"name": label}, code="unreadable"
            )
        cleaned.append(
            CleanFile(
                name=_safe_name(upload.name, content_type), content_type=content_type, data=data
            )
        )
    return cleaned
