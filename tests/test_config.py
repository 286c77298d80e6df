"""Configuration: TOML stack files, units, validation rules (issue 2 item 2) and overrides.

Every rule must raise ConfigError (a SpinlossInputError) whose one-line message names the file
and the key; random invalid stacks (hypothesis) must give ConfigError and never another
exception.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spinloss import ConfigError, SpinlossInputError, Stack, load_library
from spinloss.config import parse_scalar_text, parse_set, read_toml
from spinloss.grids import parse_vary_item
from spinloss.materials import MATERIAL_KEYS, default_library
from spinloss.stack import LAYER_KEYS, STACK_KEYS
from spinloss.units import MU0, parse_duration, to_si

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SRC = "stack.toml"  # source name used for dict-built stacks

PY_NIO = """
name = "Py/NiO"
temperature = 300            # K
current_density = 1e11       # A/m^2
[[layers]]
material = "SiO2"
thickness = "5 nm"
[[layers]]
name = "free"
material = "Py"
thickness = 5e-9
spin_hall_angle = 0.05
[[layers]]
material = "NiO"
thickness = "10 nm"
[[interfaces]]
between = ["free", "NiO"]
magnon_interface_conductance = 5e14
"""


def base_dict() -> dict:
    """SiO2 / Pt / free(Py) / NiO: every interface kind that takes values."""
    return {
        "name": "test",
        "temperature": 300.0,
        "current_density": 1e11,
        "layers": [
            {"material": "SiO2", "thickness": "5 nm"},
            {"material": "Pt", "thickness": "4 nm"},
            {"name": "free", "material": "Py", "thickness": "3 nm"},
            {"material": "NiO", "thickness": "10 nm"},
        ],
        "interfaces": [
            {"between": ["Pt", "free"], "spin_mixing_conductance": [5e14, 5e13]},
            {"between": ["free", "NiO"], "magnon_interface_conductance": 5e14},
        ],
    }


def build(d: dict, **kw) -> Stack:
    return Stack.from_dict(d, source=SRC, **kw)


def assert_config_error(excinfo, key: str | None, *, source: str = SRC):
    """The error is typed, one line, names the file and (if given) the key."""
    err = excinfo.value
    assert isinstance(err, ConfigError) and isinstance(err, SpinlossInputError)
    msg = str(err)
    assert "\n" not in msg
    assert msg.startswith(source), msg
    if key is not None:
        assert key in err.key, (key, err.key, msg)
        assert key in msg
    assert err.rule and err.rule in msg


@pytest.fixture
def py_nio_file(tmp_path) -> Path:
    p = tmp_path / "py_nio.toml"
    p.write_text(PY_NIO)
    return p


# ============================================================================ valid files


def test_issue_example_loads(py_nio_file):
    s = Stack.from_toml(py_nio_file)
    assert s.name == "Py/NiO"
    assert s.layer_names == ["SiO2", "free", "NiO"]
    assert [l.kind for l in s.layers] == ["insulator", "ferromagnet", "antiferromagnetic_insulator"]
    assert s.layer("free").thickness == 5e-9
    assert s.layer("NiO").thickness == pytest.approx(1e-8, rel=1e-12, abs=0)
    assert s.layer("free").material.spin_hall_angle == 0.05  # per-layer override
    assert s.layer("free").material.saturation_magnetization == 8.0e5  # library value
    assert s.temperature == 300.0 and s.current_density == 1e11
    assert s.reference_temperature == 300.0
    assert s.interfaces[1].magnon_interface_conductance == 5e14
    assert s.interfaces[0].is_reflecting
    assert s.shape == ()
    assert [m.name for m in s.magnets] == ["free"]
    assert s.source == str(py_nio_file)


#: The stack examples of issue 2 item 6 (other example files, e.g. devices, have their own tests).
STACK_EXAMPLES = ["py_nio.toml", "py_sio2.toml", "nio_py_nio.toml", "pt_py.toml", "pt_cofeb.toml",
                  "cofeb_nio.toml", "w_cofeb.toml", "ta_cofeb.toml", "cofeb_coo.toml", "my_py_nio.toml"]


@pytest.mark.parametrize("path", [EXAMPLES / n for n in STACK_EXAMPLES], ids=lambda p: p.name)
def test_examples_load(path):
    s = Stack.from_toml(path)
    assert "free" in s.layer_names, "examples name their magnet 'free'"
    assert s.layer("free").kind == "ferromagnet"
    for l in s.layers:
        t = float(l.thickness)
        if l.kind == "ferromagnet":
            assert 1e-9 <= t <= 5e-9
        elif l.kind == "normal_metal":
            assert 4e-9 <= t <= 6e-9
        elif l.kind == "antiferromagnetic_insulator":
            assert 5e-9 <= t <= 20e-9
    text = path.read_text()
    assert text.startswith("#"), "each example starts with a comment header"
    if "CoFeB" in text and "antiferromagnetic" in str([l.kind for l in s.layers]):
        assert s.layer("free").material.spin_hall_angle != 0  # set explicitly (a parameter)


def test_defaults_and_unique_layer_names():
    d = base_dict()
    d["layers"].append({"material": "NiO", "thickness": 1e-8})  # second NiO -> "NiO_2"
    del d["temperature"], d["current_density"], d["name"]
    s = build(d)
    assert s.layer_names == ["SiO2", "Pt", "free", "NiO", "NiO_2"]
    assert s.temperature == 300.0 and s.current_density == 1e11
    assert s.name == "stack"  # file stem
    assert len(s.interfaces) == 4
    pt_free = s.interfaces[1]
    assert pt_free.spin_mixing_conductance == complex(5e14, 5e13)
    assert pt_free.spin_conductance == math.inf  # default: transparent longitudinal channel
    lib_g = default_library().interface_defaults["metal_antiferromagnetic_insulator"]["magnon_interface_conductance"]
    assert s.interfaces[3].magnon_interface_conductance == lib_g  # library default, no entry
    assert s.interfaces[3].specified == ()


def test_inline_material_and_kind():
    d = base_dict()
    d["layers"][2]["material"] = {"name": "MyFM", "kind": "ferromagnet", "resistivity": "40 uOhm*cm",
                                  "spin_diffusion_length": "3 nm", "saturation_magnetization": 1e6,
                                  "damping": 0.01, "spin_precession_length": "inf",
                                  "spin_dephasing_length": "1 nm", "spin_hall_angle": 0.02}
    s = build(d)
    m = s.layer("free").material
    assert m.name == "MyFM" and m.kind == "ferromagnet"
    assert m.resistivity == pytest.approx(4e-7, rel=1e-12, abs=0)
    assert m.spin_precession_length == math.inf
    assert m.spin_hall_angle == 0.02


def test_inline_material_needs_kind():
    d = base_dict()
    d["layers"][2]["material"] = {"resistivity": 1e-7}
    with pytest.raises(ConfigError) as ei:
        build(d)
    assert_config_error(ei, "layers[2].material.kind")


def test_aliases_case_insensitive():
    d = base_dict()
    d["layers"][2]["material"] = "permalloy"
    d["layers"][1]["material"] = "PT"
    d["interfaces"][0]["between"] = ["PT", "free"]
    s = build(d)
    assert s.layer("free").material.name == "Py"
    assert s.layer_names[1] == "PT"  # default layer name is the material as written


def test_user_library_file():
    s = Stack.from_toml(EXAMPLES / "my_py_nio.toml")
    free = s.layer("free").material
    assert free.name == "MyPy"
    assert free.saturation_magnetization == pytest.approx(7.2e5)
    assert free.resistivity == pytest.approx(3.8e-7, rel=1e-12, abs=0)
    nio = s.layer("NiO").material
    assert nio.neel_temperature == pytest.approx(450.0)     # overridden by the user file
    assert nio.magnon_diffusion_length == pytest.approx(1e-8, rel=1e-12, abs=0)  # kept from the built-in NiO
    assert s.interfaces[1].magnon_interface_conductance == 3e14  # user interface default
    lib = load_library(EXAMPLES / "my_materials.toml")
    assert lib.lookup("py-lab", source="x", key="k").name == "MyPy"
    assert "user" not in default_library().materials.get("NiO").references.get("neel_temperature", "")
    assert default_library().materials["NiO"].neel_temperature == 523.0  # built-in untouched


def test_library_relative_to_stack_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "lib.toml").write_text('[Foo]\nkind = "normal_metal"\nresistivity = 1e-7\n'
                                               'spin_diffusion_length = 1e-9\nspin_hall_angle = 0.1\n')
    p = tmp_path / "sub" / "s.toml"
    p.write_text('library = "lib.toml"\n[[layers]]\nmaterial = "Foo"\nthickness = "5 nm"\n'
                 '[[layers]]\nname = "free"\nmaterial = "Py"\nthickness = "2 nm"\n')
    s = Stack.from_toml(p)
    assert s.layer("Foo").material.spin_hall_angle == 0.1


def test_library_file_errors(tmp_path):
    bad = tmp_path / "badlib.toml"
    bad.write_text('[Foo]\nkind = "normal_metal"\nresistivity = -1\nspin_diffusion_length = 1e-9\n')
    with pytest.raises(ConfigError) as ei:
        load_library(bad)
    assert_config_error(ei, "Foo.resistivity", source=str(bad))
    bad2 = tmp_path / "badlib2.toml"
    bad2.write_text("[interface_defaults]\nmetal_ferromagnet = 3\n")
    with pytest.raises(ConfigError) as ei:
        load_library(bad2)
    assert_config_error(ei, "interface_defaults.metal_ferromagnet", source=str(bad2))
    bad3 = tmp_path / "badlib3.toml"
    bad3.write_text("[interface_defaults.metal_ferromagnet]\nspin_mixing = 3\n")
    with pytest.raises(ConfigError) as ei:
        load_library(bad3)
    assert_config_error(ei, "interface_defaults.metal_ferromagnet.spin_mixing", source=str(bad3))


# ============================================================================ units


@pytest.mark.parametrize("text, dim, expected", [
    ("5 nm", "length", 5e-9),
    ("5nm", "length", 5e-9),
    ("0.5 um", "length", 5e-7),
    ("10 angstrom", "length", 1e-9),
    ("1e11 A/m^2", "current_density", 1e11),
    ("1e11 A/m**2", "current_density", 1e11),
    ("1e7 A/cm^2", "current_density", 1e11),
    ("30 uOhm*cm", "resistivity", 3e-7),
    ("30 uOhm cm", "resistivity", 3e-7),
    ("300 K", "temperature", 300.0),
    ("25 degC", "temperature", 298.15),
    ("5e14 S/m^2", "interface_conductance", 5e14),
    ("5e14 1/(ohm*m^2)", "interface_conductance", 5e14),
    ("8e5 A/m", "magnetization", 8e5),
    ("1 ns", "time", 1e-9),
    ("0.05", "dimensionless", 0.05),
    ("5 %", "dimensionless", 0.05),
    ("inf", "length", math.inf),
])
def test_unit_strings(text, dim, expected):
    got = to_si(text, dim, source="f", key="k", allow_inf=True)
    assert got == pytest.approx(expected, rel=1e-12, abs=0)


def test_five_nm_exact():
    assert to_si("5 nm", "length") == 5e-9


@pytest.mark.parametrize("text, expected_tesla", [("10 mT", 0.01), ("1 T", 1.0), ("100 Oe", 0.01)])
def test_field_strings(text, expected_tesla):
    h = to_si(text, "field")  # A/m
    # 1 Oe = 1000/(4 pi) A/m exactly, while CODATA mu0 differs from 4 pi 1e-7 by ~1e-10
    assert h * MU0 == pytest.approx(expected_tesla, rel=1e-9, abs=0)
    assert to_si("1000 A/m", "field") == pytest.approx(1000.0)


def test_plain_numbers_are_si():
    assert to_si(5e-9, "length") == 5e-9
    assert to_si(3, "temperature") == 3.0
    arr = to_si(np.array([1.0, 2.0]), "length")
    assert np.array_equal(arr, [1.0, 2.0])


@pytest.mark.parametrize("value, dim, fragment", [
    ("5 K", "length", "wrong dimension"),
    ("10 mT", "temperature", "wrong dimension"),
    ("5 nm", "dimensionless", "dimensionless"),
    ("5 furlongs per fortnight squiggle", "length", "cannot parse"),
    ("5 nm / 0", "length", "cannot parse"),
    ("(5", "length", "cannot parse"),
    ("", "length", "cannot parse"),
    ("1 kg", "field", "not a magnetic field"),
    ("nan", "length", "NaN"),
    ("inf", "length", "finite"),
    (float("nan"), "length", "NaN"),
    (float("inf"), "length", "finite"),
    (10 ** 400, "length", "finite"),
    (True, "length", "expected a number"),
    ([1, 2], "length", "expected a number"),
    (None, "length", "expected a number"),
    (np.array([1.0, np.nan]), "length", "NaN"),
    (np.array([1.0, np.inf]), "length", "finite"),
])
def test_unit_errors(value, dim, fragment):
    with pytest.raises(ConfigError) as ei:
        to_si(value, dim, source="f.toml", key="layers[0].thickness")
    assert_config_error(ei, "layers[0].thickness", source="f.toml")
    assert fragment in str(ei.value)


def test_parse_duration():
    assert parse_duration("10 years") == pytest.approx(10 * 365.25 * 86400)
    assert parse_duration("5 ns") == pytest.approx(5e-9, rel=1e-12, abs=0)
    assert parse_duration(2.0) == 2.0


# ============================================================================ validation rules


def _set(path: list, value):
    def mod(d):
        t = d
        for p in path[:-1]:
            t = t[p]
        t[path[-1]] = value
    return mod


def _delete(path: list):
    def mod(d):
        t = d
        for p in path[:-1]:
            t = t[p]
        del t[path[-1]]
    return mod


RULES = [
    # (id, mutation, key named in the message)
    ("unknown top-level key", _set(["colour"], "red"), "colour"),
    ("unknown layer key", _set(["layers", 2, "thicknes"], "5 nm"), "layers[2].thicknes"),
    ("unknown interface key", _set(["interfaces", 0, "g_mix"], 1e14), "interfaces[0].g_mix"),
    ("thickness wrong type", _set(["layers", 2, "thickness"], True), "layers[2].thickness"),
    ("thickness list", _set(["layers", 2, "thickness"], [1, 2]), "layers[2].thickness"),
    ("thickness wrong dimension", _set(["layers", 2, "thickness"], "5 K"), "layers[2].thickness"),
    ("thickness zero", _set(["layers", 2, "thickness"], 0), "layers[2].thickness"),
    ("thickness negative", _set(["layers", 1, "thickness"], "-4 nm"), "layers[1].thickness"),
    ("thickness NaN", _set(["layers", 2, "thickness"], float("nan")), "layers[2].thickness"),
    ("thickness inf", _set(["layers", 2, "thickness"], float("inf")), "layers[2].thickness"),
    ("thickness missing", _delete(["layers", 2, "thickness"]), "layers[2].thickness"),
    ("resistivity zero", _set(["layers", 1, "resistivity"], 0.0), "layers[1].resistivity"),
    ("resistivity negative", _set(["layers", 2, "resistivity"], "-30 uOhm*cm"), "layers[2].resistivity"),
    ("resistivity NaN", _set(["layers", 2, "resistivity"], "nan"), "layers[2].resistivity"),
    ("resistivity wrong dimension", _set(["layers", 2, "resistivity"], "30 uOhm"), "layers[2].resistivity"),
    ("resistivity of an insulator", _set(["layers", 0, "resistivity"], 1.0), "layers[0].resistivity"),
    ("spin Hall angle inf", _set(["layers", 1, "spin_hall_angle"], float("inf")), "layers[1].spin_hall_angle"),
    ("spin Hall angle with a unit", _set(["layers", 1, "spin_hall_angle"], "0.1 nm"), "layers[1].spin_hall_angle"),
    ("damping negative", _set(["layers", 2, "damping"], -0.01), "layers[2].damping"),
    ("Ms zero", _set(["layers", 2, "saturation_magnetization"], 0), "layers[2].saturation_magnetization"),
    ("Neel temperature NaN", _set(["layers", 3, "neel_temperature"], float("nan")), "layers[3].neel_temperature"),
    ("magnon length negative", _set(["layers", 3, "magnon_diffusion_length"], -1e-9), "layers[3].magnon_diffusion_length"),
    ("FM key on a normal metal", _set(["layers", 1, "damping"], 0.01), "layers[1].damping"),
    ("unknown kind", _set(["layers", 2, "kind"], "superconductor"), "layers[2].kind"),
    ("unknown material", _set(["layers", 2, "material"], "Unobtainium"), "layers[2].material"),
    ("material wrong type", _set(["layers", 2, "material"], 42), "layers[2].material"),
    ("no ferromagnet", _set(["layers", 2, "material"], "Cu"), "layers"),
    ("layers empty", _set(["layers"], []), "layers"),
    ("layers missing", _delete(["layers"]), "layers"),
    ("layer not a table", _set(["layers", 0], "SiO2"), "layers[0]"),
    ("duplicate layer name", _set(["layers", 1, "name"], "free"), "layers[2].name"),
    ("layer name with a dot", _set(["layers", 2, "name"], "a.b"), "layers[2].name"),
    ("non-adjacent interface", _set(["interfaces", 0, "between"], ["Pt", "NiO"]), "interfaces[0].between"),
    ("interface with itself", _set(["interfaces", 0, "between"], ["Pt", "Pt"]), "interfaces[0].between"),
    ("interface unknown layer", _set(["interfaces", 1, "between"], ["free", "CoO"]), "interfaces[1].between"),
    ("interface between malformed", _set(["interfaces", 1, "between"], "free/NiO"), "interfaces[1].between"),
    ("interface described twice", _set(["interfaces", 1, "between"], ["free", "Pt"]), "interfaces[1].between"),
    ("interface between missing", _delete(["interfaces", 1, "between"]), "interfaces[1].between"),
    ("mixing conductance on metal/AFI", _set(["interfaces", 1, "spin_mixing_conductance"], [1e14, 0]),
     "interfaces[1].spin_mixing_conductance"),
    ("magnon conductance on metal/FM", _set(["interfaces", 0, "magnon_interface_conductance"], 1e14),
     "interfaces[0].magnon_interface_conductance"),
    ("mixing conductance three numbers", _set(["interfaces", 0, "spin_mixing_conductance"], [1, 2, 3]),
     "interfaces[0].spin_mixing_conductance"),
    ("mixing conductance negative", _set(["interfaces", 0, "spin_mixing_conductance"], [-1e14, 0]),
     "interfaces[0].spin_mixing_conductance"),
    ("magnon conductance wrong dimension", _set(["interfaces", 1, "magnon_interface_conductance"], "5 nm"),
     "interfaces[1].magnon_interface_conductance"),
    ("magnon conductance NaN", _set(["interfaces", 1, "magnon_interface_conductance"], float("nan")),
     "interfaces[1].magnon_interface_conductance"),
    ("interfaces not a list", _set(["interfaces"], {"between": ["Pt", "free"]}), "interfaces"),
    ("temperature zero", _set(["temperature"], 0), "temperature"),
    ("temperature wrong dimension", _set(["temperature"], "300 m"), "temperature"),
    ("temperature NaN", _set(["temperature"], "nan"), "temperature"),
    ("current density wrong dimension", _set(["current_density"], "1e11 A"), "current_density"),
    ("current density inf", _set(["current_density"], float("inf")), "current_density"),
    ("name not a string", _set(["name"], 3), "name"),
    ("library missing", _set(["library"], "no_such_library.toml"), "library"),
    ("library wrong type", _set(["library"], 1), "library"),
    ("magnetization direction zero", _set(["magnetization_direction"], [0, 0, 0]), "magnetization_direction"),
    ("magnetization direction length", _set(["magnetization_direction"], [0, 1]), "magnetization_direction"),
    ("reference temperature negative", _set(["reference_temperature"], -1), "reference_temperature"),
]


@pytest.mark.parametrize("mutate, key", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rule_raises_config_error(mutate, key):
    d = base_dict()
    mutate(d)
    with pytest.raises(ConfigError) as ei:
        build(d)
    assert_config_error(ei, key)


def test_rules_through_a_file(tmp_path):
    """The same errors via TOML files name the file path."""
    p = tmp_path / "bad.toml"
    p.write_text(PY_NIO.replace('thickness = "10 nm"', 'thickness = "-10 nm"'))
    with pytest.raises(ConfigError) as ei:
        Stack.from_toml(p)
    assert_config_error(ei, "layers[2].thickness", source=str(p))
    p.write_text(PY_NIO + "\nfoo = 1\n")
    with pytest.raises(ConfigError) as ei:
        Stack.from_toml(p)
    assert_config_error(ei, "foo", source=str(p))


def test_bad_toml(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text('name = "x\n[[layers]\n')
    with pytest.raises(ConfigError) as ei:
        Stack.from_toml(p)
    assert_config_error(ei, None, source=str(p))
    assert "TOML" in str(ei.value)


def test_binary_file(tmp_path):
    p = tmp_path / "binary.toml"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError) as ei:
        read_toml(p)
    assert_config_error(ei, None, source=str(p))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ConfigError) as ei:
        Stack.from_toml(tmp_path / "nope.toml")
    assert_config_error(ei, None, source=str(tmp_path / "nope.toml"))
    assert "not found" in str(ei.value)
    with pytest.raises(ConfigError) as ei:
        Stack.from_toml(tmp_path)
    assert_config_error(ei, None, source=str(tmp_path))


# ============================================================================ overrides


def test_override_layer_key(py_nio_file):
    s = Stack.from_toml(py_nio_file, overrides={"free.thickness": "3 nm", "NiO.thickness": 2e-8,
                                                "free.spin_hall_angle": 0.1, "temperature": "350 K"})
    assert s.layer("free").thickness == pytest.approx(3e-9, rel=1e-12, abs=0)
    assert s.layer("NiO").thickness == 2e-8
    assert s.layer("free").material.spin_hall_angle == 0.1
    assert s.temperature == 350.0
    # the file is unchanged on disk and in a fresh load
    assert Stack.from_toml(py_nio_file).layer("free").thickness == 5e-9


def test_override_interface_key(py_nio_file):
    s = Stack.from_toml(py_nio_file, overrides={"interfaces.0.magnon_interface_conductance": "1e14 S/m^2"})
    assert s.interfaces[1].magnon_interface_conductance == pytest.approx(1e14)


def test_override_mixing_conductance_keeps_imaginary_part():
    s = build(base_dict(), overrides={"interfaces.0.spin_mixing_conductance": 2e14})
    assert s.interfaces[1].spin_mixing_conductance == complex(2e14, 5e13)
    s = build(base_dict(), overrides={"interfaces.0.spin_mixing_conductance": [1e14, -1e13]})
    assert s.interfaces[1].spin_mixing_conductance == complex(1e14, -1e13)


def test_override_material_swap():
    s = build(base_dict(), overrides={"free.material": "CoFeB"})
    assert s.layer("free").material.name == "CoFeB"


def test_vectorized_overrides():
    s = build(base_dict(), overrides={"free.thickness": np.linspace(1e-9, 5e-9, 7)})
    assert s.shape == (7,)
    a, b = np.meshgrid(np.linspace(1e-9, 5e-9, 3), np.linspace(5e-9, 2e-8, 4), indexing="ij")
    s2 = s.with_values({"free.thickness": a, "NiO.thickness": b})
    assert s2.shape == (3, 4)
    assert np.array_equal(s2.layer("NiO").thickness, b)
    s3 = build(base_dict(), overrides={"interfaces.1.magnon_interface_conductance": np.geomspace(1e12, 1e16, 5)})
    assert s3.shape == (5,)


@pytest.mark.parametrize("overrides, key", [
    ({"free.thickness": -1.0}, "layers[2].thickness"),
    ({"free.thickness": "5 K"}, "layers[2].thickness"),
    ({"free.thickness": np.array([1e-9, 0.0])}, "layers[2].thickness"),
    ({"free.thickness": np.array([1e-9, np.nan])}, "layers[2].thickness"),
    ({"interfaces.1.magnon_interface_conductance": -1.0}, "interfaces[1].magnon_interface_conductance"),
])
def test_override_value_errors(overrides, key):
    with pytest.raises(ConfigError) as ei:
        build(base_dict(), overrides=overrides)
    assert_config_error(ei, key)


@pytest.mark.parametrize("key", ["nolayer.thickness", "free.foo", "free.name", "interfaces.7.spin_conductance",
                                 "interfaces.x.spin_conductance", "interfaces.0.bogus", "interfaces.0",
                                 "a.b.c"])
def test_override_key_errors(key):
    with pytest.raises(ConfigError) as ei:
        build(base_dict(), overrides={key: 1.0})
    assert_config_error(ei, key, source="<command line>")


def test_unknown_top_level_override():
    with pytest.raises(ConfigError) as ei:
        build(base_dict(), overrides={"colour": 1.0})
    assert_config_error(ei, "colour")


def test_arrays_that_do_not_broadcast():
    with pytest.raises(ConfigError) as ei:
        build(base_dict(), overrides={"free.thickness": np.array([1e-9, 2e-9]),
                                      "NiO.thickness": np.array([1e-9, 2e-9, 3e-9])})
    assert_config_error(ei, None)
    assert "broadcast" in str(ei.value)


# ============================================================================ command-line parsing


@pytest.mark.parametrize("text, expected", [
    ("0.05", 0.05), ("5", 5), ("1e11", 1e11), ("inf", math.inf), ("5 nm", "5 nm"),
    ('"5 nm"', "5 nm"), ("[6e14, 6e13]", [6e14, 6e13]), ("1e11 A/m^2", "1e11 A/m^2"), ("Py", "Py"),
])
def test_parse_scalar_text(text, expected):
    assert parse_scalar_text(text) == expected


def test_parse_set():
    assert parse_set("free.thickness=5 nm") == ("free.thickness", "5 nm")
    assert parse_set("interfaces.0.spin_mixing_conductance=[1e14, 2e13]") == (
        "interfaces.0.spin_mixing_conductance", [1e14, 2e13])
    for bad in ("free.thickness", "=5"):
        with pytest.raises(ConfigError):
            parse_set(bad)


def test_parse_vary():
    ax = parse_vary_item("free.thickness=1 nm:10 nm:10")
    assert ax.key == "free.thickness" and ax.unit == "nm"
    assert np.allclose(ax.display, np.arange(1, 11), rtol=1e-12, atol=0)
    assert np.allclose(ax.values, np.arange(1, 11) * 1e-9, rtol=1e-12, atol=0)
    ax = parse_vary_item("interfaces.0.magnon_interface_conductance=1e12:1e16:5:log")
    assert ax.log and np.allclose(ax.values, [1e12, 1e13, 1e14, 1e15, 1e16], rtol=1e-12, atol=0)
    ax = parse_vary_item("free.thickness=1 nm:0.01 um:4")  # STOP converted to START's unit
    assert ax.unit == "nm" and np.allclose(ax.display, [1, 4, 7, 10], rtol=1e-12, atol=0)


@pytest.mark.parametrize("item", ["free.thickness", "free.thickness=1:2", "free.thickness=1:2:x",
                                  "free.thickness=1:2:0", "free.thickness=1:2:3:cubic",
                                  "free.thickness=0:1:3:log", "free.thickness=1 nm:2:3",
                                  "free.thickness=a:b:3", "free.thickness=1:inf:3",
                                  "free.thickness=1 nm:2 K:3", "free.thickness=5j nm:1 nm:3",
                                  "pulse.width=1 A:2 A:2", "pulse.current_density=1 ns:2 ns:2",
                                  "free.material=1:2:3"])
def test_parse_vary_errors(item):
    with pytest.raises(ConfigError) as ei:
        parse_vary_item(item)
    assert str(ei.value).startswith("<command line>")


# ============================================================================ property tests

MATERIALS = {"ferromagnet": ["Py", "CoFeB", "Co", "Fe"], "normal_metal": ["Pt", "W", "Ta", "Cu"],
             "antiferromagnetic_insulator": ["NiO", "CoO"], "insulator": ["SiO2", "MgO", "AlOx"]}
ALL_MATERIALS = [m for ms in MATERIALS.values() for m in ms]

lengths = st.one_of(st.floats(1e-10, 1e-7),
                    st.sampled_from(["1 nm", "2.5 nm", "10 nm", "0.3 nm", "20 angstrom", "0.01 um"]))


@st.composite
def valid_stacks(draw):
    n = draw(st.integers(1, 6))
    mats = draw(st.lists(st.sampled_from(ALL_MATERIALS), min_size=n, max_size=n))
    if not any(m in MATERIALS["ferromagnet"] for m in mats):
        mats[draw(st.integers(0, n - 1))] = draw(st.sampled_from(MATERIALS["ferromagnet"]))
    layers = [{"material": m, "thickness": draw(lengths)} for m in mats]
    for lt in layers:
        if lt["material"] in MATERIALS["ferromagnet"] + MATERIALS["normal_metal"]:
            if draw(st.booleans()):
                lt["spin_hall_angle"] = draw(st.floats(-0.5, 0.5))
            if draw(st.booleans()):
                lt["resistivity"] = draw(st.sampled_from([1e-7, "30 uOhm*cm", 2.5e-6]))
    d = {"layers": layers}
    if draw(st.booleans()):
        d["temperature"] = draw(st.one_of(st.floats(1.0, 1000.0), st.just("300 K"), st.just("77 K")))
    if draw(st.booleans()):
        d["current_density"] = draw(st.one_of(st.floats(-1e12, 1e12), st.just("1e11 A/m^2")))
    return d


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_stacks())
def test_random_valid_stacks_load(d):
    s = build(d)
    assert len(s.interfaces) == len(s.layers) - 1
    assert len(set(s.layer_names)) == len(s.layers)
    assert all(float(l.thickness) > 0 and math.isfinite(float(l.thickness)) for l in s.layers)
    assert s.magnets
    for itf in s.interfaces:
        if "insulator" in itf.kinds:
            assert itf.is_reflecting
        if set(itf.kinds) == {"ferromagnet", "normal_metal"}:
            assert itf.spin_mixing_conductance is not None
        if "antiferromagnetic_insulator" in itf.kinds and "insulator" not in itf.kinds:
            assert itf.magnon_interface_conductance is not None


NUMERIC_LAYER_KEYS = sorted(set(MATERIAL_KEYS) | {"thickness"})
bad_numbers = st.one_of(st.just(float("nan")), st.just(float("-inf")), st.floats(-1e3, 0.0),
                        st.just(0), st.just("-5 nm"), st.just("0 nm"), st.just("nan"),
                        st.just(10 ** 400), st.just("5 nm / 0"))
wrong_types = st.one_of(st.booleans(), st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.none())
wrong_units = st.sampled_from(["5 K", "3 mT", "1e11 A/m^2", "2 s", "4 kg", "7 V"])
garbage_text = st.text(max_size=12)
junk_values = st.one_of(bad_numbers, wrong_types, wrong_units, garbage_text,
                        st.floats(allow_nan=True, allow_infinity=True), st.integers())


@st.composite
def invalid_stacks(draw):
    """A valid stack broken by one mutation that always breaks a rule; returns (dict, key)."""
    d = draw(valid_stacks())
    layers = d["layers"]
    i = draw(st.integers(0, len(layers) - 1))
    kind = next(k for k, ms in MATERIALS.items() if layers[i]["material"] in ms)
    choice = draw(st.sampled_from(["unknown_top", "unknown_layer_key", "bad_thickness", "wrong_type",
                                   "wrong_unit", "unknown_material", "no_magnet", "non_adjacent",
                                   "bad_resistivity", "bad_interface_value"]))
    if choice == "unknown_top":
        k = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10))
        assume(k not in STACK_KEYS)
        d[k] = draw(junk_values)
        return d, k
    if choice == "unknown_layer_key":
        k = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10))
        assume(k not in LAYER_KEYS)
        layers[i][k] = 1.0
        return d, f"layers[{i}].{k}"
    if choice == "bad_thickness":
        layers[i]["thickness"] = draw(bad_numbers)
        return d, f"layers[{i}].thickness"
    if choice == "wrong_type":
        k = draw(st.sampled_from(NUMERIC_LAYER_KEYS))
        layers[i][k] = draw(wrong_types)
        return d, f"layers[{i}]"
    if choice == "wrong_unit":
        layers[i]["thickness"] = draw(wrong_units)
        return d, f"layers[{i}].thickness"
    if choice == "unknown_material":
        name = draw(st.text(min_size=1, max_size=10))
        assume(name.lower() not in default_library().aliases)
        layers[i]["material"] = name
        return d, f"layers[{i}].material"
    if choice == "no_magnet":
        for lt in layers:
            if lt["material"] in MATERIALS["ferromagnet"]:
                lt["material"] = draw(st.sampled_from(MATERIALS["insulator"] + MATERIALS["antiferromagnetic_insulator"]))
                lt.pop("spin_hall_angle", None)
                lt.pop("resistivity", None)
        for lt in layers:  # metals keep their keys; insulators lose metal keys already
            if lt["material"] not in MATERIALS["normal_metal"]:
                lt.pop("spin_hall_angle", None)
                lt.pop("resistivity", None)
        return d, "layers"
    if choice == "non_adjacent":
        layers.append({"material": "SiO2", "thickness": 1e-9})
        layers.append({"name": "top", "material": "SiO2", "thickness": 1e-9})
        layers[0]["name"] = "bottom"
        d["interfaces"] = [{"between": ["bottom", "top"]}]
        return d, "interfaces[0].between"
    if choice == "bad_resistivity":
        assume(kind in ("ferromagnet", "normal_metal"))
        layers[i]["resistivity"] = draw(st.one_of(bad_numbers, st.just("30 uOhm"), st.just(-3e-7)))
        return d, f"layers[{i}].resistivity"
    # bad_interface_value: a metal/AFI pair gets a bad magnon conductance
    layers[:] = [{"name": "free", "material": "Py", "thickness": 2e-9},
                 {"name": "afi", "material": "NiO", "thickness": 1e-8}]
    d["interfaces"] = [{"between": ["free", "afi"],
                        "magnon_interface_conductance": draw(st.one_of(st.floats(max_value=-1e-3), st.just("nan"),
                                                                       wrong_units, wrong_types))}]
    return d, "interfaces[0].magnon_interface_conductance"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(invalid_stacks())
def test_random_invalid_stacks_give_config_error(case):
    d, key = case
    with pytest.raises(ConfigError) as ei:
        build(copy.deepcopy(d))
    assert_config_error(ei, key)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_stacks(), st.sampled_from(NUMERIC_LAYER_KEYS + ["kind", "material", "name"]),
       junk_values, st.data())
def test_random_values_never_crash(d, key, value, data):
    """Any value anywhere: either a valid stack or a ConfigError, never another exception."""
    i = data.draw(st.integers(0, len(d["layers"]) - 1))
    d["layers"][i][key] = value
    try:
        s = build(d)
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(SRC)
        return
    for l in s.layers:
        assert float(l.thickness) > 0


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(junk_values, st.lists(st.dictionaries(
    st.sampled_from(["material", "thickness", "name", "between", "kind"]), junk_values), max_size=3)),
    max_size=4))
def test_random_documents_never_crash(doc):
    try:
        build(doc)
    except ConfigError as exc:  # (keys may contain newlines: the CLI folds them to one line)
        assert str(exc).startswith(SRC)
