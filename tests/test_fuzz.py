"""Property-based fuzzing (hypothesis): mutated COCO, CVAT, LabelMe, VOC, YOLO, Label Studio and COCO
panoptic inputs end
with segconv's own error or findings, never another exception.  bench/fuzz.py runs
the same properties with a much larger budget."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzing import CHECKS


@pytest.mark.parametrize("fmt", sorted(CHECKS))
def test_mutated_inputs_never_crash(fmt, tmp_path_factory):
    work = tmp_path_factory.mktemp(f"fuzz-{fmt}")

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def run(data):
        CHECKS[fmt](data, work)

    run()
