"""``segconv diff`` as a call: what changed between two deliveries of the same images.

    >>> import convert
    >>> report = convert.diff("fixtures/food/annotations.json", "fixtures/food/cvat/annotations.xml",
    ...                       labels="fixtures/food/labelmap.yaml")
    >>> report.summary()["compared"], report.changed
    (4, False)

A side may be a path or a loaded :class:`~convert.api.loaded.Dataset` (filtered or relabelled as a script
left it); both are painted through one label map: ``labels``, else A's (a dataset's own, a source's own,
else B's own, or one derived from the labels of both; what either source's own label map says is void is void) and one
rule (``rule``, else A's when A is a dataset).
"""

from __future__ import annotations

from convert.api.loaded import Dataset
from convert.api.paths import PathLike
from convert.formats.dataset import with_sources_void
from convert.model.labelmap import LabelMap
from convert.pipeline.diff import DiffReport, open_pair
from convert.pipeline.diff import diff as compare
from convert.pipeline.loop import Progress


def diff(a: PathLike | Dataset, b: PathLike | Dataset, *, labels: PathLike | LabelMap | None = None,
         fmt_a: str | None = None, fmt_b: str | None = None, rule: str | None = None,
         images: PathLike | None = None, jobs: int = 1, json_path: PathLike | None = None,
         html_path: PathLike | None = None, progress: Progress | None = None) -> DiffReport:
    """Compare A and B image by image (:mod:`convert.pipeline.diff`); write the JSON and HTML reports if
    asked.  ``report.exit_code()`` is 1 when anything changed."""
    from convert.api.places import Staging
    from convert.api.run_options import RunOptions
    from convert.api.running import check_report_paths
    from convert.reports.diff_report import write_html, write_json

    staging = Staging()
    for side in (a, b):
        if isinstance(side, Dataset) and side.staging is not None:
            staging.urls.update(side.staging.urls)
    with staging.naming():
        json_out, html_out = staging.report(json_path), staging.report(html_path)
        rule = rule or (a.rule if isinstance(a, Dataset) else "coco")
        RunOptions(rule=rule, jobs=jobs, fmt=fmt_a).replace(fmt=fmt_b)  # the same checks as every run's
        check_report_paths(RunOptions(json_path=json_out, html_path=html_out))
        if isinstance(a, Dataset) or isinstance(b, Dataset):
            a_ds, b_ds = (side if isinstance(side, Dataset) else _load(side, fmt, images)
                          for side, fmt in ((a, fmt_a), (b, fmt_b)))
            given = labels if isinstance(labels, LabelMap) or labels is None else LabelMap.load(staging.file(labels))
            labelmap, derived = (given, False) if given is not None else (a_ds.labelmap, a_ds.labelmap_derived)
            if given is None and derived and b_ds.source.source_labelmap is not None:  # as open_pair: B's own
                labelmap = b_ds.source.source_labelmap
            labelmap = with_sources_void(labelmap, a_ds.source, b_ds.source)
        else:
            lm_path = labels if isinstance(labels, LabelMap) or labels is None else staging.file(labels)
            a_ds, b_ds, labelmap, derived = open_pair(staging.source(a), staging.source(b), labels=lm_path,
                                                      fmt_a=fmt_a, fmt_b=fmt_b,
                                                      images=staging.source(images) if images else None)
        report = compare(a_ds, b_ds, labelmap, rule=rule, jobs=jobs, progress=progress, derived=derived)
        if json_out is not None:
            write_json(report, json_out)
        if html_out is not None:
            write_html(report, html_out, a_ds, b_ds, rule)
        staging.publish_reports([json_out, html_out])
    return report


def _load(side: PathLike, fmt: str | None, images: PathLike | None) -> Dataset:
    from convert.api.loading import load

    return load(side, fmt=fmt, images=images)
