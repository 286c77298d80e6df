"""The normal-metal/ferromagnet interface (docs/transport.md, "Normal-metal/ferromagnet interface")
and the sign of the exchange precession (docs/transport.md, "Precession of the transverse spin").

Tolerances: the closed forms below are exact solutions of the boundary-value problem the solver
discretizes without approximation (hyperbolic functions in double precision, a small
well-conditioned linear solve), so the relative error is ~1e-15; 1e-9 is asserted, as for the
closed forms of docs/physics.md section 3.
"""

import math

import numpy as np
import pytest

from spinloss.errors import ConfigError
from spinloss.materials import default_library
from spinloss.stack import Stack
from spinloss.transport import torques


def transmitted_closed_form(*, theta, lam_n, rho_n, d_n, gmix, gt, rho_f, d_f, lsf, lphi, lj):
    """Torque per current density in the metal of metal(d_n)/magnet(d_f) with reflecting outer
    surfaces, the metal's spin Hall source only, and the three-terminal interface law
    Q_N = G_mix psi_N - G_t psi_F, Q_F = G_t (psi_N - psi_F) (derived in docs/transport.md):

    the magnet's transverse channel (k^2 = 1/lsf^2 + 1/lphi^2 + i/lj^2, reflecting far side) has the
    input conductance G_F = (sigma_F/2) k tanh(k d_f); the metal then sees the boundary conductance
    G_N = G_mix - G_t^2/(G_t + G_F) and closed form 3 gives Q_N; of Q_F = Q_N G_t G_F/((G_t + G_F) G_N)
    the magnet's spin flip takes Q_F (1/lsf^2)/k^2, the rest and Q_N - Q_F are torque."""
    k2 = 1 / lsf**2 + 1 / lphi**2 + 1j / lj**2
    k = np.sqrt(k2)
    g_f = (1 / (2 * rho_f)) * k * np.tanh(k * d_f)
    g_n = gmix - gt**2 / (gt + g_f)
    g = 2 * lam_n * g_n * rho_n
    q_n = theta * (1 - 1 / np.cosh(d_n / lam_n)) * g / (g + np.tanh(d_n / lam_n))
    q_f = q_n * gt * g_f / ((gt + g_f) * g_n)
    return q_n - q_f * (1 / lsf**2) / k2


def hm_fm_stack(*, gmix=(6e14, 0.0), gt=(3e14, 0.0), d_n=5e-9, d_f=2e-9, lsf=5e-9, lphi=1e-9, lj=1e-9,
                theta=0.387, lam_n=2.3e-9, rho_n=3.3e-7, rho_f=3e-7, magnet_on_top=True):
    hm = {"name": "hm", "material": "Pt", "thickness": d_n, "spin_hall_angle": theta,
          "spin_diffusion_length": lam_n, "resistivity": rho_n}
    fm = {"name": "free", "material": "Py", "thickness": d_f, "spin_hall_angle": 0.0, "resistivity": rho_f,
          "spin_diffusion_length": lsf, "spin_dephasing_length": lphi, "spin_precession_length": lj}
    layers = [hm, fm, {"material": "MgO", "thickness": 2e-9}]
    if not magnet_on_top:
        layers = layers[::-1]
    return Stack.from_dict({"layers": layers, "interfaces": [
        {"between": ["hm", "free"], "spin_mixing_conductance": list(gmix),
         "transmitted_mixing_conductance": list(gt)}]})


@pytest.mark.parametrize("gmix,gt,d_f,lsf,lphi,lj", [
    ((6e14, 0.0), (3e14, 0.0), 2e-9, 5e-9, 1e-9, 1e-9),
    ((6e14, 6e13), (6e14, 0.0), 0.8e-9, 5e-9, 1e-9, 1e-9),    # all of it transmitted, ultrathin magnet
    ((1e15, 0.0), (2e14, 5e13), 5e-9, 3e-9, 2e-9, 0.7e-9),
    ((4e14, 0.0), (4e14, 0.0), 1e-9, "inf", "inf", 1.5e-9),  # precession alone
])
def test_transmitted_mixing_conductance_closed_form(gmix, gt, d_f, lsf, lphi, lj):
    res = torques(hm_fm_stack(gmix=gmix, gt=gt, d_f=d_f, lsf=lsf, lphi=lphi, lj=lj))
    m = res.magnet("free")
    f = lambda v: math.inf if v == "inf" else v
    expect = transmitted_closed_form(theta=0.387, lam_n=2.3e-9, rho_n=3.3e-7, d_n=5e-9, gmix=complex(*gmix),
                                     gt=complex(*gt), rho_f=3e-7, d_f=d_f, lsf=f(lsf), lphi=f(lphi), lj=f(lj))
    assert m.reference_layer == "hm"
    assert float(m.xi_dl) == pytest.approx(expect.real, rel=1e-9, abs=0)
    assert float(m.xi_fl) == pytest.approx(expect.imag, rel=1e-9, abs=0)
    assert res.spin_balance["relative_residual"] < 1e-12
    # mirror image: the same stack upside down gives the opposite torque
    flipped = torques(hm_fm_stack(gmix=gmix, gt=gt, d_f=d_f, lsf=lsf, lphi=lphi, lj=lj, magnet_on_top=False))
    assert float(flipped.magnet("free").xi_dl) == pytest.approx(-expect.real, rel=1e-9, abs=0)


def test_zero_transmission_is_closed_form_3_for_any_magnet():
    # G_t = 0: the magnet's own transverse channel does not matter (no double counting of the
    # absorption that G_mix already describes)
    base = dict(gmix=(6e14, 6e13), gt=(0.0, 0.0))
    values = [torques(hm_fm_stack(**base, d_f=d, lphi=lp, lj=lj)).magnet("free")
              for d, lp, lj in ((0.5e-9, 1e-9, 1e-9), (3e-9, 0.3e-9, "inf"), (8e-9, "inf", 2e-9))]
    g = 2 * 2.3e-9 * complex(6e14, 6e13) * 3.3e-7
    f = 0.387 * (1 - 1 / math.cosh(5 / 2.3)) * g / (g + math.tanh(5 / 2.3))
    for m in values:
        assert float(m.xi_dl) == pytest.approx(f.real, rel=1e-12, abs=0)
        assert float(m.xi_fl) == pytest.approx(f.imag, rel=1e-12, abs=0)


def test_transmission_bounded_by_mixing_conductance_and_only_metal_ferromagnet():
    with pytest.raises(ConfigError, match="must not exceed"):
        hm_fm_stack(gmix=(3e14, 0.0), gt=(4e14, 0.0))
    with pytest.raises(ConfigError, match="normal-metal/ferromagnet"):
        Stack.from_dict({"layers": [{"name": "free", "material": "Py", "thickness": 3e-9},
                                    {"material": "NiO", "thickness": 5e-9}],
                         "interfaces": [{"between": ["free", "NiO"], "transmitted_mixing_conductance": 1e14}]})


def test_material_pair_default_applies_in_either_order_and_file_values_win():
    lib = default_library()
    pair = lib.interface_defaults["Pt/Py"]["spin_mixing_conductance"]
    kind = lib.interface_defaults["metal_ferromagnet"]["spin_mixing_conductance"]
    assert pair != kind
    up = Stack.from_dict({"layers": [{"material": "Pt", "thickness": 5e-9}, {"material": "Py", "thickness": 4e-9}]})
    down = Stack.from_dict({"layers": [{"material": "Py", "thickness": 4e-9}, {"material": "Pt", "thickness": 5e-9}]})
    for s in (up, down):
        assert s.interfaces[0].spin_mixing_conductance == complex(*pair)
        assert s.interfaces[0].transmitted_mixing_conductance == 0.0
    co = Stack.from_dict({"layers": [{"material": "Pt", "thickness": 5e-9}, {"material": "CoFeB", "thickness": 1e-9}]})
    assert co.interfaces[0].spin_mixing_conductance == complex(*kind)
    own = Stack.from_dict({"layers": [{"name": "a", "material": "Pt", "thickness": 5e-9},
                                      {"name": "b", "material": "Py", "thickness": 4e-9}],
                           "interfaces": [{"between": ["a", "b"], "spin_mixing_conductance": 7e14}]})
    assert own.interfaces[0].spin_mixing_conductance == complex(7e14, 0.0)


def test_user_library_material_pair_names_known_materials(tmp_path):
    from spinloss.materials import load_library

    bad = tmp_path / "lib.toml"
    bad.write_text('[interface_defaults."Pt/Unobtainium"]\nspin_mixing_conductance = 1e14\n')
    with pytest.raises(ConfigError, match="Unobtainium"):
        load_library(bad)
    bad.write_text('[interface_defaults."Pt/NiO"]\nspin_mixing_conductance = 1e14\n')
    with pytest.raises(ConfigError, match="spin_mixing_conductance"):
        load_library(bad)
    good = tmp_path / "lib2.toml"
    good.write_text('[interface_defaults."CoFeB/W"]\nspin_mixing_conductance = [5e14, 0.0]\n')
    s = Stack.from_dict({"layers": [{"material": "W", "thickness": 5e-9}, {"material": "CoFeB", "thickness": 1e-9}]},
                        library=load_library(good))
    assert s.interfaces[0].spin_mixing_conductance == complex(5e14, 0.0)


# ------------------------------------------------------------------ item 2: sign of the precession


@pytest.mark.parametrize("mdir", [(0.0, 0.0, 1.0), (1.0, 0.0, 0.0), (0.0, 0.0, -1.0)])
def test_injected_spin_rotates_about_m_in_the_positive_sense(mdir):
    """Spin +y injected into a magnet without dephasing or spin flip precesses about m as
    ds/dt = +omega m x s (s-d exchange, docs/transport.md): with depth it turns from e1 = y towards
    m x e1, by the angle z/(sqrt2 lambda_J) (psi ~ exp(-k z), k = exp(i pi/4)/lambda_J)."""
    lj, d_f = 1e-9, 20e-9
    stack = hm_fm_stack(gmix=(1e15, 0.0), gt=(1e15, 0.0), d_f=d_f, lsf="inf", lphi="inf", lj=lj)
    stack = stack.with_values({"magnetization_direction": list(mdir)})
    res = torques(stack, profiles=True, points_per_layer=801)
    p = res.profiles
    names = np.array(p["layer"])
    sel = names == "free"
    z = p["z"][sel] - p["z"][sel][0]
    u = p["spin_accumulation"][sel]
    m = np.array(mdir)
    e1 = np.array([0.0, 1.0, 0.0])
    towards = np.cross(m, e1)           # m x e1: where the positive rotation about m takes e1
    assert np.allclose(u @ m, 0.0, rtol=0, atol=1e-12 * np.abs(u).max())   # transverse only
    angle = np.unwrap(np.arctan2(u @ towards, u @ e1))
    angle = angle - angle[0]
    k = np.exp(1j * math.pi / 4) / lj
    exact = np.unwrap(np.angle(np.cosh(k * (d_f - z)) / np.cosh(k * d_f)))   # reflecting far side
    inner = z < 10e-9
    assert np.all(np.diff(angle[inner]) > 0)                     # turns towards m x e1
    assert np.max(np.abs(-exact[inner] - angle[inner])) < 1e-9   # the exact profile (rad)
    # far from the far side the reflected wave is ~exp(-sqrt2 (d - z)/lambda_J) < 1e-6
    assert np.max(np.abs(angle[inner] - z[inner] / (math.sqrt(2) * lj))) < 2e-6


def test_field_like_torque_from_precession_has_the_derived_sign():
    """Pt/Py with a real G_mix, spin entering the Py (G_t > 0) and finite lambda_J: the spin that
    returns into the Pt has turned towards m x s = -e2 inside the Py, so the Py keeps +e2: a
    field-like torque along -m x s, i.e. xi_FL > 0 (docs/physics.md section 2 torque form).
    The opposite sign of the i/lambda_J^2 term would give xi_FL < 0."""
    kw = dict(gmix=(6e14, 0.0), gt=(3e14, 0.0), d_f=2e-9, lsf=5e-9, lphi=1e-9)
    with_precession = torques(hm_fm_stack(**kw, lj=1e-9)).magnet("free")
    without = torques(hm_fm_stack(**kw, lj="inf")).magnet("free")
    assert abs(float(without.xi_fl)) < 1e-15          # real conductances, no precession: no FL
    assert float(with_precession.xi_fl) > 1e-4
    # the conjugate precession (the former -i) flips the field-like part, not the damping-like one
    plus = transmitted_closed_form(theta=0.387, lam_n=2.3e-9, rho_n=3.3e-7, d_n=5e-9, gmix=6e14, gt=3e14,
                                   rho_f=3e-7, d_f=2e-9, lsf=5e-9, lphi=1e-9, lj=1e-9)
    assert float(with_precession.xi_fl) == pytest.approx(plus.imag, rel=1e-9, abs=0)


def test_spin_loss_field_like_torque_sign_follows_the_precession():
    """Py/NiO (the magnet's own source, dephasing inside it): the damping-like part does not
    depend on the sense of precession, the field-like part is odd in it (complex conjugate
    solution), and lambda_J = inf gives none."""
    layers = [{"material": "SiO2", "thickness": 5e-9},
              {"name": "free", "material": "Py", "thickness": 5e-9},
              {"material": "NiO", "thickness": 10e-9}]
    s = Stack.from_dict({"layers": layers})
    m = torques(s).magnet("free")
    no_prec = torques(s.with_values({"free.spin_precession_length": "inf"})).magnet("free")
    assert float(m.xi_dl) < 0 and float(m.xi_fl) > 0
    assert abs(float(no_prec.xi_fl)) < 1e-15
