"""Tornado and Sobol indices on outputs whose drivers can be reasoned out by hand."""
from __future__ import annotations

import numpy as np
import pytest

from stargate_report.exceptions import ParameterError
from stargate_report.model.scenario import resolve
from stargate_report.model.sensitivity import saltelli_sample, sobol, sobol_indices, tornado


def test_tornado_of_emissions_hand_computed():
    df = tornado(resolve(), "emissions_tco2e_per_year")
    # only the load factor and the grid intensity move the emissions of a site of fixed facility capacity
    assert set(df["assumption"]) >= {"loadfactor.default", "grid.us-tx"}
    moving = df[df["swing"] > 0]
    assert set(moving["assumption"]) == {"loadfactor.default", "grid.us-tx"}
    grid = df.set_index("assumption").loc["grid.us-tx"]
    base_e = 1200 * 0.75 * 8760  # MWh at the base load factor
    assert grid["output_at_low"] == pytest.approx(base_e * 363 / 1000)
    assert grid["output_at_high"] == pytest.approx(base_e * 410 / 1000)
    assert df["swing"].is_monotonic_decreasing


def test_tornado_unknown_output():
    with pytest.raises(KeyError, match="unknown output quantity"):
        tornado(resolve(), "nope")


def test_sobol_ranks_the_drivers_of_capex():
    df = sobol(resolve(), "capex_usd", n=256, seed=1)
    top = df.iloc[0]["assumption"]
    assert top in {"itcapex.gb200", "overhead.gb200"}  # IT equipment dominates the capital cost
    zero = df.set_index("assumption").loc["grid.us-tx"]
    assert abs(zero["ST"]) < 0.02  # grid intensity does not enter capex


# -- the Sobol' points and the Saltelli estimators, against scipy and SALib ----------------------------
@pytest.mark.parametrize("d", [1, 2, 7, 56, 300])
def test_sobol_points_equal_scipys_unscrambled_sequence(d):
    from scipy.stats import qmc

    from stargate_report.model.sobol_sequence import points

    np.testing.assert_array_equal(points(1024, d), qmc.Sobol(d, scramble=False, bits=30).random(1024))


def test_digital_shift_keeps_the_net_and_is_seeded():
    from stargate_report.model.sobol_sequence import BITS, points

    a, b, c = points(256, 4, shift_seed=5), points(256, 4, shift_seed=5), points(256, 4, shift_seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # a (0, 8, s)-net in each one-dimensional projection: every interval [i/256, (i+1)/256) holds one point
    for j in range(4):
        assert sorted(np.floor(a[:, j] * 256).astype(int)) == list(range(256))
    assert (a >= 0).all() and (a < 1).all() and np.all(a * 2 ** BITS == np.round(a * 2 ** BITS))


def test_sobol_points_refuse_dimensions_beyond_the_table():
    from stargate_report.model.sobol_sequence import max_dimensions, points

    with pytest.raises(ParameterError, match="dimensions"):
        points(8, max_dimensions() + 1)


def _ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_saltelli_rows_are_salibs_rows():
    from SALib.sample import sobol as salib_sample

    bounds = [[-1.0, 2.0], [0.0, 10.0], [5.0, 6.0], [-3.0, -1.0]]
    problem = {"num_vars": 4, "names": list("abcd"), "bounds": bounds}
    ref = salib_sample.sample(problem, 64, calc_second_order=False, scramble=False)
    np.testing.assert_allclose(saltelli_sample(np.array(bounds), 64, seed=None), ref, rtol=0, atol=1e-12)


def test_indices_equal_salibs_estimators_and_the_ishigami_values():
    from SALib.analyze import sobol as salib_analyze

    bounds = np.array([[-np.pi, np.pi]] * 3)
    y = _ishigami(saltelli_sample(bounds, 4096, seed=2))
    ours = sobol_indices(y, 3, seed=1)
    ref = salib_analyze.analyze({"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": bounds.tolist()}, y,
                                calc_second_order=False, seed=1)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-12, atol=1e-12)
    # analytic indices of the Ishigami function (a = 7, b = 0.1): Saltelli et al. (2010), section 5
    np.testing.assert_allclose(ours["S1"], [0.3139, 0.4424, 0.0], atol=0.02)
    np.testing.assert_allclose(ours["ST"], [0.5576, 0.4424, 0.2437], atol=0.02)


def test_indices_of_a_constant_output_are_zero():
    out = sobol_indices(np.ones(5 * 16), 3)
    assert all(np.array_equal(v, np.zeros(3)) for v in out.values())
    with pytest.raises(ParameterError, match="outputs"):
        sobol_indices(np.ones(17), 3)


def test_the_uncertainty_chapter_does_not_import_scipy_stats():
    """The Sobol indices come without scipy.stats (about a second of imports in every briefing)."""
    import subprocess
    import sys

    code = ("import sys\nfrom stargate_report.model.sensitivity import sobol\nfrom stargate_report.model.scenario import resolve\n"
            "sobol(resolve(), 'capex_usd', n=64)\nprint(sorted(m for m in ('scipy.stats', 'SALib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
