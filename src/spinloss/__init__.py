"""spinloss: magnetization switching driven by spin loss into antiferromagnetic insulators.

Pipeline: Stack (TOML) -> torques (spin drift-diffusion) -> device dynamics (stochastic LLG)
-> switching, write error rate, retention -> energy per bit and comparisons.
SI units inside; conventions in docs/conventions.md (PHYSICS.md section 2).
"""

from .errors import ConfigError, PhysicsError, SpinlossInputError, TargetNotMetError
from .stack import Interface, Layer, Stack
from .materials import Material, default_library, load_library

__version__ = "0.1.0"

__all__ = ["ConfigError", "PhysicsError", "SpinlossInputError", "TargetNotMetError", "Interface",
           "Layer", "Stack", "Material", "default_library", "load_library", "__version__"]
