"""Read the VBA source inside an .xlsm's ``vbaProject.bin`` (to check which macros exist).

A ``vbaProject.bin`` is a Compound File (MS-CFB) whose ``VBA/dir`` stream lists the
modules and whose module streams hold the source compressed with MS-OVBA 2.4.1. This is
the minimal read-only subset of both formats needed to list ``Sub``/``Function`` names, so
that ready workbooks, ``labelxl doctor`` and the tests can prove a button's macro exists.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_END = 0xFFFFFFFA  # sector numbers at or above this are markers (end of chain, free, …)
_NO_STREAM = 0xFFFFFFFF
_PROCEDURE = re.compile(
    r"^[ \t]*(?:(Public|Private|Friend)[ \t]+)?(?:Static[ \t]+)?(Sub|Function)[ \t]+(\w+)",
    re.IGNORECASE | re.MULTILINE,
)


class VbaError(ValueError):
    """The bytes are not a VBA project this reader understands."""


@dataclass(frozen=True)
class Procedure:
    module: str
    name: str
    kind: str  # "Sub" or "Function"
    public: bool


def cfb_streams(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file by its path (``VBA/dir``)."""
    if data[:8] != _MAGIC:
        raise VbaError("not a compound file (no OLE signature)")
    sector = 1 << struct.unpack_from("<H", data, 30)[0]
    mini_sector = 1 << struct.unpack_from("<H", data, 32)[0]
    n_fat = struct.unpack_from("<I", data, 44)[0]
    dir_start = struct.unpack_from("<I", data, 48)[0]
    mini_cutoff = struct.unpack_from("<I", data, 56)[0]
    minifat_start = struct.unpack_from("<I", data, 60)[0]
    difat_start, n_difat = struct.unpack_from("<II", data, 68)
    difat = list(struct.unpack_from("<109I", data, 76))
    per = sector // 4

    def sec(i: int) -> bytes:
        return data[512 + i * sector : 512 + (i + 1) * sector]

    d = difat_start
    for _ in range(n_difat):
        if d >= _END:
            break
        values = struct.unpack(f"<{per}I", sec(d))
        difat += values[:-1]
        d = values[-1]
    fat: list[int] = []
    for f in difat[:n_fat]:
        fat += struct.unpack(f"<{per}I", sec(f))

    def chain(start: int, table: list[int]) -> list[int]:
        out, s, seen = [], start, set()
        while s < _END:
            if s in seen or s >= len(table):
                raise VbaError("corrupt sector chain")
            seen.add(s)
            out.append(s)
            s = table[s]
        return out

    def read(start: int) -> bytes:
        return b"".join(sec(s) for s in chain(start, fat))

    directory = read(dir_start)
    entries = []
    for i in range(len(directory) // 128):
        e = directory[i * 128 : (i + 1) * 128]
        name_len = struct.unpack_from("<H", e, 64)[0]
        entries.append(
            {
                "name": e[: max(name_len - 2, 0)].decode("utf-16-le", "replace"),
                "type": e[66],
                "left": struct.unpack_from("<I", e, 68)[0],
                "right": struct.unpack_from("<I", e, 72)[0],
                "child": struct.unpack_from("<I", e, 76)[0],
                "start": struct.unpack_from("<I", e, 116)[0],
                "size": struct.unpack_from("<Q", e, 120)[0],
            }
        )
    if not entries:
        raise VbaError("compound file has no directory")
    root = entries[0]
    mini_stream = read(root["start"]) if root["start"] < _END else b""
    minifat: list[int] = []
    if minifat_start < _END:
        for s in chain(minifat_start, fat):
            minifat += struct.unpack(f"<{per}I", sec(s))

    def read_mini(start: int, size: int) -> bytes:
        parts = [
            mini_stream[s * mini_sector : (s + 1) * mini_sector] for s in chain(start, minifat)
        ]
        return b"".join(parts)[:size]

    streams: dict[str, bytes] = {}

    def walk(idx: int, prefix: str, depth: int) -> None:
        if idx == _NO_STREAM or idx >= len(entries) or depth > 64:
            return
        e = entries[idx]
        walk(e["left"], prefix, depth + 1)
        walk(e["right"], prefix, depth + 1)
        path = prefix + e["name"]
        if e["type"] == 2:  # stream
            size = int(e["size"])
            streams[path] = (
                read_mini(e["start"], size) if size < mini_cutoff else read(e["start"])[:size]
            )
        elif e["type"] == 1:  # storage
            walk(e["child"], path + "/", depth + 1)

    walk(root["child"], "", 0)
    return streams


def decompress(buf: bytes) -> bytes:
    """MS-OVBA 2.4.1 decompression (a signature byte, then 4 KiB chunks of LZ77 tokens)."""
    if not buf or buf[0] != 1:
        raise VbaError("compressed container has no signature byte")
    out = bytearray()
    pos = 1
    while pos + 2 <= len(buf):
        header = struct.unpack_from("<H", buf, pos)[0]
        end = min(pos + (header & 0x0FFF) + 3, len(buf))
        pos += 2
        if not header & 0x8000:  # raw chunk
            out += buf[pos : pos + 4096]
            pos += 4096
            continue
        start = len(out)
        while pos < end:
            flags = buf[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags & (1 << bit):
                    out.append(buf[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", buf, pos)[0]
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + 3
                if offset > len(out) - start:
                    raise VbaError("copy token points before the chunk")
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def module_sources(project: bytes) -> dict[str, str]:
    """Module name → VBA source text of a ``vbaProject.bin``."""
    streams = cfb_streams(project)
    if "VBA/dir" not in streams:
        raise VbaError("no VBA/dir stream: not a VBA project")
    info = decompress(streams["VBA/dir"])
    pos, modules, current = 0, [], ""
    while pos + 6 <= len(info):
        record, size = struct.unpack_from("<HI", info, pos)
        pos += 6
        if record == 0x0009:  # PROJECTVERSION: its size field says 4 but 6 bytes follow
            size = 6
        body = info[pos : pos + size]
        pos += size
        if record == 0x001A:  # MODULESTREAMNAME
            current = body.decode("latin-1")
        elif record == 0x0031 and current:  # MODULEOFFSET
            modules.append((current, struct.unpack("<I", body)[0]))
    out: dict[str, str] = {}
    for name, offset in modules:
        raw = streams.get(f"VBA/{name}")
        if raw is None:
            raise VbaError(f"module stream {name!r} is missing")
        out[name] = decompress(raw[offset:]).decode("latin-1")
    return out


def procedures(project: bytes) -> list[Procedure]:
    """Every Sub and Function of every module (``Private`` ones flagged)."""
    found = []
    for module, source in module_sources(project).items():
        for m in _PROCEDURE.finditer(source):
            found.append(
                Procedure(
                    module,
                    m.group(3),
                    m.group(2).capitalize(),
                    (m.group(1) or "Public").lower() != "private",
                )
            )
    return found


def project_of(path: str | Path) -> bytes:
    """The ``xl/vbaProject.bin`` bytes of an .xlsm/.xlam file."""
    with zipfile.ZipFile(path) as zf:
        try:
            return zf.read("xl/vbaProject.bin")
        except KeyError:
            raise VbaError(f"{Path(path).name} has no VBA project") from None


def xlwings_version(project: bytes) -> str | None:
    """The xlwings VBA module's version (``XLWINGS_VERSION``) or None if there is none."""
    for source in module_sources(project).values():
        m = re.search(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', source)
        if m:
            return m.group(1)
    return None
