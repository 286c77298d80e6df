"""Every numeric column of the report states its unit (issue 9 item 6).

The column definitions of every demo section (torque, switching, energy) go into a report with
numeric rows, and the parsed HTML tables are checked (tests/report_units.py); the check itself
must fail on a column without a unit. The parameter table gives each value with its unit and no
local absolute path. The demo's own report (torque section) is checked in
tests/test_devices_report.py, also as rendered by headless Chromium.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from report_units import header_unit, tables, unit_problems

from spinloss import report
from spinloss.cells.design import FAST
from spinloss.studies import energy as energy_study
from spinloss.studies import switching as switching_study
from spinloss.studies import torque as torque_study


def _numeric_rows(columns: dict, n=3):
    rows = []
    for i in range(n):
        rows.append({k: (f"name {i}" if k in ("name", "stack", "device", "role", "reference_layer",
                                              "reference_material", "reason")
                         else True if k == "meets_targets" else 1.5e-12 * (i + 1)) for k in columns})
    return rows


def _report(tmp_path, sections, parameters=None):
    p = report.write_report(tmp_path / "r.html", title="t", sections=sections, parameters=parameters)
    return p.read_text()


def test_every_numeric_column_of_every_section_states_its_unit(tmp_path):
    secs = [{"title": "torque", "table": _numeric_rows(torque_study.TORQUE_COLUMNS),
             "columns": torque_study.TORQUE_COLUMNS},
            {"title": "switching", "table": _numeric_rows(switching_study.SWITCHING_COLUMNS),
             "columns": switching_study.SWITCHING_COLUMNS, "scale": switching_study.SWITCHING_SCALE},
            {"title": "energy", "table": _numeric_rows(energy_study.energy_columns("Pt/CoFeB")),
             "columns": energy_study.energy_columns("Pt/CoFeB"), "scale": energy_study.ENERGY_SCALE}]
    text = _report(tmp_path, secs)
    tabs = tables(text)
    assert len(tabs) == 3
    # the check sees the numeric columns (all but the text ones)
    assert sum(1 for h in tabs[2]["headers"] if header_unit(h)) >= 10
    assert unit_problems(text) == []


def test_switching_energy_column_is_in_the_unit_it_states(tmp_path):
    """The switching table stores J; its header says fJ and the report shows fJ (issue 9: it showed
    joules under "fJ")."""
    rows = [{"device": "Pt/Py", "energy_at_j50": 2.5e-13, "energy_ratio_to_pt_py": 1.0}]
    res = {"title": "switching", "table": rows, "columns": switching_study.SWITCHING_COLUMNS,
           "scale": switching_study.SWITCHING_SCALE, "files": {}}
    sec = report.write_demo_report(tmp_path, {"switching": res}).read_text()
    t = tables(sec)[0]
    j = t["headers"].index(switching_study.SWITCHING_COLUMNS["energy_at_j50"])
    assert header_unit(t["headers"][j]) == "fJ"
    assert float(t["rows"][0][j]) == pytest.approx(250.0, rel=1e-12, abs=0)


def test_the_check_fails_on_a_column_without_a_unit(tmp_path):
    for header in ("E", "WER (re-checked)", "Delta", "E at J_50 (5)"):
        text = _report(tmp_path, [{"title": "bad", "table": [{"name": "a", "e": 1.0}, {"name": "b", "e": None}],
                                   "columns": {"name": "design", "e": header}}])
        assert unit_problems(text) == [f"table 0: {header!r}"], header
    # text columns need no unit; a fully empty column is not numeric
    text = _report(tmp_path, [{"title": "ok", "table": [{"name": "a", "e": None}], "columns": {"name": "design",
                                                                                              "e": "E"}}])
    assert unit_problems(text) == []
    # a parameter row without a unit is caught
    text = _report(tmp_path, [], parameters=[{"parameter": "x", "value": 2.0, "unit": "", "source": "s"}])
    assert unit_problems(text) and "row 'x'" in unit_problems(text)[0]


def _comparison(tmp_path):
    src = str(tmp_path / "examples" / "stt_mtj_cell.toml")
    torque = {"damping_like_efficiency": 0.6, "reference_layer": "MgO", "source": f"{src} [torques]"}
    results = [SimpleNamespace(name="STT-MTJ", torque=torque),
               SimpleNamespace(name="Pt/CoFeB", torque={"damping_like_efficiency": 0.06, "reference_layer": "Pt",
                                                        "source": "transport model"})]
    rows = [{"name": "STT-MTJ", "meets_targets": True, "reason": None, "energy_per_bit": 5e-13,
             "channel_energy": 3e-13, "write_current": 5e-5, "pulse_width": 1e-8, "write_latency": 1.2e-8,
             "cell_area": 2e-15, "write_error_rate": 8e-5, "thermal_stability": 40.29, "ratio_to_reference": 0.1,
             "advantage": 10.0, "damping_like_efficiency": 0.6, "reference_layer": "MgO", "effective_damping": 0.01},
            {"name": "Py/SiO2 no sink", "meets_targets": False, "reason": "no torque", "energy_per_bit": None}]
    return SimpleNamespace(results=results, rows=rows, reference="Pt/CoFeB", settings=FAST,
                           targets={"thermal_stability": 40.29, "retention_time": 3.15e8, "temperature": 358.0,
                                    "write_error_rate": 1e-4})


def test_energy_report_sections_and_parameters(tmp_path):
    (tmp_path / "examples").mkdir()
    result = _comparison(tmp_path)
    params = energy_study.parameter_rows(result, base=tmp_path / "examples")
    assert all(r["unit"] for r in params)
    sc = {"designs": {}, "not_scaled": {"Py/SiO2 no sink": "no torque"}, "targets": result.targets}
    secs = energy_study.report_sections(result, [], sc, ["a reading"], {"bars": tmp_path / "none.png"},
                                        energy_study.energy_columns("Pt/CoFeB"), energy_study.ENERGY_SCALE, True)
    text = _report(tmp_path, secs, params)
    assert unit_problems(text) == []
    # no local absolute path anywhere in the report, the file named instead
    assert str(tmp_path) not in text
    assert "stt_mtj_cell.toml [torques]" in text
    assert not re.search(r"(?<![\w)])/(?:[\w.+-]+/)+[\w.+-]+\.toml", text)
    # the scaling section names the designs it did not scale, with the reason
    assert "Py/SiO2 no sink: not scaled" in text
    # energy in fJ under "E supply (fJ)"
    t = tables(text)[0]
    j = t["headers"].index("E supply (fJ)")
    assert float(t["rows"][0][j]) == pytest.approx(500.0, rel=1e-12, abs=0)


def test_relative_paths():
    assert report.relative_paths("/a/b/examples/x.toml [torques]", "/a/b") == "examples/x.toml [torques]"
    assert report.relative_paths("read /elsewhere/y.toml", "/a/b") == "read y.toml"
    assert report.relative_paths("1e11 A/m^2, 1/(Ohm m), J/m^3") == "1e11 A/m^2, 1/(Ohm m), J/m^3"
