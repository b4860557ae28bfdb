"""Small file helpers: the LX Log's input hashes."""

import hashlib
import os

from labelxl.io.files import file_sha256, prefetch_sha256


def test_a_prefetched_hash_is_the_files_and_follows_a_change(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"first" * 100_000)
    prefetch_sha256([path, tmp_path / "gone.xlsx"])  # a missing file is skipped
    assert file_sha256(path) == hashlib.sha256(b"first" * 100_000).hexdigest()
    path.write_bytes(b"second")
    os.utime(path, ns=(1, 1))  # another size and time: the prefetched hash is not used
    assert file_sha256(path) == hashlib.sha256(b"second").hexdigest()
