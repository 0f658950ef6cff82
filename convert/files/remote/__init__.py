"""Object storage (``s3://``, ``gs://``, ``az://``, ``hf://``, ``https://``) through fsspec: telling a URL from
a path (:mod:`.urls`), the backend that reads it and the extra that installs it (:mod:`.backend`), what went
wrong said in one line naming the URL (:mod:`.failures`), and moving whole files between a bucket and this
machine (:mod:`.transfer`).  segconv has no object-storage client of its own: every byte goes through the
backend's fsspec file system, with its own standard configuration of credentials.

Layer: files; may import the bottom modules only (``convert.errors``, ``convert.wording``).
"""
