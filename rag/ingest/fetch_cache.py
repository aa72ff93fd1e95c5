"""The fetch cache: each URL's last good response body and its validators (ETag, Last-Modified).

One pair of files per URL under the cache directory (``<index_dir>/fetch-cache/`` when re-indexing):
``<key>.body`` (the bytes as received, decompressed) and ``<key>.json`` (URL, validators, content type,
size and SHA-256 of the body). Both are written to a temporary file and renamed into place, body first;
an entry whose body does not match its metadata (a crash or two writers in between) counts as absent,
so the worst a torn write costs is one full download.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
import json
import os
from pathlib import Path
import tempfile
import time


@dataclass(frozen=True)
class CachedResponse:
    """The last good (200) response of one URL."""

    url: str
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str

    def validators(self) -> dict[str, str]:
        """The conditional-request headers this entry allows (empty when the server gave no validator)."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FetchCache:
    """Last good responses by URL, in a directory (created on the first write)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
        return self.directory / f"{key}.json", self.directory / f"{key}.body"

    def get(self, url: str) -> CachedResponse | None:
        """The cached response of ``url``, or None when there is none or it is damaged."""
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url or meta.get("sha256") != hashlib.sha256(
                body).hexdigest():
            return None
        return CachedResponse(url=url, body=body, content_type=meta.get("content_type"), etag=meta.get("etag"),
                              last_modified=meta.get("last_modified"), fetched_at=str(meta.get("fetched_at", "")))

    def put(self, url: str, body: bytes, content_type: str | None, etag: str | None,
            last_modified: str | None) -> bool:
        """Remember a good response; False when it could not be written (the fetch still counts)."""
        meta_path, body_path = self._paths(url)
        meta = {"url": url, "etag": etag, "last_modified": last_modified, "content_type": content_type,
                "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(body_path, body)
            _write_atomically(meta_path, json.dumps(meta, indent=1).encode("utf-8"))
        except OSError:
            return False
        return True
