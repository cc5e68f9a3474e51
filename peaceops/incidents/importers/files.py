"""File facts the importers need: a digest for the run record and a row estimate for ETA."""

import gzip
import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def estimated_rows(path: Path) -> int | None:
    """Lines in a (gzipped) CSV minus the header: an estimate (quoted newlines count too).
    None for formats where counting would mean parsing."""
    lower = path.name.lower()
    if not lower.endswith((".csv", ".csv.gz", ".tsv")):
        return None
    opener = gzip.open if lower.endswith(".gz") else open
    lines = 0
    with opener(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)
