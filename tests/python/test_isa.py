"""hpcffi.isa / hpcffi.isa_available: the kernels' instruction-set variant and its override HPCFFI_ISA."""

import numpy as np
import pytest

import hpcffi

# Best first on an Intel CPU; elsewhere avx512 ranks before avx512_intel.
KNOWN = ("native", "avx512_intel", "avx512", "avx2", "baseline", "generic")


def available():
    return [name for name in KNOWN if hpcffi.isa_available(name)]


def cpu_vendor():
    """The vendor_id line of /proc/cpuinfo ("GenuineIntel", "AuthenticAMD"), or ""."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def test_default_is_the_best_available(monkeypatch):
    monkeypatch.delenv("HPCFFI_ISA", raising=False)
    names = available()
    assert names, "no variant available"
    if "avx512_intel" in names and cpu_vendor() != "GenuineIntel":
        names.remove("avx512_intel")
    assert hpcffi.isa() == names[0]


def test_every_variant_gives_the_same_bits(monkeypatch):
    rng = np.random.default_rng(11)
    start = rng.uniform(-20.0, 80.0, size=(67, 53))
    results = {}
    for name in available():
        monkeypatch.setenv("HPCFFI_ISA", name)
        assert hpcffi.isa() == name
        field = start.copy()
        hpcffi.evolve_steps(field, 13, 0.5, dx=0.1, dy=0.2)
        results[name] = field
    reference = results.pop(available()[-1])
    for name, field in results.items():
        assert field.tobytes() == reference.tobytes(), name


@pytest.mark.parametrize(("value", "exc"), [("avx1024", hpcffi.InvalidArgumentError),
                                            ("AVX2", hpcffi.InvalidArgumentError)])
def test_bad_override_raises(monkeypatch, value, exc):
    monkeypatch.setenv("HPCFFI_ISA", value)
    with pytest.raises(exc, match="HPCFFI_ISA"):
        hpcffi.isa()
    field = np.zeros((5, 5))
    with pytest.raises(exc, match="HPCFFI_ISA"):
        hpcffi.evolve_steps(field, 2, 0.5)


def test_missing_variant_is_unsupported(monkeypatch):
    missing = [name for name in KNOWN if not hpcffi.isa_available(name)]
    assert missing  # no build has all six
    monkeypatch.setenv("HPCFFI_ISA", missing[0])
    with pytest.raises(hpcffi.UnsupportedError, match=missing[0]):
        hpcffi.isa()


def test_availability_of_unknown_name():
    with pytest.raises(hpcffi.InvalidArgumentError, match="sse5"):
        hpcffi.isa_available("sse5")
    with pytest.raises(hpcffi.InvalidArgumentError):
        hpcffi.isa_available(5)
