"""The validator: what a painted sample is checked for (geometry, levels, completeness, declared fields),
turned into findings.

Layer: may import ``convert.painting``, ``convert.model``, ``convert.findings``, ``convert.pixels``,
``convert.files`` and the bottom modules.
"""
