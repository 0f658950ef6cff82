"""The ``missing-image`` finding, worded in one place for every reader, writer and the run loop.

One message shape, ``<subject>: <problem>; <what follows>``, where the problem of a file that is not there
says where it was looked for: ``--images`` is named when it was given, and asked for when it was not (and
not at all by a reader that never looks there)::

    >>> print(missing_image("its size is not checked", images=None).message)
    image file not found (pass --images DIR); its size is not checked
    >>> print(missing_image("JPEGImages/ lacks it", images="photos").message)
    image file not found (not beside the annotations nor in --images photos); JPEGImages/ lacks it
    >>> print(missing_image("the declared size is used", subject="imagePath 'a.jpg'", problem="truncated").message)
    imagePath 'a.jpg': truncated; the declared size is used
    >>> print(missing_image("YOLO keeps no image size", subject="image a.jpg", hint=False).message)
    image a.jpg not found; YOLO keeps no image size

:func:`no_image_found` is the one note of a set whose images are all missing (an annotations-only delivery).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from convert.files.images import ImageProblem, oriented_size
from convert.findings import Finding
from convert.findings.severity import Severity
from convert.wording import plural

BESIDE = "beside the annotations"  # where a reader looks for photos, unless it says otherwise (``photos_where``)


def images_hint(images: str | Path | None, where: str = BESIDE) -> str:
    """What to say about --images beside "image file not found": to pass it, or that it was passed, with
    ``where`` the reader looked first.

    >>> images_hint(None), images_hint("photos"), images_hint("photos", "in the rows")
    ('pass --images DIR', 'not beside the annotations nor in --images photos', 'not in the rows nor in --images photos')
    """
    return "pass --images DIR" if images is None else f"not {where} nor in --images {images}"


def missing_image(then: str | None = None, *, subject: str | None = "image file", problem: object = None,
                  images: str | Path | None = None, hint: bool = True, severity: Severity | None = None,
                  file: str | None = None, image: str | None = None, element: str | None = None,
                  line: int | None = None, where: str = BESIDE) -> Finding:
    """The finding for an image that cannot be used: ``problem`` says why (an exception, or words), else the
    file was not found, which says where it was looked for (``images``: ``--images`` as given, ``None`` when it
    was not; ``hint=False`` for a reader that does not look there; ``where``: where the reader looked first).
    ``then``: what follows from it."""
    if problem is None:
        what = f"{subject} not found" + (f" ({images_hint(images, where)})" if hint else "")
    else:
        what = f"{subject}: {problem}" if subject else str(problem)
    found = Finding("missing-image", what + (f"; {then}" if then else ""), file=file, image=image, element=element,
                    line=line)
    return found if severity is None else replace(found, severity=severity)


def no_image_found(looked_for: int, images: str | Path | None, file: str, lacking: list[str] | None = None,
                   first: Finding | None = None, where: str = BESIDE) -> Finding:
    """The one note of a set none of whose images was found: its sizes are not checked; ``lacking``: what a
    writer's output lacks for want of them (its words for one image, each different one); ``first``: the
    reader's own words about the first image, quoted (where it looked); ``where``: where the reader looked
    first.

    >>> for part in no_image_found(3, None, "a.json", ["JPEGImages/ lacks it"]).message.split("; "): print(part)
    no image file was found beside the annotations (3 images looked for)
    image sizes are not checked (pass --images DIR)
    the output has no image either (for each image: JPEGImages/ lacks it)
    >>> said = missing_image("x", subject="imagePath 'a.jpg'", image="a.jpg")
    >>> for part in no_image_found(2, "p", "a", first=said).message.split("; "): print(part)
    no image file was found beside the annotations nor in --images p (2 images looked for
    the first, a.jpg: imagePath 'a.jpg' not found (pass --images DIR)
    x)
    image sizes are not checked
    """
    where += f" nor in --images {images}" if images else ""
    quoted = "" if first is None else \
        f"; {'the first, ' if looked_for > 1 else ''}{first.image}: {first.message}"
    output = f"; the output has no image either (for each image: {', '.join(lacking)})" if lacking else ""
    return Finding("missing-image", f"no image file was found {where} ({plural(looked_for, 'image')} looked for"
                   f"{quoted}); image sizes are not checked" + ("" if images else " (pass --images DIR)") + output,
                   file=file, severity=Severity.INFO)


def check_photo_size(photo: Path, size: tuple[int, int], max_pixels: int, findings: list[Finding], image: str,
                     mismatch: Callable[[str], None]) -> None:
    """The photo beside a mask or an annotation file, against the ``(width, height)`` the annotation says:
    unreadable, a ``missing-image`` finding in ``findings``; of another size, ``mismatch`` is called with
    ``"<photo name> is <w>x<h>"`` to finish the reader's own words."""
    try:
        real = oriented_size(photo, max_pixels)
    except ImageProblem as exc:
        findings.append(missing_image(subject=photo.name, problem=exc, file=str(photo), image=image))
        return
    if real != size:
        mismatch(f"{photo.name} is {real[0]}x{real[1]}")
