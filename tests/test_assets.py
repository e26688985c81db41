"""Static URLs carry the file's digest, so caches may keep them for a year."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import url_for


def test_a_static_url_carries_the_digest_of_the_file(app):
    path = Path(app.static_folder) / "css" / "site.css"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == f"/static/css/site.css?v={digest}"


def test_a_changed_file_gets_a_new_url(app, tmp_path):
    app.static_folder = str(tmp_path)
    from ideenwerkstatt import assets

    assets.init_app(app)  # the hook reads the folder it was given
    (tmp_path / "a.js").write_text("one")
    with app.test_request_context():
        first = url_for("static", filename="a.js")
        (tmp_path / "a.js").write_text("two, longer")
        second = url_for("static", filename="a.js")
        assert first != second
        assert url_for("static", filename="missing.js") == "/static/missing.js"
        assert url_for("static", filename="../secret_key") == "/static/../secret_key"


def test_pages_link_their_styles_and_scripts_with_digests(client):
    html = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js)[^"]*)"', html)
    assert links
    assert all(re.search(r"\?v=[0-9a-f]{10}$", link) for link in links)
    # The file is still served at the versioned address.
    with client.get(links[0]) as response:
        assert response.status_code == 200
