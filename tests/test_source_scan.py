"""The scan of the sources folder: hashes are reused only while a file's stat signature holds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.core import documents


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_scan_finds_pages_in_subfolders_in_path_order_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    for name in ("b.txt", "a/z.txt", "a-b.txt", ".hidden.txt", "notes.md"):
        _write(tmp_path / name, "page")
    keys = [page.key for page in documents.scan(tmp_path)]
    assert keys == ["a/z.txt", "a-b.txt", "b.txt"]
    assert [p.name for p in documents.list_pages(tmp_path)] == ["z.txt", "a-b.txt", "b.txt"]


def test_an_unchanged_file_is_not_read_again(tmp_path: Path) -> None:
    _write(tmp_path / "page.txt", "Uitgaven 100")
    first = documents.scan(tmp_path)[0]
    assert first.sha256 == hashlib.sha256(b"Uitgaven 100").hexdigest()
    # A known hash with the file's current signature is trusted as it is (the bytes are not read).
    signature = documents.stat_signature((tmp_path / "page.txt").stat())
    known = {"page.txt": (signature, first.size_bytes, "f" * 64)}
    assert documents.scan(tmp_path, known=known)[0].sha256 == "f" * 64


def test_a_hash_made_right_after_a_write_is_not_offered_for_reuse(tmp_path: Path) -> None:
    # Within the file system's timestamp resolution a second write could leave the signature as it was.
    _write(tmp_path / "page.txt", "Uitgaven 100")
    assert documents.scan(tmp_path)[0].stat_signature == ""


def test_a_rewritten_file_is_hashed_again_even_with_its_size_and_mtime_put_back(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    _write(path, "Uitgaven 100")
    first = documents.scan(tmp_path)[0]
    before = path.stat()
    signature = documents.stat_signature(before)
    _write(path, "Uitgaven 999")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `rsync -t` would
    known = {"page.txt": (signature, first.size_bytes, first.sha256)}
    again = documents.scan(tmp_path, known=known)[0]
    assert again.sha256 == hashlib.sha256(b"Uitgaven 999").hexdigest()
    assert again.fingerprint != first.fingerprint
