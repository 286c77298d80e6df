"""The energy section's table is shown in the units its headers state: the section hands its
display factors on (``scale``), and each factor converts the row's SI value to the header's unit
(the demo's terminal table printed joules under "E supply (fJ)" before)."""

from __future__ import annotations

import re

import pint
import pytest

from spinloss.studies import energy
from spinloss.studies.torque import format_cell

SI = {"energy_per_bit": "J", "channel_energy": "J", "write_current": "A", "pulse_width": "s",
      "write_latency": "s", "cell_area": "m^2"}


@pytest.mark.parametrize("key", sorted(energy.ENERGY_SCALE))
def test_each_factor_converts_si_to_the_header_unit(key):
    header = energy.energy_columns("ref")[key]
    unit = re.search(r"\(([^)]+)\)$", header).group(1).replace("u", "micro", 1) if "(u" in header else \
        re.search(r"\(([^)]+)\)$", header).group(1)
    ureg = pint.UnitRegistry()
    factor = ureg.Quantity(1.0, SI[key]).to(unit).magnitude
    assert energy.ENERGY_SCALE[key] == pytest.approx(factor, rel=1e-12, abs=0)


def test_a_supply_energy_in_joules_is_shown_in_femtojoules():
    assert format_cell("energy_per_bit", 2.18e-11, energy.ENERGY_SCALE) == "2.18e+04"
