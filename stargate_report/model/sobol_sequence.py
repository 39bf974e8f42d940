"""Sobol' low-discrepancy points in the unit cube, without importing ``scipy.stats``.

``scipy.stats.qmc.Sobol`` is the reference generator, but importing ``scipy.stats`` costs about a
second; the briefing's uncertainty chapter needs a few thousand points of a few dozen dimensions. This
module builds the same points from the same direction numbers:

* **Direction numbers**: Joe & Kuo's ``new-joe-kuo-6.21201`` [1]_, read from the data file scipy ships
  with its generator (``scipy/stats/_sobol_direction_numbers.npz``: the primitive polynomials and the
  initial direction numbers); only the file is read, no scipy module is imported.
* **Points**: Antonov & Saleev's Gray-code order [2]_, ``x_i = XOR of v_k for every bit k set in
  gray(i) = i XOR (i >> 1)``, on 30 bits. Point ``i`` equals row ``i`` of
  ``scipy.stats.qmc.Sobol(d, scramble=False, bits=30).random(n)`` exactly (the test suite checks).
* **Randomisation** (optional): a random digital shift [3]_, the bits of each coordinate XOR-ed with one
  random 30-bit integer per dimension; the points stay a digital net and become unbiased for integrals.

References
----------
.. [1] S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better two-dimensional projections",
   SIAM J. Sci. Comput. 30 (2008) 2635-2654; https://web.maths.unsw.edu.au/~fkuo/sobol/
.. [2] I. A. Antonov and V. M. Saleev, "An economic method of computing LP_tau-sequences", USSR Comput.
   Math. Math. Phys. 19 (1979) 252-256.
.. [3] J. Dick and F. Pillichshammer, *Digital Nets and Sequences* (Cambridge, 2010), section 4.4.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

from stargate_report.exceptions import ParameterError

#: bits per coordinate (scipy's default): points are multiples of 2**-30
BITS = 30


@functools.cache
def _joe_kuo() -> tuple[np.ndarray, np.ndarray]:
    """(primitive polynomials, initial direction numbers) of Joe & Kuo's table, as scipy ships them."""
    spec = importlib.util.find_spec("scipy")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "stats" / "_sobol_direction_numbers.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as npz:
                return npz["poly"].astype(np.int64), npz["vinit"].astype(np.int64)
    raise FileNotFoundError("scipy's table of Sobol' direction numbers (stats/_sobol_direction_numbers.npz) "
                            "was not found: reinstall scipy (pip install --force-reinstall scipy)")


def max_dimensions() -> int:
    return len(_joe_kuo()[0])


@functools.cache
def direction_integers(d: int) -> np.ndarray:
    """The direction integers ``v[j, k]`` (``m_jk * 2**(BITS-1-k)``) of the first ``d`` dimensions, (d, BITS).

    Dimension 0 is the van der Corput sequence (``m = 1`` throughout). Dimension ``j`` with primitive
    polynomial ``x^s + a_1 x^(s-1) + ... + a_(s-1) x + 1`` takes its first ``s`` numbers from the table,
    then ``v_k = a_1 v_(k-1) ^ ... ^ a_(s-1) v_(k-s+1) ^ v_(k-s) ^ (v_(k-s) >> s)`` (Bratley & Fox 1988).
    """
    poly, vinit = _joe_kuo()
    if not 1 <= d <= len(poly):
        raise ParameterError("d", d, f"1 to {len(poly)} dimensions (Joe and Kuo's table)")
    v = [[0] * BITS for _ in range(d)]
    for k in range(BITS):
        v[0][k] = 1 << (BITS - 1 - k)
    for j in range(1, d):
        p = int(poly[j])
        s = p.bit_length() - 1
        row = v[j]
        for k in range(min(s, BITS)):
            row[k] = int(vinit[j, k]) << (BITS - 1 - k)
        for k in range(s, BITS):
            new = row[k - s] ^ (row[k - s] >> s)
            for i in range(1, s):
                if (p >> (s - i)) & 1:
                    new ^= row[k - i]
            row[k] = new
    out = np.array(v, dtype=np.uint64)
    out.setflags(write=False)
    return out


def points(n: int, d: int, shift_seed: int | None = None) -> np.ndarray:
    """The first ``n`` Sobol' points in ``[0, 1)^d`` [unitless], shape (n, d).

    Parameters
    ----------
    n : int
        Number of points (a power of two keeps the net balanced).
    d : int
        Dimensions, at most :func:`max_dimensions` (21,201).
    shift_seed : int, optional
        Seed of a random digital shift; ``None`` gives the plain sequence (first point 0).
    """
    v = direction_integers(d)
    i = np.arange(n, dtype=np.uint64)
    gray = i ^ (i >> np.uint64(1))
    x = np.zeros((n, d), dtype=np.uint64)
    for k in range(BITS):
        rows = ((gray >> np.uint64(k)) & np.uint64(1)).astype(bool)
        if not rows.any():
            break  # gray < 2**k for every point: no higher bit is set either
        x[rows] ^= v[:, k]
    if shift_seed is not None:
        shift = np.random.default_rng(shift_seed).integers(0, 1 << BITS, size=d, dtype=np.uint64)
        x ^= shift
    return x.astype(np.float64) / float(1 << BITS)
