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
from convert.files.remote.urls import shown, shown_in

# exception class names (in the exception's class hierarchy) that mean the server could not be reached
_CONNECTION = {"ConnectionError", "EndpointConnectionError", "ConnectionClosedError", "ClientConnectionError",
               "ClientConnectorError", "ServerDisconnectedError", "ConnectTimeoutError", "ReadTimeoutError",
               "TimeoutError", "ConnectionRefusedError", "ConnectionResetError", "ClientOSError",
               "ServerTimeoutError", "ResponseStreamingError", "IncompleteReadError"}
# a web server's answer that is an error (aiohttp, under fsspec's web file system): its status says which
_HTTP_ANSWER = {"ClientResponseError", "ClientPayloadError"}
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
    return isinstance(exc, OSError) or bool(names & (_CONNECTION | _NO_CREDENTIALS | _HTTP_ANSWER))


def _behind(exc: BaseException, names: set[str], needs_status: bool = False) -> BaseException | None:
    """The first exception in ``exc``'s chain (itself, then its causes) whose class hierarchy has one of
    ``names`` (and, with ``needs_status``, an int ``status``): fsspec's web file system raises
    ``FileNotFoundError`` for any failed request, with what really happened as its cause."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if {c.__name__ for c in type(current).__mro__} & names and (
                not needs_status or isinstance(getattr(current, "status", None), int)):
            return current
        current = current.__cause__ or current.__context__
    return None


def lost_connection(exc: BaseException) -> BaseException | None:
    """The failure to reach the server behind ``exc``, if that is what it is."""
    return _behind(exc, _CONNECTION)


def http_answer(exc: BaseException) -> BaseException | None:
    """The web server's error answer behind ``exc`` (it has a ``status``), if that is what it is."""
    return _behind(exc, _HTTP_ANSWER, needs_status=True)


def refused_answer(exc: BaseException) -> bool:
    """Whether ``exc`` carries a web server's error answer other than "not found" (404, 410)."""
    answer = http_answer(exc)
    return answer is not None and getattr(answer, "status", None) not in (404, 410)


def missing_bucket(exc: BaseException, url: str, path: str = "") -> bool:
    """Whether the backend's ``FileNotFoundError`` says the bucket itself is missing (s3fs: "The specified
    bucket does not exist"), read in its words without the URL or path it quotes ("my-bucket/a.json" in a
    message is a name, not a cause)."""
    text = str(exc)
    for quoted in filter(None, (url, url.partition("://")[2], path, path.lstrip("/"))):
        text = text.replace(quoted, "")
    return "bucket" in text.lower()


def storage_error(exc: BaseException, url: str, path: str = "") -> StorageError:
    """``exc``, raised while reading or writing ``url`` (``path``: the backend's own name of it), as one line
    naming the URL and the cause."""
    answer = http_answer(exc)
    bucket_gone = isinstance(exc, FileNotFoundError) and missing_bucket(exc, url, path)
    exc = lost_connection(exc) or answer or exc
    names = {c.__name__ for c in type(exc).__mro__}
    detail = shown_in(scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__))
    lost = False
    status = getattr(answer, "status", None)
    if answer is not None and status in (401, 403):
        cause = (f"access denied (the server answered {status} {getattr(answer, 'message', '') or ''}".rstrip()
                 + "); check the credentials, or ask for a fresh link if it was presigned (it may have expired)")
    elif answer is not None and status in (404, 410):
        cause = "no such file or folder"
    elif answer is not None:
        cause = f"the server answered {status} {getattr(answer, 'message', '') or ''}".rstrip()
    elif names & _CONNECTION:
        cause, lost = f"connection failed ({detail}); --resume finishes a conversion once it is back", True
    elif names & _NO_CREDENTIALS:
        cause = f"no credentials found ({detail}); set them as the backend's standard configuration says"
    elif isinstance(exc, PermissionError):
        cause = f"access denied ({detail}); check the credentials and the bucket policy"
    elif bucket_gone:
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
