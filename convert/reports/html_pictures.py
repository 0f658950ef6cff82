"""The pictures of the HTML reports: the photo, the class mask laid over it, the offending pixels, boxes.

Pictures are bounded JPEG thumbnails embedded as ``data:`` URIs; nothing is fetched.  An image smaller than
``THUMB_WIDTH`` is enlarged by a whole factor, so its pixels stay sharp blocks; a missing photo is a
labelled grey placeholder of the same size.  Boxes (a COCO ``bbox`` field against the box of the pixels) are
drawn in image coordinates scaled to the thumbnail.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from convert.files.images import open_image
from convert.model.labelmap import LabelMap

THUMB_WIDTH = 480
JPEG_QUALITY = 82
DECLARED_BOX = (255, 140, 0)  # a source's own bbox field: orange
MEASURED_BOX = (0, 220, 255)  # the box of the region's pixels: cyan
OFFENDING = (255, 0, 255)  # offending pixels: magenta
# pixels a repair filled or merged (segconv fix): yellow, which no class of the VOC palette shows (its channels
# stop at 224), where green is the palette's sofa, potted plant...
REPAIRED = (255, 255, 0)


def jpeg_uri(image: Image.Image) -> str:
    buf = io.BytesIO()
    # 4:4:4 (no chroma subsampling): thin lines and single marked pixels keep their colour
    image.convert("RGB").save(buf, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _placeholder(size: tuple[int, int], text: str) -> Image.Image:
    image = Image.new("RGB", size, (120, 120, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0] - 1, size[1] - 1], outline=(200, 200, 200), width=2)
    draw.multiline_text((12, 12), text, fill=(255, 255, 255))
    return image


def photo_thumbnail(sample, width: int, height: int) -> tuple[Image.Image, bool]:
    """The sample's photo at :func:`thumb_size` (EXIF orientation applied), or a labelled placeholder of that
    size when it is not found; and whether it was found."""
    size = thumb_size(width, height)
    photo = sample.image_data if sample.image_data is not None else sample.image_path  # embedded first
    if photo:
        try:
            with open_image(photo) as im:  # its size was checked against --max-pixels
                im.draft("RGB", size)  # JPEG: decode at a reduced scale
                photo = ImageOps.exif_transpose(im).convert("RGB")
                if photo.size[0] < size[0]:  # a small image enlarged: every pixel a sharp block
                    photo = photo.resize(size, Image.Resampling.NEAREST)
                elif photo.size != size:
                    photo = photo.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
                return photo, True
        except Exception:  # noqa: BLE001 - a picture is a courtesy; the report must still be written
            pass
    why = "image not found" if not photo else "image not readable"
    return _placeholder(size, f"{why}:\n{sample.name}"), False


def thumb_size(width: int, height: int) -> tuple[int, int]:
    """The size of an image's pictures in the report: at most ``THUMB_WIDTH`` wide; an image smaller than
    that is enlarged by a whole factor (within ``THUMB_WIDTH`` both ways), so that its pixels, and the
    placeholder's text, can be seen.

    >>> thumb_size(4000, 3000), thumb_size(8, 8), thumb_size(10, 2000)
    ((480, 360), (480, 480), (10, 2000))
    """
    if width > THUMB_WIDTH:
        scale = THUMB_WIDTH / width
        return THUMB_WIDTH, max(1, int(height * scale))
    factor = max(1, min(THUMB_WIDTH // width, THUMB_WIDTH // height))
    return width * factor, height * factor


def overlay(photo: Image.Image, class_mask: np.ndarray, labelmap: LabelMap, highlight: np.ndarray | None = None,
            colour_classes: bool = True, colour: tuple[int, int, int] = OFFENDING) -> Image.Image:
    """The class mask laid over the photo (the fill class uncoloured, void dark), at the photo's size, with
    ``highlight`` pixels in ``colour`` (magenta: offending): a highlighted pixel marks its whole thumbnail
    pixel and its neighbours, so that single pixels stay visible."""
    size = photo.size
    small = class_mask
    if small.shape[::-1] != size:
        small = np.asarray(Image.fromarray(small).resize(size, Image.Resampling.NEAREST))
    out = photo
    if colour_classes:
        classes = Image.fromarray(np.minimum(small, 255).astype(np.uint8), "P")
        classes.putpalette(labelmap.palette())
        out = Image.blend(photo, classes.convert("RGB"), 0.55)
        if labelmap.fill is not None:  # the fill class is left uncoloured
            out = Image.composite(photo, out, Image.fromarray((small == labelmap.fill.index).astype(np.uint8) * 255))
        void = small == labelmap.void
        if void.any():
            grey = Image.blend(photo, Image.new("RGB", size, (40, 40, 40)), 0.7)
            out = Image.composite(grey, out, Image.fromarray(void.astype(np.uint8) * 255))
    if highlight is not None and highlight.any():
        marks = Image.fromarray(highlight.astype(np.uint8) * 255)
        if marks.size != size:  # any offending pixel under a thumbnail pixel marks it (BOX averages, > 0 keeps any)
            marks = marks.resize(size, Image.Resampling.BOX)
        hit = np.asarray(marks) > 0
        grown = hit.copy()
        grown[1:] |= hit[:-1]
        grown[:-1] |= hit[1:]
        grown[:, 1:] |= hit[:, :-1]
        grown[:, :-1] |= hit[:, 1:]
        out = out.copy()
        out.paste(colour, mask=Image.fromarray(grown.astype(np.uint8) * 255))
    return out


def draw_boxes(picture: Image.Image, boxes: list[tuple[tuple, tuple, str]], width: int) -> Image.Image:
    """``boxes`` drawn on ``picture`` (a thumbnail of an image ``width`` pixels wide): per box problem the
    declared box (x, y, w, h) in orange, dashed, and the measured one in cyan, with a short label.

    >>> pic = draw_boxes(Image.new("RGB", (80, 40)), [((2, 2, 10, 6), (20, 4, 10, 10), "")], 40)
    >>> pic.getpixel((4, 10)), pic.getpixel((40, 15))   # scaled 2x: declared left edge x=4, measured x=40
    ((255, 140, 0), (0, 220, 255))
    """
    if not boxes:
        return picture
    scale = picture.size[0] / width
    out = picture.copy()
    draw = ImageDraw.Draw(out)
    thick = max(2, round(scale))
    for declared, measured, label in boxes:
        x, y, w, h = (v * scale for v in measured)
        draw.rectangle([x, y, x + w - 1, y + h - 1], outline=MEASURED_BOX, width=thick)
        x, y, w, h = (v * scale for v in declared)
        _dashed_rectangle(draw, (x, y, x + w - 1, y + h - 1), DECLARED_BOX, thick)
        if label:  # on a dark tab above the declared box's corner (inside the picture), to be read on any photo
            font = _font(13)
            left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
            tx, ty = max(0.0, min(x, out.size[0] - (right - left) - 6)), max(0.0, y - (bottom - top) - 6)
            draw.rectangle([tx, ty, tx + right - left + 6, ty + bottom - top + 6], fill=(30, 30, 30))
            draw.text((tx + 3 - left, ty + 3 - top), label, fill=DECLARED_BOX, font=font)
    return out


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)  # Pillow >= 10.1: a scalable font
    except TypeError:  # pragma: no cover - older Pillow: its small bitmap font
        return ImageFont.load_default()


def _dashed_rectangle(draw: ImageDraw.ImageDraw, xyxy: tuple, colour: tuple, thick: int, dash: int = 8) -> None:
    x0, y0, x1, y1 = xyxy
    for a, b, horizontal, at in ((x0, x1, True, y0), (x0, x1, True, y1), (y0, y1, False, x0), (y0, y1, False, x1)):
        start = a
        while start < b:
            stop = min(start + dash, b)
            if horizontal:
                draw.line([(start, at), (stop, at)], fill=colour, width=thick)
            else:
                draw.line([(at, start), (at, stop)], fill=colour, width=thick)
            start += 2 * dash


def render(sample, painted, labelmap: LabelMap, highlight: np.ndarray,
           boxes: list | None = None, colour: tuple[int, int, int] = OFFENDING) -> tuple[str, str, bool]:
    """(photo, overlay) data URIs for one sample, and whether the photo was found; ``boxes`` (see
    :func:`draw_boxes`) are drawn on the overlay, ``highlight`` pixels in ``colour``."""
    h, w = painted.class_mask.shape
    photo, found = photo_thumbnail(sample, w, h)
    laid = draw_boxes(overlay(photo, painted.class_mask, labelmap, highlight, colour=colour), boxes or [], w)
    return jpeg_uri(photo), jpeg_uri(laid), found
