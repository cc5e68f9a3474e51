"""File facts the importers need: a digest for the run record and a row estimate for ETA."""

import codecs
import gzip
import hashlib
from pathlib import Path
from typing import BinaryIO

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


def check_utf8(path: Path) -> None:
    """Refuse a file that is not UTF-8 before any row is read, naming the first bad line:
    an import must not stop half-way through on an encoding error."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        check_utf8_stream(handle)


def check_utf8_stream(handle: BinaryIO) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    while chunk := handle.read(_CHUNK):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            bad_line = line + chunk[: exc.start].count(b"\n")
            raise ValueError(
                f"line {bad_line} is not UTF-8 (byte {chunk[exc.start]:#04x}); "
                "save the file as UTF-8 and import it again"
            ) from None
        line += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise ValueError(f"the file ends inside a character (line {line}): not UTF-8") from None
