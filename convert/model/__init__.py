"""The model every source is read into: samples (one image each), their regions and geometry, the label
map (classes, levels, void, fill), the painting order of a level, and image names.

Layer: may import ``convert.files``, ``convert.findings``, ``convert.pixels`` and the bottom modules
(``convert.errors``, ``convert.wording``, ``convert.suggest``, ``convert.limits``); nothing above.
"""
