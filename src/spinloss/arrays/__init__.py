"""Memory arrays and AI workloads (docs/memory.md): an NVSim-like array model (subarrays, mats, a bank
with H-tree or bus routing, the search over organisations) for SRAM, STT-MRAM and SOT-MRAM cells,
and the memory energy of a network's weights held in such arrays.

- :mod:`.technology`: transistors and wires of a node (ITRS LOP via MASTAR; ITRS interconnect).
- :mod:`.circuits`: Horowitz delay, gate footprints, logical-effort driver chains.
- :mod:`.memcell`: the cells (6T SRAM, cells from a design result or explicit parameters).
- :mod:`.model`: subarray, mat, bank, search (:func:`design_array`).
- :mod:`.networks`: layer shapes of ResNet-18 and transformer encoders.
- :mod:`.workloads`: a workload file, per-inference, per-update and duty-cycle energy.
"""

from .memcell import MemoryCell, cell_from_design, cell_from_table, sram_6t
from .model import ArrayOptions, ArrayResult, Organisation, design_array, evaluate
from .networks import KNOWN, Network, bert_tiny, resnet18, transformer
from .technology import NODES, Technology, technology
from .workloads import Workload, WorkloadResult, load_workload, parse_capacity, run_workload

__all__ = ["MemoryCell", "cell_from_design", "cell_from_table", "sram_6t", "ArrayOptions", "ArrayResult",
           "Organisation", "design_array", "evaluate", "KNOWN", "Network", "bert_tiny", "resnet18", "transformer",
           "NODES", "Technology", "technology", "Workload", "WorkloadResult", "load_workload", "parse_capacity",
           "run_workload"]
