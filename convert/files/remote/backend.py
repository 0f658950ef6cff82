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


# the loggers of the backends and of what they stand on: their warnings (gcsfs' "Could not determine bucket
# type ... falling back", botocore's and azure-core's retries) would add lines to segconv's one-line outcome
BACKEND_LOGGERS = ("fsspec", "s3fs", "gcsfs", "adlfs", "aiobotocore", "botocore", "boto3", "azure", "google",
                   "urllib3", "aiohttp", "huggingface_hub")


def quiet_backend_logs() -> None:
    """For the ``segconv`` command, which owns its process and says what happened to a URL in one line: the
    storage backends' own log messages are not shown (``SEGCONV_DEBUG=1`` keeps them).  The library never
    calls this: a program that calls :func:`convert.api.convert` keeps its logging as it set it.

        >>> import logging
        >>> levels = {name: logging.getLogger(name).level for name in BACKEND_LOGGERS}
        >>> quiet_backend_logs(); logging.getLogger("gcsfs.core").isEnabledFor(logging.WARNING)
        False
        >>> for name, level in levels.items(): logging.getLogger(name).setLevel(level)
        >>> import os; del os.environ[QUIET_ENV]
    """
    import logging
    import os

    if os.environ.get("SEGCONV_DEBUG"):
        return
    for name in BACKEND_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    os.environ[QUIET_ENV] = "1"  # worker processes a spawn starts (macOS, Windows; Dask's) inherit it: quiet_if_asked()


QUIET_ENV = "SEGCONV_QUIET_BACKENDS"


def quiet_if_asked() -> None:
    """In a worker process: quiet the backends' loggers as the ``segconv`` command that started it did (a
    spawned process inherits the environment, not the logging levels)."""
    import os

    if os.environ.get(QUIET_ENV):
        quiet_backend_logs()
