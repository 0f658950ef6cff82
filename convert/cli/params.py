"""The options the ``segconv`` commands share, declared once (choices match whatever their case), and
how their values are read (``-O KEY=VALUE`` pairs, a choice's string)."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from convert.errors import UsageError
from convert.formats.readers import READERS
from convert.formats.writers import WRITERS
from convert.limits import DEFAULT_MAX_PIXELS

ToFormat = enum.Enum("ToFormat", {name: name for name in WRITERS}, type=str)  # type: ignore[misc]
FromFormat = enum.Enum("FromFormat", {name: name for name in READERS}, type=str)  # type: ignore[misc]
Rule = enum.Enum("Rule", {"coco": "coco", "labelme": "labelme"}, type=str)
FailOn = enum.Enum("FailOn", {"error": "error", "warning": "warning"}, type=str)
CocoMode = enum.Enum("CocoMode", {"instance": "instance", "semantic": "semantic"}, type=str)


def flag(*names: str, help: str):
    """A flag: no value, shown without a type."""
    return typer.Option(False, *names, help=help, metavar="")


def choice(default, *names: str, help: str):
    """An option taking one of an enum's values, in any case."""
    return typer.Option(default, *names, help=help, case_sensitive=False)


SrcArg = typer.Argument(..., help="Source file or folder.", show_default=False, metavar="SRC")
FromOpt = choice(None, "--from", help="Input format (default: detected). See `segconv formats`.")
LabelsOpt = typer.Option(None, "--labels", help="Label map (JSON or YAML). Default: derived from the source.")
RuleOpt = choice(Rule.coco, "--rule", help="Pixel rule: coco (pycocotools) or labelme (labelme2voc).")
FailOnOpt = choice(FailOn.error, "--fail-on", help="Exit 1 on findings of this severity or worse.")
MaxPixelsOpt = typer.Option(DEFAULT_MAX_PIXELS, "--max-pixels", help="Refuse images declaring more pixels than this.")
QuietOpt = flag("--quiet", "-q", help="No progress or summary on stderr.")
ImagesOpt = typer.Option(None, "--images",
                         help="Folder holding the image files, when they are not beside the annotations.")
JobsOpt = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes; outputs are identical whatever N is.")
DaskOpt = typer.Option(None, "--dask", help="Run on a Dask scheduler at ADDRESS ('local' starts one here); "
                                            "needs pip install 'segconv\\[dask]'.")
ProfileOpt = flag("--profile", help="Print where the time went (parse, import, paint, check, write).")
OptionOpt = typer.Option(None, "--option", "-O", metavar="KEY=VALUE",
                         help="An option of the reader or the writer (see `segconv formats`); repeatable.")
JsonOpt = typer.Option(None, "--json", help="Write the JSON report (every finding) here.")
HtmlOpt = typer.Option(None, "--html", help="Write the HTML report (with pictures) here.")


def parse_pairs(pairs: list[str] | None) -> dict[str, str]:
    """``-O KEY=VALUE`` pairs as a dict; a pair without ``=`` is a usage error.

    >>> parse_pairs(["alpha=0.5", " use = first"])
    {'alpha': '0.5', 'use': 'first'}
    """
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"-O {pair!r}: write options as KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def value_of(choice) -> str | None:
    """The string of a choice, or ``None``."""
    return None if choice is None else choice.value



def place(given: str | None) -> Path | str | None:
    """A path argument as the library takes it: a URL (``s3://…``) as given, anything else as a ``Path``
    (typer's ``Path`` would turn ``s3://b/k`` into ``s3:/b/k``).

        >>> place("s3://delivery/in"), place("out/masks"), place(None)
        ('s3://delivery/in', PosixPath('out/masks'), None)
    """
    from convert.files.remote.urls import is_url

    if given is None or is_url(given):
        return given
    return Path(given)
