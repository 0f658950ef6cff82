"""Counting words in messages: "1 image", "2 images", "12,345 pixels"; a setting as the caller spells it.

    >>> plural(1, "image"), plural(2, "image"), plural(12345, "pixel"), plural(3, "class", "classes")
    ('1 image', '2 images', '12,345 pixels', '3 classes')
    >>> setting("overwrite")
    'overwrite=True'
    >>> token = COMMAND_LINE.set(True)
    >>> setting("overwrite"), setting("close_gaps", 3)
    ('--overwrite', '--close-gaps 3')
    >>> COMMAND_LINE.reset(token)
"""

from __future__ import annotations

from contextvars import ContextVar

COMMAND_LINE: ContextVar[bool] = ContextVar("segconv_command_line", default=False)  # set by the CLI's main


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and ``noun``, the plural (``many``, default noun + "s") unless ``n`` is 1; thousands separated."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def setting(name: str, value: object = True) -> str:
    """A setting in a message that tells what to pass: ``--overwrite`` when the command line runs,
    ``overwrite=True`` when a script calls the library (:data:`COMMAND_LINE`)."""
    if COMMAND_LINE.get():
        return "--" + name.replace("_", "-") + ("" if value is True else f" {value}")
    return f"{name}={value!r}"
