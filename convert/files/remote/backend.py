"""The fsspec file system that reads a URL, and the extra that installs it when it is missing.

Each backend takes its credentials and endpoint from its own standard configuration (for S3: the AWS
environment variables, ``~/.aws`` profiles, ``AWS_ENDPOINT_URL``); segconv passes none of its own and keeps
none.

    >>> fs, path = open_filesystem("memory://segconv-doc/a.json")
    >>> path
    '/segconv-doc/a.json'
"""

from __future__ import annotations

from convert.errors import SegconvError
from convert.files.remote.urls import EXTRA_OF, scheme_of, shown


class MissingBackend(SegconvError):
    """A URL whose fsspec backend is not installed (exit code 2): the message names the extra."""


def open_filesystem(url: str):
    """``(file system, path inside it)`` for ``url``; a missing backend names ``pip install 'segconv[extra]'``."""
    try:
        import fsspec
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec is a dependency
        raise MissingBackend(_install_hint(url), file=shown(url)) from None
    del fsspec
    try:
        return url_to_fs(url)
    except ImportError:
        raise MissingBackend(_install_hint(url), file=shown(url)) from None
    except ValueError as exc:  # an fsspec protocol it does not know
        raise SegconvError(f"not a URL segconv can read ({str(exc).replace(url, shown(url))})",
                           file=shown(url)) from None


def _install_hint(url: str) -> str:
    scheme = scheme_of(url)
    extra = EXTRA_OF.get(scheme)
    return (f"reading {scheme}:// needs its fsspec backend: pip install 'segconv[{extra}]'" if extra
            else f"reading {scheme}:// needs its fsspec backend, which is not installed")
