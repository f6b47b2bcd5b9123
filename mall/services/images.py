"""Product pictures: keep uploads at a size phones need, and make square thumbnails."""

import io
from pathlib import PurePath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

MAX_SIDE = 1200
THUMBNAIL_SIDE = 400


def _open(field_file) -> Image.Image:
    field_file.open("rb")
    field_file.seek(0)
    image = Image.open(field_file)
    image = ImageOps.exif_transpose(image)  # phone photos carry their rotation in EXIF
    return image.convert("RGB")


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name=f"{PurePath(name).stem}.jpg")


def downscaled(field_file) -> ContentFile | None:
    """The picture shrunk to MAX_SIDE, or None when it is already small enough."""
    image = _open(field_file)
    if max(image.size) <= MAX_SIDE:
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return _jpeg(image, field_file.name)


def square_thumbnail(field_file) -> ContentFile:
    image = ImageOps.fit(_open(field_file), (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return _jpeg(image, field_file.name)
