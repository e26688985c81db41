"""Static file URLs carry a digest of the file (`/static/css/site.css?v=3f2a9c01be`), so a
proxy or browser may keep them for a year (deploy/nginx: `expires 1y`, `immutable`) and still
fetches the new file the moment a release changes it.

Done with a URL default (a few lines) rather than a package such as Flask-Static-Digest, which
needs a build step writing digested copies before each release. The digest is read once per
file and process; a file changed on disk while the process runs (development) is noticed by
its modification time and size.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask

DIGEST_LENGTH = 10


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder or "")
    digests: dict[str, tuple[tuple[int, int], str]] = {}

    def digest_of(filename: str) -> str | None:
        path = folder / filename
        try:
            stat = path.stat()
        except (OSError, ValueError):
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = digests.get(filename)
        if known is not None and known[0] == stamp:
            return known[1]
        if not os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep):
            return None  # a filename with ../ in it: not one of ours, leave it alone
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]
        digests[filename] = (stamp, digest)
        return digest

    @app.url_defaults
    def _static_digest(endpoint, values):
        if endpoint != "static" or "v" in values or "filename" not in values:
            return
        digest = digest_of(values["filename"])
        if digest is not None:
            values["v"] = digest
