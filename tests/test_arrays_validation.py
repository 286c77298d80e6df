"""The array model against the NVMExplorer table (2 MB, 22 nm; docs/memory.md section 6).

The reference (tests/data/nvmexplorer_2mb_22nm.toml, with its source) gives, for the STT-MRAM best and
worst cells and the 6T SRAM, area, read and write latency, read and write energy per access and
leakage. Each test builds the array from the same cell parameters and the same settings (node,
temperature, word, routing, sensing, buffer design, read-latency target) and runs the organisation
search; nothing of the reference enters the model.

Tolerance: 25 %, the acceptance band of issue 11 (item 5) for an independent implementation of an
NVSim-like model. The two models share the roadmap devices and wires but not their circuits, their
accounting or their search, and the optimum of a flat latency landscape can fall on a different
organisation; NVSim's own validation against fabricated arrays (Dong et al., TCAD 2012, Table V) shows
errors of this size.

Quantities that the model does not reach within 25 % are listed in :data:`KNOWN_MISSES` with the
reason (the same text as docs/memory.md); their tests report the measured figure as an expected
failure, and fail if the figure comes within 25 % (the documentation would then be stale).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from spinloss.arrays import ArrayOptions, cell_from_table, design_array, technology

DATA = Path(__file__).parent / "data" / "nvmexplorer_2mb_22nm.toml"
QUANTITIES = ("area", "read_latency", "write_latency", "read_energy", "write_energy", "leakage")
CELLS = ("stt_best", "stt_worst", "sram")
#: Acceptance band (issue 11, item 5).
TOLERANCE = 0.25

#: (cell, quantity) -> why the model does not reach the reference within 25 % (docs/memory.md section 6).
KNOWN_MISSES: dict = {}


@pytest.fixture(scope="module")
def reference():
    return tomllib.loads(DATA.read_text())


@pytest.fixture(scope="module")
def arrays(reference):
    s = reference["settings"]
    tech = technology(s["node"], s["temperature"])
    out = {}
    for name in CELLS:
        cell = cell_from_table(dict(reference["cells"][name]), tech, source=str(DATA), prefix=f"cells.{name}")
        opts = ArrayOptions(capacity_bits=s["capacity_bits"], word_bits=s["word_bits"],
                            routing="bus" if cell.kind == "sram" else "htree", target=s["target"])
        out[name] = design_array(cell, tech, opts)
    return out


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("cell", CELLS)
def test_against_nvmexplorer(arrays, reference, cell, quantity):
    ours = getattr(arrays[cell], quantity)
    ref = reference["figures"][cell][quantity]
    ratio = ours / ref
    report = f"{cell} {quantity}: spinloss {ours:.4g}, NVMExplorer {ref:.4g} (ratio {ratio:.3f})"
    within = abs(ratio - 1) <= TOLERANCE
    if (cell, quantity) in KNOWN_MISSES:
        assert not within, f"{report} is now within 25 %: remove it from KNOWN_MISSES and update docs/memory.md"
        pytest.xfail(f"{report}; {KNOWN_MISSES[(cell, quantity)]}")
    assert within, report


def test_reference_cells_use_the_published_settings(reference):
    """The reference file holds what the issue's table states (2 MB, 22 nm, 64-bit words, 350 K)."""
    s = reference["settings"]
    assert (s["capacity_bits"], s["word_bits"], s["node"], s["temperature"]) == (2 * 8 * 2 ** 20, 64, "22nm", 350.0)
