"""Where attachment files live: a folder (the default: local, or a mount the app servers
share), or a bucket of S3-compatible object storage (ATTACHMENT_STORAGE=s3), so that
several app servers see the same files without a shared mount.

Both look alike to the rest of the portal: `attachment_store(app) / name` is a file with
`write_bytes`, `read_bytes`, `is_file`, `exists`, `unlink` and `stat`, and the store
itself has `iterdir` and `mkdir`. The folder is a `pathlib.Path`; the bucket is
`S3Folder` below, which answers the same calls over the S3 API (boto3).
"""

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FOLDER = "folder"
S3 = "s3"


class StorageError(OSError):
    """The object storage could not be reached or refused: an OSError, as a folder's are,
    so that every caller's handling of a disk problem holds for it too."""


@dataclass(frozen=True)
class ObjectStat:
    st_size: int
    st_mtime: float


class S3Object:
    def __init__(self, store: "S3Folder", name: str):
        self.store = store
        self.name = name
        self.key = store.prefix + name
        self.parent = store

    def __str__(self):
        return f"{self.store}/{self.name}"

    def _call(self, method, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.store.client, method)(Bucket=self.store.bucket, **kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(str(self)) from None
            raise StorageError(f"object storage refused {method} of {self}: {code}") from None
        except BotoCoreError as error:
            raise StorageError(f"object storage cannot be reached: {error}") from None

    def write_bytes(self, data: bytes) -> int:
        self._call("put_object", Key=self.key, Body=data)
        return len(data)

    def write_new(self, data: bytes) -> None:
        """Write a file that must not exist yet (names are random; never an overwrite)."""
        if self.exists():
            raise FileExistsError(str(self))
        self.write_bytes(data)

    def read_bytes(self) -> bytes:
        return self._call("get_object", Key=self.key)["Body"].read()

    def stat(self) -> ObjectStat:
        head = self._call("head_object", Key=self.key)
        modified: datetime = head["LastModified"]
        return ObjectStat(head["ContentLength"], modified.timestamp())

    def is_file(self) -> bool:
        try:
            self.stat()
        except FileNotFoundError:
            return False
        return True

    exists = is_file

    def unlink(self, missing_ok: bool = False) -> None:
        if not missing_ok and not self.exists():
            raise FileNotFoundError(str(self))
        self._call("delete_object", Key=self.key)

    def opened(self):
        """For send_file: the bytes, as a file."""
        return io.BytesIO(self.read_bytes())


class S3Folder:
    """A bucket (and a prefix in it) that stands in for the attachment folder."""

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_settings):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = client
        self._client_settings = client_settings

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", **self._client_settings)
        return self._client

    def __str__(self):
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def __truediv__(self, name: str) -> S3Object:
        return S3Object(self, str(name))

    def mkdir(self, *args, **kwargs) -> None:
        """A bucket needs no folders (it must exist: see the README)."""

    def exists(self) -> bool:
        return True

    is_dir = exists

    def iterdir(self):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item["Key"][len(self.prefix) :]
                    if name and "/" not in name:
                        yield self / name
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"object storage cannot be listed: {error}") from None


def attachment_store(config, instance_path: str) -> Path | S3Folder:
    """The attachment store the settings name (ATTACHMENT_STORAGE)."""
    kind = str(config.get("ATTACHMENT_STORAGE") or FOLDER).strip().lower()
    if kind == S3:
        settings = {
            "endpoint_url": config.get("S3_ENDPOINT_URL") or None,
            "region_name": config.get("S3_REGION") or None,
        }
        if config.get("S3_ACCESS_KEY_ID"):
            settings["aws_access_key_id"] = config["S3_ACCESS_KEY_ID"]
            settings["aws_secret_access_key"] = config.get("S3_SECRET_ACCESS_KEY")
        return S3Folder(config["S3_BUCKET"], config.get("S3_PREFIX") or "", **settings)
    folder = config.get("ATTACHMENT_FOLDER")
    return Path(folder) if folder else Path(instance_path) / "attachments"


def readable(path):
    """What send_file serves: the file's path, or its bytes from object storage."""
    return path.opened() if isinstance(path, S3Object) else path
