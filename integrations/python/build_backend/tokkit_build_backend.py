"""PEP 517 build backend for the ``tokkit`` Python package (in-tree, no third-party build tools).

``build_wheel`` runs ``swift build -c release --product TokkitCAPI`` in the Tokkit checkout this
folder belongs to, then packs into a platform wheel:

- ``tokkit/*.py``;
- ``tokkit/_lib/libTokkitCAPI.so`` and every shared library it loads that is not part of the base
  system every Linux wheel may assume (glibc, libgcc_s, libstdc++, zlib): the Swift runtime and
  Foundation from the toolchain, ICU and libzstd — found with ``ldd``, so the list is what the
  library really needs, not a guess;
- ``tokkit/vocabularies/*.tiktoken`` from ``vocabularies/``.

The library is linked with ``-no-toolchain-stdlib-rpath`` (SwiftPM already adds ``$ORIGIN``), so its
RUNPATH is ``$ORIGIN`` alone; the toolchain's runtime libraries carry ``$ORIGIN`` already. Every packed
library's RPATH/RUNPATH is read back from its ELF dynamic section and the build fails if one names a
directory outside the wheel, so an installed wheel never reaches back into the toolchain.
"""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

NAME = "tokkit"
VERSION = "0.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)

# Libraries every manylinux wheel may take from the system (PEP 600's base set); the rest is packed.
SYSTEM_LIBRARIES = ("linux-vdso", "ld-linux", "libc.so", "libm.so", "libdl.so", "librt.so", "libpthread.so",
                    "libutil.so", "libresolv.so", "libgcc_s.so", "libstdc++.so", "libz.so")

METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Tokkit from Python: tiktoken's API on Tokkit's Swift encoder, plus training, numpy output and comparisons
License: MIT
Requires-Python: >=3.9
Provides-Extra: numpy
Requires-Dist: numpy; extra == "numpy"
"""


def _log(message: str) -> None:
    print(f"tokkit build: {message}", file=sys.stderr, flush=True)


def _source_root() -> str:
    """The Tokkit checkout: ``$TOKKIT_SOURCE_ROOT``, else two folders above this package."""
    root = os.environ.get("TOKKIT_SOURCE_ROOT") or os.path.dirname(os.path.dirname(PACKAGE_ROOT))
    if not os.path.exists(os.path.join(root, "Package.swift")):
        raise RuntimeError(f"tokkit build: no Package.swift in {root}; build from a Tokkit checkout "
                           "(pip install ./integrations/python) or set TOKKIT_SOURCE_ROOT")
    return root


def _swift_build(root: str) -> str:
    """Builds the C ABI library in release mode and returns its path."""
    swift = shutil.which("swift")
    if swift is None:
        raise RuntimeError("tokkit build: `swift` is not on PATH; building the wheel needs a Swift 6 toolchain "
                           "(the built wheel does not)")
    # A scratch folder of its own: the linker flag below differs from a plain release build's, and
    # sharing .build/release would rebuild everything each time one or the other is built.
    scratch = os.path.join(root, ".build", "python-wheel")
    command = [swift, "build", "-c", "release", "--scratch-path", scratch, "--product", "TokkitCAPI",
               "-Xswiftc", "-no-toolchain-stdlib-rpath"]
    _log(" ".join(command) + f"  (in {root})")
    subprocess.run(command, cwd=root, check=True, stdout=sys.stderr)
    binaries = subprocess.run(command[:6] + ["--show-bin-path"], cwd=root, check=True, capture_output=True,
                              text=True).stdout.strip()
    library = os.path.join(binaries, "libTokkitCAPI.so")
    if not os.path.exists(library):
        raise RuntimeError(f"tokkit build: swift build succeeded but {library} is missing")
    return library


def _runtime_directories() -> list[str]:
    """Where the toolchain keeps the Swift runtime (``swiftc -print-target-info``): the library is
    linked without a search path into it, so ``ldd`` is told where to look."""
    import json

    swiftc = shutil.which("swiftc") or os.path.join(os.path.dirname(shutil.which("swift")), "swiftc")
    info = json.loads(subprocess.run([swiftc, "-print-target-info"], check=True, capture_output=True, text=True).stdout)
    return info["paths"]["runtimeLibraryPaths"]


def _dependencies(library: str) -> dict[str, str]:
    """Soname -> path of every library ``library`` loads, directly or not, outside the base system."""
    environment = dict(os.environ, LD_LIBRARY_PATH=":".join(_runtime_directories()))
    output = subprocess.run(["ldd", library], check=True, capture_output=True, text=True, env=environment).stdout
    found = {}
    for line in output.splitlines():
        parts = line.strip().split()
        if len(parts) >= 3 and parts[1] == "=>":
            name, path = parts[0], parts[2]
            if path == "not":
                raise RuntimeError(f"tokkit build: {library} needs {name}, which the loader cannot find")
            if not name.startswith(SYSTEM_LIBRARIES):
                found[name] = path
    return found


def _search_paths(path: str) -> list[str]:
    """The DT_RPATH and DT_RUNPATH entries of a 64-bit little-endian ELF file."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise RuntimeError(f"tokkit build: {path} is not a 64-bit little-endian ELF file")
    section_offset, = struct.unpack_from("<Q", data, 0x28)
    section_size, section_count = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * section_size) for i in range(section_count)]
    entries = []
    for _, kind, _, _, offset, size, link, _, _, _ in sections:
        if kind != 6:  # SHT_DYNAMIC
            continue
        strings_offset = sections[link][4]
        for position in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, position)
            if tag == 0:
                break
            if tag in (15, 29):  # DT_RPATH, DT_RUNPATH
                end = data.index(b"\0", strings_offset + value)
                entries += data[strings_offset + value:end].decode().split(":")
    return entries


def _check_search_paths(path: str) -> None:
    for entry in _search_paths(path):
        if entry and not entry.startswith("$ORIGIN"):
            raise RuntimeError(f"tokkit build: {os.path.basename(path)} searches {entry} for libraries; "
                               "a wheel must only search $ORIGIN")


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _tag() -> str:
    return f"py3-none-linux_{platform.machine()}"


def _dist_info() -> str:
    return f"{NAME}-{VERSION}.dist-info"


# ---- PEP 517 hooks ----

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    folder = os.path.join(metadata_directory, _dist_info())
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "METADATA"), "w") as file:
        file.write(METADATA)
    return _dist_info()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if not sys.platform.startswith("linux"):
        raise RuntimeError("tokkit build: the wheel is built on Linux (the packed runtime is Linux's)")
    root = _source_root()
    library = _swift_build(root)
    files: dict[str, bytes] = {}
    package = os.path.join(PACKAGE_ROOT, NAME)
    for name in sorted(os.listdir(package)):
        if name.endswith(".py"):
            with open(os.path.join(package, name), "rb") as file:
                files[f"{NAME}/{name}"] = file.read()
    with tempfile.TemporaryDirectory() as scratch:
        libraries = {"libTokkitCAPI.so": library, **_dependencies(library)}
        for soname, path in sorted(libraries.items()):
            copy = os.path.join(scratch, soname)
            shutil.copyfile(path, copy)
            _check_search_paths(copy)
            with open(copy, "rb") as file:
                files[f"{NAME}/_lib/{soname}"] = file.read()
            _log(f"packed {soname} ({os.path.getsize(copy) // 1024} KB) from {path}")
    vocabularies = os.path.join(root, "vocabularies")
    for name in sorted(os.listdir(vocabularies)):
        if name.endswith(".tiktoken"):
            with open(os.path.join(vocabularies, name), "rb") as file:
                files[f"{NAME}/vocabularies/{name}"] = file.read()
    info = _dist_info()
    files[f"{info}/METADATA"] = METADATA.encode()
    files[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: tokkit_build_backend\nRoot-Is-Purelib: false\n"
                              f"Tag: {_tag()}\n").encode()
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel_name = f"{NAME}-{VERSION}-{_tag()}.whl"
    target = os.path.join(wheel_directory, wheel_name)
    temporary = target + ".partial"
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            entry.external_attr = (0o755 if name.endswith(".so") or ".so." in name else 0o644) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    os.replace(temporary, target)
    _log(f"wrote {target}")
    return wheel_name


def build_sdist(sdist_directory, config_settings=None):
    raise RuntimeError("tokkit build: there is no source distribution; the package is built from a Tokkit "
                       "checkout with `pip install ./integrations/python` (or `pip wheel`)")
