"""spinloss: magnetization switching driven by spin loss into antiferromagnetic insulators.

Pipeline: Stack (TOML) -> torques (spin drift-diffusion) -> device dynamics (stochastic LLG)
-> switching, write error rate, retention -> energy per bit and comparisons.
SI units inside; conventions in docs/conventions.md (docs/physics.md section 2).
"""

from .errors import ConfigError, PhysicsError, SpinlossInputError, TargetNotMetError
from .stack import Interface, Layer, Stack
from .materials import Material, default_library, load_library
from .transport import torques
from .device import Device


def __getattr__(name):
    """Experiments are imported on first use (they pull in numba kernels)."""
    lazy = {
        "switching_probability": ("spinloss.experiments.switching", "switching_probability"),
        "critical_current": ("spinloss.experiments.switching", "critical_current"),
        "trace": ("spinloss.experiments.switching", "trace"),
        "retention": ("spinloss.experiments.retention", "retention"),
        "resonance": ("spinloss.experiments.resonance", "resonance"),
        "device_write_error_rate": ("spinloss.experiments.wer", "device_write_error_rate"),
    }
    if name in lazy:
        import importlib

        module, attr = lazy[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'spinloss' has no attribute {name!r}")

from .version import __version__

__all__ = ["ConfigError", "PhysicsError", "SpinlossInputError", "TargetNotMetError", "Interface",
           "Layer", "Stack", "Material", "default_library", "load_library", "torques", "Device",
           "switching_probability", "critical_current", "trace", "retention", "resonance",
           "device_write_error_rate", "__version__"]
