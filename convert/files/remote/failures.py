"""What went wrong with a URL, said in one line that names the URL and the cause (exit code 2).

A backend raises its own exceptions (s3fs turns S3's answers into ``FileNotFoundError`` and
``PermissionError``; a lost connection is botocore's or aiohttp's); :func:`storage_error` words them the one
way, and never repeats a credential the environment holds, whatever the backend put into its message.

    >>> str(storage_error(PermissionError("Forbidden"), "s3://locked/a.json"))
    's3://locked/a.json: access denied (Forbidden); check the credentials and the bucket policy'
    >>> str(storage_error(FileNotFoundError("The specified bucket does not exist"), "s3://nobucket/a.json"))
    's3://nobucket/a.json: the bucket does not exist'
"""

from __future__ import annotations

import os

from convert.errors import SegconvError
from convert.files.remote.urls import shown

# exception class names (in the exception's class hierarchy) that mean the server could not be reached
_CONNECTION = {"ConnectionError", "EndpointConnectionError", "ConnectionClosedError", "ClientConnectionError",
               "ClientConnectorError", "ServerDisconnectedError", "ConnectTimeoutError", "ReadTimeoutError",
               "TimeoutError", "ConnectionRefusedError", "ConnectionResetError", "ClientOSError",
               "ServerTimeoutError", "ResponseStreamingError", "IncompleteReadError"}
_NO_CREDENTIALS = {"NoCredentialsError", "PartialCredentialsError", "DefaultCredentialsError",
                   "ClientAuthenticationError"}
# environment variables holding secrets: their values are never repeated in a message
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AZURE_STORAGE_KEY",
                    "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_SAS_TOKEN",
                    "AZURE_CLIENT_SECRET", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN")


class StorageError(SegconvError):
    """Object storage refused or failed a request (exit code 2); the message names the URL and the cause."""

    def __init__(self, message: str, *, url: str = "", lost_connection: bool = False):  # url: "" only unpickling
        super().__init__(message, file=shown(url))  # said without the credentials a URL may carry
        self.url = url
        self.lost_connection = lost_connection


def is_storage_failure(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure of the storage itself (not of segconv): what :func:`storage_error` words."""
    names = {c.__name__ for c in type(exc).__mro__}
    return isinstance(exc, OSError) or bool(names & (_CONNECTION | _NO_CREDENTIALS))


def lost_connection(exc: BaseException) -> BaseException | None:
    """The failure to reach the server behind ``exc``, if that is what it is: fsspec's web file system
    raises ``FileNotFoundError`` for any failed request, the connection's own error as its cause."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if {c.__name__ for c in type(current).__mro__} & _CONNECTION:
            return current
        current = current.__cause__ or current.__context__
    return None


def storage_error(exc: BaseException, url: str) -> StorageError:
    """``exc``, raised while reading or writing ``url``, as one line naming the URL and the cause."""
    exc = lost_connection(exc) or exc
    names = {c.__name__ for c in type(exc).__mro__}
    detail = scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    if url:
        detail = detail.replace(url, shown(url))
    lost = False
    if names & _CONNECTION:
        cause, lost = f"connection failed ({detail}); --resume finishes a conversion once it is back", True
    elif names & _NO_CREDENTIALS:
        cause = f"no credentials found ({detail}); set them as the backend's standard configuration says"
    elif isinstance(exc, PermissionError):
        cause = f"access denied ({detail}); check the credentials and the bucket policy"
    elif isinstance(exc, FileNotFoundError) and "bucket" in detail.lower():
        cause = "the bucket does not exist"
    elif isinstance(exc, FileNotFoundError):
        cause = "no such file or folder"
    else:
        cause = detail
    return StorageError(cause, url=url, lost_connection=lost)


def scrub(text: str) -> str:
    """``text`` with every secret the environment holds replaced by ``***``.

        >>> os.environ["AWS_SECRET_ACCESS_KEY"] = "s3cr3t-doc"
        >>> scrub("signature with s3cr3t-doc failed")
        'signature with *** failed'
        >>> del os.environ["AWS_SECRET_ACCESS_KEY"]
    """
    for name in SECRET_VARIABLES:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text
