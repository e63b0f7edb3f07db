"""PEP 517 build backend for the ``tokkit`` Python package (in-tree, no third-party build tools).

``build_wheel`` runs ``swift build -c release --product TokkitCAPI`` in the Tokkit checkout this
folder belongs to, then packs into a platform wheel:

- ``tokkit/*.py``;
- ``tokkit/_lib/libTokkitCAPI.so`` and every shared library it loads that is not part of the base
  system every Linux wheel may assume (glibc, libgcc_s, libstdc++, zlib): the Swift runtime and
  Foundation from the toolchain, ICU and libzstd — found with ``ldd``, so the list is what the
  library really needs, not a guess;
- ``tokkit/vocabularies/*.tiktoken`` from the bundled vocabularies;
- ``tokkit/_fast.abi3.so``: ``tokkit/_fast.c`` compiled against this Python's headers (the limited
  API, so one wheel serves CPython 3.10 and later), which makes list-returning encode calls cheap.
  Without ``Python.h`` (``apt-get install python3-dev``) the build stops and says so, unless
  ``TOKKIT_NO_EXTENSION=1`` asks for a wheel without it (ctypes only, slower on short texts).

``build_sdist`` writes a source distribution that holds exactly what ``build_wheel`` needs: this
package (without its tests) and, under ``swift/``, the Swift package manifest, its pins and the folder
of every target the manifest declares (SwiftPM refuses a manifest whose target folders are missing).
Building a wheel from it fetches the two pinned Swift dependencies, as any SwiftPM build does.

The library is linked with ``-no-toolchain-stdlib-rpath`` (SwiftPM already adds ``$ORIGIN``), so its
RUNPATH is ``$ORIGIN`` alone; the toolchain's runtime libraries carry ``$ORIGIN`` already. Every packed
library's RPATH/RUNPATH is read back from its ELF dynamic section and the build fails if one names a
directory outside the wheel, so an installed wheel never reaches back into the toolchain.
"""

from __future__ import annotations

import base64
import glob
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
# The bundled vocabularies (SwiftPM resources; the checkout's top-level `vocabularies` links here).
VOCABULARIES = os.path.join("Sources", "TokkitFormats", "Catalog", "Vocabularies")
PACKAGE_ROOT = os.path.dirname(HERE)

# Libraries every manylinux wheel may take from the system (PEP 600's base set); the rest is packed.
SYSTEM_LIBRARIES = ("linux-vdso", "ld-linux", "libc.so", "libm.so", "libdl.so", "librt.so", "libpthread.so",
                    "libutil.so", "libresolv.so", "libgcc_s.so", "libstdc++.so", "libz.so")

METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Tokkit from Python: tiktoken's API on Tokkit's Swift encoder, plus training, numpy output and comparisons
License: MIT
Requires-Python: >=3.10
Provides-Extra: numpy
Requires-Dist: numpy; extra == "numpy"
"""


def _log(message: str) -> None:
    print(f"tokkit build: {message}", file=sys.stderr, flush=True)


def _source_root() -> str:
    """The Swift package: ``$TOKKIT_SOURCE_ROOT``; else ``swift/`` in an unpacked sdist; else the
    checkout two folders above this package."""
    root = os.environ.get("TOKKIT_SOURCE_ROOT")
    if not root:
        bundled = os.path.join(PACKAGE_ROOT, "swift")
        root = bundled if os.path.isdir(bundled) else os.path.dirname(os.path.dirname(PACKAGE_ROOT))
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
    # TOKKIT_WHEEL_SCRATCH moves it (run_tests.sh keeps it across runs of the unpacked sdist).
    scratch = os.environ.get("TOKKIT_WHEEL_SCRATCH") or os.path.join(root, ".build", "python-wheel")
    command = [swift, "build", "-c", "release", "--scratch-path", scratch, "--product", "TokkitCAPI",
               "-Xswiftc", "-no-toolchain-stdlib-rpath"]
    stamp = os.path.join(scratch, "tokkit-sources.sha256")
    fingerprint = _sources_fingerprint(root)
    _forget_stale_modules(scratch, stamp, fingerprint)
    _log(" ".join(command) + f"  (in {root})")
    subprocess.run(command, cwd=root, check=True, stdout=sys.stderr)
    with open(stamp, "w") as file:
        file.write(fingerprint + "\n")
    binaries = subprocess.run(command[:6] + ["--show-bin-path"], cwd=root, check=True, capture_output=True,
                              text=True).stdout.strip()
    library = os.path.join(binaries, "libTokkitCAPI.so")
    if not os.path.exists(library):
        raise RuntimeError(f"tokkit build: swift build succeeded but {library} is missing")
    return library


def _sources_fingerprint(root: str) -> str:
    """SHA-256 over the manifest and every file of the package's non-test targets, names included."""
    digest = hashlib.sha256()
    paths = [os.path.join(root, "Package.swift")]
    for folder in _declared_target_folders(root, tests=False):
        for directory, subdirectories, names in os.walk(os.path.join(root, folder)):
            subdirectories.sort()
            paths += [os.path.join(directory, name) for name in sorted(names)]
    for path in paths:
        digest.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as file:
            digest.update(hashlib.sha256(file.read()).digest())
    return digest.hexdigest()


def _forget_stale_modules(scratch: str, stamp: str, fingerprint: str) -> None:
    """Deletes Tokkit's own module builds in the scratch folder when the sources changed since the
    last wheel was built from it (the dependencies' builds stay).

    Why: an incremental release build after a change to the layout of a type used across modules
    (seen in session 19 with the rank-table cache's tables) kept objects of dependent modules whose
    own sources had not changed, and the library crashed at load. A wheel is built rarely; rebuilding
    Tokkit's modules costs a minute or two and rules that out."""
    try:
        with open(stamp) as file:
            if file.read().strip() == fingerprint:
                return
    except FileNotFoundError:
        pass
    stale = glob.glob(os.path.join(scratch, "*", "release", "Tokkit*.build")) \
        + glob.glob(os.path.join(scratch, "*", "release", "Modules", "Tokkit*"))
    if stale:
        _log(f"sources changed since the last wheel built in {scratch}: rebuilding Tokkit's modules")
    for path in stale:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


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


def _compile_extension(root: str, folder: str) -> str | None:
    """Compiles ``tokkit/_fast.c`` into ``folder``; returns the path, or None when
    ``TOKKIT_NO_EXTENSION=1`` asked for a wheel without it."""
    import sysconfig

    if os.environ.get("TOKKIT_NO_EXTENSION") == "1":
        _log("TOKKIT_NO_EXTENSION=1: no tokkit._fast extension (list-returning calls go through ctypes)")
        return None
    include = sysconfig.get_paths()["include"]
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise RuntimeError(f"tokkit build: {include}/Python.h is missing, so tokkit._fast cannot be compiled; "
                           "install the Python headers (apt-get install python3-dev) or set TOKKIT_NO_EXTENSION=1 "
                           "for a slower wheel without it")
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("tokkit build: no C compiler (cc, clang or gcc) for tokkit._fast")
    output = os.path.join(folder, "_fast.abi3.so")
    command = [compiler, "-shared", "-fPIC", "-O2", "-I", include, "-I", os.path.join(root, "Sources", "TokkitCAPI"),
               os.path.join(PACKAGE_ROOT, NAME, "_fast.c"), "-o", output]
    _log(" ".join(command))
    subprocess.run(command, check=True, stdout=sys.stderr)
    return output


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _tag(extension: bool) -> str:
    """abi3 when the limited-API extension is inside (CPython 3.10+), else any Python 3."""
    return f"cp310-abi3-linux_{platform.machine()}" if extension else f"py3-none-linux_{platform.machine()}"


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
        extension = _compile_extension(root, scratch)
        if extension:
            with open(extension, "rb") as file:
                files[f"{NAME}/_fast.abi3.so"] = file.read()
    vocabularies = os.path.join(root, VOCABULARIES)
    for name in sorted(os.listdir(vocabularies)):
        if name.endswith(".tiktoken"):
            with open(os.path.join(vocabularies, name), "rb") as file:
                files[f"{NAME}/vocabularies/{name}"] = file.read()
    info = _dist_info()
    files[f"{info}/METADATA"] = METADATA.encode()
    files[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\nGenerator: tokkit_build_backend\nRoot-Is-Purelib: false\n"
                              f"Tag: {_tag(extension is not None)}\n").encode()
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel_name = f"{NAME}-{VERSION}-{_tag(extension is not None)}.whl"
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


def _declared_target_folders(root: str, tests: bool = True) -> list[str]:
    """The folder of every target in the manifest (``swift package dump-package``), relative to root;
    without test targets when ``tests`` is false."""
    import json

    swift = shutil.which("swift")
    if swift is None:
        raise RuntimeError("tokkit build: `swift` is not on PATH; the sdist lists the manifest's targets with it")
    manifest = json.loads(subprocess.run([swift, "package", "dump-package"], cwd=root, check=True,
                                         capture_output=True, text=True).stdout)
    folders = []
    for target in manifest["targets"]:
        if not tests and target["type"] == "test":
            continue
        default = "Tests" if target["type"] == "test" else "Sources"
        folders.append(target.get("path") or os.path.join(default, target["name"]))
    return sorted(set(folders))


def _sdist_files(root: str) -> dict[str, str]:
    """Archive name -> path of every file the sdist holds."""
    files = {}
    for name in ("pyproject.toml",):
        files[name] = os.path.join(PACKAGE_ROOT, name)
    for folder in ("build_backend", NAME):
        for name in sorted(os.listdir(os.path.join(PACKAGE_ROOT, folder))):
            path = os.path.join(PACKAGE_ROOT, folder, name)
            if os.path.isfile(path) and name.endswith((".py", ".c")):
                files[f"{folder}/{name}"] = path
    files["swift/Package.swift"] = os.path.join(root, "Package.swift")
    # The pins, when this checkout has resolved its dependencies (the file is not committed).
    if os.path.exists(os.path.join(root, "Package.resolved")):
        files["swift/Package.resolved"] = os.path.join(root, "Package.resolved")
    for folder in _declared_target_folders(root):
        for directory, subdirectories, names in os.walk(os.path.join(root, folder)):
            subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
            for name in sorted(names):
                if name.startswith(".") or name == "__pycache__":
                    continue
                path = os.path.join(directory, name)
                files["swift/" + os.path.relpath(path, root)] = path
    return files


def build_sdist(sdist_directory, config_settings=None):
    import io
    import tarfile

    root = _source_root()
    base = f"{NAME}-{VERSION}"
    files = _sdist_files(root)
    target = os.path.join(sdist_directory, f"{base}.tar.gz")
    temporary = target + ".partial"
    with tarfile.open(temporary, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        def add(name: str, data: bytes, mode: int = 0o644) -> None:
            entry = tarfile.TarInfo(f"{base}/{name}")
            entry.size, entry.mode, entry.mtime = len(data), mode, 1767225600  # 2026-01-01, reproducible
            archive.addfile(entry, io.BytesIO(data))
        add("PKG-INFO", METADATA.encode())
        for name, path in sorted(files.items()):
            with open(path, "rb") as file:
                add(name, file.read())
    os.replace(temporary, target)
    _log(f"wrote {target} ({len(files) + 1} files)")
    return os.path.basename(target)
