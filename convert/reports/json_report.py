"""The JSON report (``--json FILE``), validated by ``schemas/report.schema.json``.

Layout::

    {"segconv": "0.1.0", "source": ..., "format": "coco", "rule": "coco",
     "labelmap": {...},                      # the label map used
     "summary": {"images": 4, "errors": 0, "warnings": 2, "infos": 1,
                 "by_code": {"level-overlap": 2, ...}, "exit_code": 0,
                 "classes": {"plate": {"pixels": ..., "overwritten": ..., "regions": ..., "images": ...}}},
     "findings": [{"code", "severity", "message", "file", "image", "element", "line", "pixels"}, ...],
     "images": [{"image", "width", "height", "unlabelled", "void",
                 "classes": {"plate": {"index", "level", "pixels", "overwritten", "regions"}}}, ...]}

Per-image accounting is streamed to a part file while the run goes, so memory
does not grow with the number of images; the file is assembled atomically at
the end.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from convert.files.atomic import OWNER, create_beside, named, open_atomic


def summary(run, exit_code: int, classes: dict) -> dict:
    severities = Counter(f.severity.value for f in run.findings)
    out = {
        "images": run.images,
        "errors": severities["error"],
        "warnings": severities["warning"],
        "infos": severities["info"],
        "by_code": dict(sorted(Counter(f.code for f in run.findings).items())),
        "exit_code": exit_code,
        "classes": classes,
    }
    if getattr(run, "repairs", None) is not None:  # a run with repair rules (segconv fix)
        out["repairs"] = run.repairs.to_dict()
    return out


class JsonReport:
    """Collects per-image accounting on disk; ``finish`` writes the report."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        fd, self._part = create_beside(self.path, OWNER)  # its folder made; errors name the report, not the part
        self._fh = os.fdopen(fd, "w", encoding="utf-8")
        self._count = 0

    def add(self, account: dict) -> None:
        try:
            self._fh.write(("," if self._count else "") + "\n" + json.dumps(account))
        except OSError as exc:  # a full disk names no file: the report is the file that could not be written
            raise named(exc, self.path) from None
        self._count += 1

    def finish(self, head: dict, findings) -> None:
        self._fh.close()
        try:
            with open_atomic(self.path, "w", encoding="utf-8") as out:
                out.write(json.dumps(head)[:-1])
                out.write(', "findings": [')
                for i, f in enumerate(findings):
                    out.write(("," if i else "") + "\n" + json.dumps(f.to_dict()))
                out.write('], "images": [')
                with open(self._part, encoding="utf-8") as part:
                    for chunk in iter(lambda: part.read(1 << 20), ""):
                        out.write(chunk)  # a write error names the report (open_atomic)
                out.write("]}\n")
        finally:
            os.unlink(self._part)

    def abort(self) -> None:
        self._fh.close()
        if os.path.exists(self._part):
            os.unlink(self._part)
