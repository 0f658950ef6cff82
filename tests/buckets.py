"""A real S3-protocol server for the tests: moto's server mode on 127.0.0.1 and a free port, reached by
s3fs over HTTP exactly as segconv reaches AWS (``AWS_ENDPOINT_URL``), not a patched client.

    with S3Server() as s3:          # sets the AWS_* variables, restores them after
        s3.upload_folder(FOOD, "s3://bucket/in")
"""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path

SECRET = "segconv-test-secret-9f3b1c"  # must never appear in anything segconv prints or writes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = None
        self._saved: dict[str, str | None] = {}

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": "segconv-test-key", "AWS_SECRET_ACCESS_KEY": SECRET,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}

    def start(self) -> S3Server:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @staticmethod
    def forget_clients() -> None:
        """fsspec keeps one S3FileSystem per set of arguments in a process, made with the endpoint of its
        time: a server on another port (the next test module's) needs a new one."""
        import s3fs

        s3fs.S3FileSystem.clear_instance_cache()

    def __enter__(self) -> S3Server:
        for name, value in self.env().items():
            self._saved[name] = os.environ.get(name)
            os.environ[name] = value
        self.forget_clients()
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.forget_clients()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    # ------------------------------------------------------------------ the tests' own client (boto3)
    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="segconv-test-key",
                            aws_secret_access_key=SECRET, region_name="us-east-1")

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return f"s3://{name}"

    def upload_folder(self, folder: Path, url: str) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        client = self.client()
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                key = "/".join(filter(None, [prefix, path.relative_to(folder).as_posix()]))
                client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    def download_folder(self, url: str, folder: Path) -> dict[str, bytes]:
        """Every object under ``url``: {name relative to it: bytes} (also written under ``folder``)."""
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        prefix = prefix.rstrip("/") + "/" if prefix else ""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(prefix):]
                found[name] = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(found[name])
        return found

    def deny_all(self, bucket: str) -> None:
        """A bucket policy refusing every request on ``bucket``: access denied."""
        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}
        self.client().put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
