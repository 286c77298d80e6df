"""Quantities behind override keys are named alike on plot axes and in the sentences of
``compare``'s maps (issue 9 item 6: map statements used raw keys)."""

from __future__ import annotations

import numpy as np

from spinloss.cells.compare import EnergyMap, map_statement
from spinloss.names import quantity_words
from spinloss.plots import key_label


def test_words_of_keys():
    assert quantity_words("free.spin_hall_angle", kind="ferromagnet") == "spin-Hall-like angle of free"
    assert quantity_words("Pt.spin_hall_angle", kind="heavy_metal") == "spin Hall angle of Pt"
    assert quantity_words("interfaces.0.magnon_interface_conductance") == "magnon interface conductance G_int"
    assert quantity_words("pulse.width") == "pulse width"
    assert quantity_words("free.unknown_key") == "unknown key of free"


def test_the_axis_label_and_the_sentence_share_the_name():
    assert key_label("interfaces.0.magnon_interface_conductance", "Ohm^-1 m^-2").startswith(
        quantity_words("interfaces.0.magnon_interface_conductance").split(" G_")[0])


def test_a_map_statement_names_quantities_not_keys():
    keys = ("free.spin_hall_angle", "interfaces.0.magnon_interface_conductance")
    adv = np.array([[0.5, 1.0], [2.0, 4.0]])
    m = EnergyMap("Py/NiO", "Pt/Py", keys, (np.array([0.1, 0.4]), np.array([1e14, 1e15])),
                  (np.array([0.1, 0.4]), np.array([1e14, 1e15])), ("1", "Ohm^-1 m^-2"), (False, True),
                  1.0 / adv, adv, 1.0, 0.5,
                  names=(quantity_words(keys[0], kind="ferromagnet"), quantity_words(keys[1])))
    text = map_statement(m)
    assert "free.spin_hall_angle" not in text and "interfaces.0" not in text
    assert "spin-Hall-like angle of free >= 0.4" in text
    assert "magnon interface conductance G_int >= 1e+15 Ohm^-1 m^-2" in text
    assert "on 25 % of the map" in text
