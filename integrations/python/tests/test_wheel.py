"""The built wheel runs without the Swift toolchain: installed into a fresh venv, imported with no
library path set, every Swift, Foundation and ICU library it loads comes from inside the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv

PROBE = r"""
import json, sys
import tokkit
enc = tokkit.get_encoding("cl100k_base")
assert enc.encode("hello world") == [15339, 1917]
rows = [line.split() for line in open("/proc/self/maps")]
loaded = sorted({row[-1] for row in rows if len(row) >= 6 and ".so" in row[-1]})
print(json.dumps({"package": tokkit.__file__, "loaded": loaded}))
"""


def clean_environment() -> dict[str, str]:
    """No library path, no Tokkit overrides, and a PATH without the Swift toolchain."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("LD_LIBRARY_PATH", "LD_PRELOAD", "TOKKIT_CAPI_LIBRARY", "TOKKIT_VOCABULARIES",
                                  "PYTHONPATH", "PYTHONHOME")}
    environment["PATH"] = "/usr/bin:/bin"
    return environment


def toolchain_libraries(loaded: list[str], package_folder: str) -> list[str]:
    """Loaded Swift/Foundation/ICU/zstd libraries that do not come from the installed package."""
    runtime = ("libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "libicu", "libzstd",
               "libTokkitCAPI")
    return [path for path in loaded
            if os.path.basename(path).startswith(runtime) and not path.startswith(package_folder)]


def run_probe(python: str, extra: dict[str, str] | None = None) -> dict:
    environment = clean_environment() | (extra or {})
    output = subprocess.run([python, "-c", PROBE], env=environment, check=True, capture_output=True, text=True,
                            cwd="/").stdout
    return json.loads(output)


def test_the_wheel_runs_from_a_fresh_venv_without_the_toolchain(tmp_path):
    wheel = os.environ.get("TOKKIT_WHEEL")
    assert wheel and os.path.exists(wheel), "TOKKIT_WHEEL must name the built wheel (integrations/python/run_tests.sh)"
    folder = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    python = str(folder / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel], check=True,
                   env=clean_environment())
    result = run_probe(python)
    package_folder = os.path.dirname(result["package"])
    assert package_folder.startswith(str(folder)), result["package"]
    assert not toolchain_libraries(result["loaded"], package_folder), result["loaded"]
    assert any(path.endswith("/_lib/libswiftCore.so") for path in result["loaded"]), result["loaded"]

    # The check can fail: pointed at the debug build (RUNPATH into the toolchain), it sees the toolchain.
    debug = os.environ.get("TOKKIT_DEBUG_LIBRARY")
    assert debug and os.path.exists(debug), "TOKKIT_DEBUG_LIBRARY must name .build/debug/libTokkitCAPI.so"
    planted = run_probe(python, {"TOKKIT_CAPI_LIBRARY": debug})
    assert toolchain_libraries(planted["loaded"], package_folder), planted["loaded"]
    print(f"wheel: {len(result['loaded'])} libraries loaded, none from the toolchain; "
          f"the debug build loads {len(toolchain_libraries(planted['loaded'], package_folder))} from outside the wheel")


def test_this_interpreter_runs_the_installed_wheel():
    import tokkit

    assert "site-packages" in tokkit.__file__ and os.path.exists(os.path.join(os.path.dirname(tokkit.__file__), "_lib"))
    assert sys.version_info >= (3, 9)


def test_the_wheel_has_the_compiled_list_builder_and_it_agrees_with_ctypes():
    import tokkit
    from tokkit import _native

    assert _native.fast is not None, "the wheel was built without tokkit._fast (TOKKIT_NO_EXTENSION=1, or no Python.h)"
    enc = tokkit.get_encoding("o200k_base")
    texts = ["hello world", "naïve café — 日本語", "", "x" * 5000, "tab\tand\nnewline  ", "\ud83d\ude00 surrogates \udc00"]
    by_ctypes = enc._split(*enc._call_batch(texts, None, None, 1))
    assert enc.encode_ordinary_batch(texts, num_threads=1) == by_ctypes
    assert [enc.encode_ordinary(t) for t in texts] == by_ctypes
    big = enc.max_token_value  # the table's last id, and an id past any table would still be an int
    assert enc.encode("<|endoftext|>", allowed_special="all") == [enc.eot_token] and big >= enc.eot_token
    # The comparison can fail: a different text gives different ids.
    assert enc.encode_ordinary_batch(["hello world!"], num_threads=1) != by_ctypes[:1]


def test_the_sdist_holds_the_swift_package_and_the_python_package_only():
    import tarfile

    sdist = os.environ.get("TOKKIT_SDIST")
    assert sdist and os.path.exists(sdist), "TOKKIT_SDIST must name the built sdist (run_tests.sh)"
    root = os.environ.get("TOKKIT_REPOSITORY")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for required in ("PKG-INFO", "pyproject.toml", "build_backend/tokkit_build_backend.py", "tokkit/_fast.c",
                     "tokkit/core.py", "swift/Package.swift", "swift/Sources/TokkitCAPI/tokkit.h",
                     "swift/Sources/TokkitPrep/Pipeline/PrepRequest.swift",
                     "swift/Sources/TokkitFormats/Catalog/Vocabularies/cl100k_base.tiktoken"):
        assert required in names, required
    assert not [n for n in names if n.startswith("tests/") or "/.build/" in n or n.endswith((".pyc", ".so"))]
    # Every Swift file comes from the checkout, unchanged in name: nothing generated, nothing outside it.
    strays = [n for n in names if n.startswith("swift/") and not os.path.exists(os.path.join(root, n[len("swift/"):]))]
    assert not strays, f"sdist files that the checkout lacks: {strays[:5]}"
    print(f"sdist: {len(names)} files, {os.path.getsize(sdist) // 1024} KB")


def test_the_build_backend_forgets_tokkits_module_builds_when_the_sources_change(tmp_path):
    """The wheel's scratch build keeps the dependencies' objects, but Tokkit's own modules are rebuilt
    from clean when any source file changed since the last wheel (stale objects crashed once)."""
    root = os.environ.get("TOKKIT_REPOSITORY")
    assert root, "TOKKIT_REPOSITORY must name the checkout (run_tests.sh)"
    sys.path.insert(0, os.path.join(root, "integrations", "python", "build_backend"))
    try:
        import tokkit_build_backend as backend
    finally:
        sys.path.pop(0)
    release = tmp_path / "x86_64-unknown-linux-gnu" / "release"
    kept = [release / "ArgumentParser.build", release / "Modules" / "ArgumentParser.swiftmodule"]
    stale = [release / "TokkitCore.build", release / "TokkitText.build", release / "Modules" / "TokkitCore.swiftmodule"]
    for folder in kept + stale:
        folder.mkdir(parents=True)
    stamp = str(tmp_path / "tokkit-sources.sha256")
    fingerprint = backend._sources_fingerprint(root)
    assert fingerprint == backend._sources_fingerprint(root)
    # The same sources as the last wheel: nothing is deleted.
    (tmp_path / "tokkit-sources.sha256").write_text(fingerprint + "\n")
    backend._forget_stale_modules(str(tmp_path), stamp, fingerprint)
    assert all(folder.exists() for folder in kept + stale)
    # Changed sources (another fingerprint) or no stamp: Tokkit's modules go, the dependencies stay.
    backend._forget_stale_modules(str(tmp_path), stamp, "0" * 64)
    assert all(folder.exists() for folder in kept) and not any(folder.exists() for folder in stale)
    for folder in stale:
        folder.mkdir(parents=True)
    os.remove(stamp)
    backend._forget_stale_modules(str(tmp_path), stamp, fingerprint)
    assert all(folder.exists() for folder in kept) and not any(folder.exists() for folder in stale)
