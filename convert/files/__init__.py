"""Reading and writing files safely, knowing nothing of annotations: atomic writes, image sizes and EXIF
orientation from headers, XML without entity tricks, JSON sources with line numbers, the shape of a JSON file
read lazily; object storage URLs through fsspec (``remote/``).

Layer: may import the bottom modules only (``convert.errors``, ``convert.wording``, ``convert.suggest``,
``convert.limits``).
"""
