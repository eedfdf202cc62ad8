"""Uploaded files into the blob store as they arrive: chunked, counted, hashed, fsynced, renamed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from service.store.blobs import BlobStore


class BlobTooLarge(ValueError):
    """A stream went past its size limit."""


def put_stream(blobs: BlobStore, source: BinaryIO, limit: int) -> tuple[str, int]:
    """Copy ``source`` in chunks (never whole in memory) into ``blobs``; return (sha256, size).

    The bytes go to a temporary file beside the blobs, are fsynced and renamed into place, so a
    blob is either whole or absent. Raises ``BlobTooLarge`` past ``limit`` bytes, leaving nothing.
    """
    blobs.root.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=blobs.root, prefix=".incoming-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(1024 * 1024):
                size += len(chunk)
                if size > limit:
                    raise BlobTooLarge(size)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        name = digest.hexdigest()
        target = blobs.path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name, size
