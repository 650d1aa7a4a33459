"""Every loss: value and derivative through the public API against numpy formulas.

``gdfast.objective(X=[[p]], y=[y], coef=[1], intercept=0, penalty="none")`` has one
sample with prediction exactly ``p``, so its value is ``L(y, p)``, its
``grad_intercept`` is ``dL/dp`` and its ``grad_coef[0]`` is ``p * dL/dp``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gdfast
from gdfast import _core

REGRESSION = ("squared", "huber", "epsilon_insensitive", "squared_epsilon_insensitive")
CLASSIFICATION = ("hinge", "squared_hinge", "log", "modified_huber", "perceptron")
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])


def at_point(loss, y, p, *, epsilon=0.1, dtype=np.float64):
    """(value, dL/dp, dL/dw) of the one-sample objective with prediction p."""
    value, grad_coef, grad_b = gdfast.objective(
        np.array([[p]], dtype=dtype),
        np.array([y], dtype=dtype),
        np.array([1.0], dtype=dtype),
        0.0,
        loss=loss,
        penalty="none",
        epsilon=epsilon,
    )
    grad_coef = np.asarray(grad_coef)
    assert grad_coef.shape == (1,)
    assert grad_coef.dtype == dtype
    assert isinstance(value, float)
    assert isinstance(grad_b, float)
    return value, float(grad_b), float(grad_coef[0])


def rounded(dtype, *values):
    """The values as the kernel sees them (inputs are stored in ``dtype``)."""
    return [float(dtype(v)) for v in values]


# --------------------------------------------------------------- hand-picked points
# (loss, y, p, epsilon, expected value, expected dL/dp); the expected values are
# written out by hand, and also checked against the numpy reference below.
BIG = 1e6
EDGE_POINTS = [
    # squared
    ("squared", 1.0, 1.0, 0.1, 0.0, 0.0),
    ("squared", 0.0, 3.0, 0.1, 4.5, 3.0),
    ("squared", 2.0, -1e3, 0.1, 0.5 * 1002.0**2, -1002.0),
    ("squared", 0.0, BIG, 0.1, 0.5 * BIG**2, BIG),
    # huber: |r| = eps is the seam of a C1 loss
    ("huber", 0.5, 0.75, 0.25, 0.5 * 0.25**2, 0.25),
    ("huber", 0.5, 0.25, 0.25, 0.5 * 0.25**2, -0.25),
    ("huber", 0.0, 2.0, 0.5, 0.5 * 2.0 - 0.125, 0.5),
    ("huber", 0.0, -BIG, 0.5, 0.5 * BIG - 0.125, -0.5),
    ("huber", 1.0, 1.0, 0.0, 0.0, 0.0),
    # epsilon_insensitive: derivative 0 at |r| = eps and at r = 0
    ("epsilon_insensitive", 0.5, 0.75, 0.25, 0.0, 0.0),
    ("epsilon_insensitive", 0.5, 0.25, 0.25, 0.0, 0.0),
    ("epsilon_insensitive", 0.5, 1.0, 0.25, 0.25, 1.0),
    ("epsilon_insensitive", 0.5, 0.0, 0.25, 0.25, -1.0),
    ("epsilon_insensitive", 2.0, 2.0, 0.0, 0.0, 0.0),
    ("epsilon_insensitive", 0.0, -BIG, 0.5, BIG - 0.5, -1.0),
    # squared_epsilon_insensitive
    ("squared_epsilon_insensitive", 0.5, 0.75, 0.25, 0.0, 0.0),
    ("squared_epsilon_insensitive", 0.5, 1.5, 0.25, 0.75**2, 1.5),
    ("squared_epsilon_insensitive", 0.5, -0.5, 0.25, 0.75**2, -1.5),
    ("squared_epsilon_insensitive", 1.0, 1.0, 0.0, 0.0, 0.0),
    # hinge: derivative -y at z = 1 (scikit-learn's convention, CONTRACT.md)
    ("hinge", 1.0, 1.0, 0.1, 0.0, -1.0),
    ("hinge", -1.0, -1.0, 0.1, 0.0, 1.0),
    ("hinge", 1.0, 1.5, 0.1, 0.0, 0.0),
    ("hinge", 1.0, 0.5, 0.1, 0.5, -1.0),
    ("hinge", -1.0, 0.5, 0.1, 1.5, 1.0),
    ("hinge", 1.0, 0.0, 0.1, 1.0, -1.0),
    ("hinge", 1.0, 1e3, 0.1, 0.0, 0.0),
    ("hinge", -1.0, 1e3, 0.1, 1001.0, 1.0),
    ("hinge", 1.0, -BIG, 0.1, 1.0 + BIG, -1.0),
    # squared_hinge
    ("squared_hinge", 1.0, 1.0, 0.1, 0.0, 0.0),
    ("squared_hinge", -1.0, -1.0, 0.1, 0.0, 0.0),
    ("squared_hinge", 1.0, 0.0, 0.1, 1.0, -2.0),
    ("squared_hinge", -1.0, 0.5, 0.1, 2.25, 3.0),
    ("squared_hinge", 1.0, -1e3, 0.1, 1001.0**2, -2002.0),
    ("squared_hinge", -1.0, -1e3, 0.1, 0.0, 0.0),
    # modified_huber: seam at z = -1 (value 4, derivative -4y from both sides), 0 at z >= 1
    ("modified_huber", 1.0, 1.0, 0.1, 0.0, 0.0),
    ("modified_huber", 1.0, 2.0, 0.1, 0.0, 0.0),
    ("modified_huber", 1.0, 0.5, 0.1, 0.25, -1.0),
    ("modified_huber", 1.0, -1.0, 0.1, 4.0, -4.0),
    ("modified_huber", -1.0, 1.0, 0.1, 4.0, 4.0),
    ("modified_huber", 1.0, -1.5, 0.1, 6.0, -4.0),
    ("modified_huber", -1.0, 1e3, 0.1, 4000.0, 4.0),
    ("modified_huber", 1.0, -BIG, 0.1, 4.0 * BIG, -4.0),
    # perceptron: derivative -y at z = 0 (scikit-learn's convention, CONTRACT.md)
    ("perceptron", 1.0, 0.0, 0.1, 0.0, -1.0),
    ("perceptron", -1.0, 0.0, 0.1, 0.0, 1.0),
    ("perceptron", -1.0, -0.0, 0.1, 0.0, 1.0),
    ("perceptron", 1.0, -0.0, 0.1, 0.0, -1.0),
    ("perceptron", 1.0, 0.5, 0.1, 0.0, 0.0),
    ("perceptron", 1.0, -0.5, 0.1, 0.5, -1.0),
    ("perceptron", -1.0, 0.5, 0.1, 0.5, 1.0),
    ("perceptron", -1.0, BIG, 0.1, BIG, 1.0),
    # log
    ("log", 1.0, 0.0, 0.1, math.log(2.0), -0.5),
    ("log", -1.0, 0.0, 0.1, math.log(2.0), 0.5),
]


@DTYPES
@pytest.mark.parametrize(
    ("loss", "y", "p", "eps", "value", "deriv"),
    EDGE_POINTS,
    ids=[f"{e[0]}-y{e[1]:g}-p{e[2]:g}-eps{e[3]:g}" for e in EDGE_POINTS],
)
def test_edge_points(ref, dtype, loss, y, p, eps, value, deriv):
    # the hand-written expectations agree with the reference formulas
    assert ref.loss_value(loss, y, p, eps) == pytest.approx(value, rel=1e-15, abs=0)
    assert ref.loss_derivative(loss, y, p, eps) == pytest.approx(deriv, rel=1e-15, abs=0)
    # all points above are exactly representable in float32 too (epsilon = 0.1 only
    # appears with losses that ignore it)
    assert rounded(np.float32, y, p) == [y, p]
    assert eps == 0.1 or rounded(np.float32, eps) == [eps]
    rtol = 1e-13 if dtype == np.float64 else 2e-6
    v, g, gw = at_point(loss, y, p, epsilon=eps, dtype=dtype)
    assert v == pytest.approx(value, rel=float(rtol), abs=0)
    assert g == pytest.approx(deriv, rel=float(rtol), abs=0)
    assert gw == pytest.approx(deriv * p, rel=float(rtol), abs=0)


# log loss at large |z|: accuracy matters in both tails
LOG_MARGINS = [-1e6, -1e3, -700.0, -100.0, -40.0, -30.0, -18.5, -18.0, -17.5, -5.0, -1.0,
               -1e-8, 0.0, 1e-8, 1.0, 5.0, 17.5, 18.0, 18.5, 25.0, 30.0, 36.0, 40.0,
               100.0, 700.0, 745.0, 1e3, 1e6]


@DTYPES
@pytest.mark.parametrize("y", [1.0, -1.0])
@pytest.mark.parametrize("z", LOG_MARGINS)
def test_log_loss_tails(ref, dtype, z, y):
    p = z * y
    (p,) = rounded(dtype, p)
    z = y * p
    v, g, gw = at_point("log", y, p, dtype=dtype)
    assert math.isfinite(v) and math.isfinite(g) and math.isfinite(gw)
    want_v = float(np.logaddexp(0.0, -z))
    want_g = float(ref.loss_derivative("log", y, p))
    if dtype == np.float64:
        rtol, tiny = 1e-12, 1e-300
    else:
        rtol, tiny = 2e-6, 1e-37  # below float32's smallest normal: underflow allowed
    assert v == pytest.approx(want_v, rel=float(rtol), abs=float(tiny))
    assert g == pytest.approx(want_g, rel=float(rtol), abs=float(tiny))
    assert gw == pytest.approx(want_g * p, rel=float(rtol), abs=float(tiny))
    assert v >= 0.0
    assert 0.0 <= -g * y <= 1.0


def test_log_loss_large_negative_margin_exact():
    # the brief: log(1 + exp(-z)) at z = -1000 equals 1000 to 1e-12 relative
    v, g, _ = at_point("log", 1.0, -1000.0)
    assert v == pytest.approx(1000.0, rel=1e-12, abs=0)
    assert g == pytest.approx(-1.0, rel=1e-12, abs=0)
    v, g, _ = at_point("log", -1.0, 1e6)
    assert v == pytest.approx(1e6, rel=1e-12, abs=0)
    assert g == pytest.approx(1.0, rel=1e-12, abs=0)


@pytest.mark.parametrize(("alias", "name"),
                         [("squared_error", "squared"), ("log_loss", "log")])
@pytest.mark.parametrize(("y", "p"), [(1.0, 0.3), (-1.0, 2.5), (1.0, -40.0)])
def test_aliases(alias, name, y, p):
    assert at_point(alias, y, p) == at_point(name, y, p)


def test_unknown_loss_lists_valid_names():
    with pytest.raises(ValueError, match="hinge") as info:
        at_point("not_a_loss", 1.0, 1.0)
    assert "not_a_loss" in str(info.value)


@pytest.mark.parametrize("loss",
                         ["huber", "epsilon_insensitive", "squared_epsilon_insensitive"])
def test_negative_epsilon_rejected(loss):
    with pytest.raises(ValueError, match="epsilon"):
        at_point(loss, 0.0, 1.0, epsilon=-0.1)


# ------------------------------------------------------------------- random points
HYP = settings(max_examples=60, deadline=None, database=None, derandomize=True)
finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
labels = st.sampled_from([-1.0, 1.0])
epsilons = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)


def _check_random_point(ref, loss, y, p, eps, dtype):
    y, p, eps = rounded(dtype, y, p, eps)
    u = float(np.finfo(dtype).eps)
    scale = abs(y) + abs(p) + eps + 1.0
    if dtype == np.float32:
        # the kernel works in float32: stay clear of kinks its rounding could cross
        assume(ref.loss_kinks(loss, y, p, eps) > 8 * u * scale)
    v, g, gw = at_point(loss, y, p, epsilon=eps, dtype=dtype)
    want_v = float(ref.loss_value(loss, y, p, eps))
    want_g = float(ref.loss_derivative(loss, y, p, eps))
    if loss == "log":
        rtol, atol_v, atol_g = (1e-12, 1e-300, 1e-300) if dtype == np.float64 else (
            2e-6, 1e-37, 1e-37)
    else:
        # r = p - y is rounded once in the working precision; absolute error of
        # the value ~ u * scale * |L'|, of the derivative ~ u * scale
        rtol = 8 * u
        atol_v = 8 * u * scale * (1.0 + abs(want_g))
        atol_g = 8 * u * scale
    assert v == pytest.approx(want_v, rel=float(rtol), abs=float(atol_v))
    assert g == pytest.approx(want_g, rel=float(rtol), abs=float(atol_g))
    assert gw == pytest.approx(want_g * p, rel=float(rtol), abs=atol_g * max(1.0, abs(p)))


@DTYPES
@pytest.mark.parametrize("loss", REGRESSION)
@HYP
@given(y=finite, p=finite, eps=epsilons)
def test_regression_loss_random(ref, dtype, loss, y, p, eps):
    _check_random_point(ref, loss, y, p, eps, dtype)


@DTYPES
@pytest.mark.parametrize("loss", CLASSIFICATION)
@HYP
@given(y=labels, p=finite)
def test_classification_loss_random(ref, dtype, loss, y, p):
    _check_random_point(ref, loss, y, p, 0.1, dtype)


@HYP
@given(y=labels, z=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_log_loss_random_wide(ref, y, z):
    _check_random_point(ref, "log", y, z * y, 0.1, np.float64)


@pytest.mark.parametrize("loss", REGRESSION + CLASSIFICATION)
@HYP
@given(data=st.data())
def test_vectorised_matches_pointwise(ref, loss, data):
    """Many samples at once: the mean over rows of the pointwise values."""
    n = data.draw(st.integers(min_value=1, max_value=40))
    p = np.array(data.draw(st.lists(finite, min_size=n, max_size=n)))
    if loss in CLASSIFICATION:
        y = np.array(data.draw(st.lists(labels, min_size=n, max_size=n)))
    else:
        y = np.array(data.draw(st.lists(finite, min_size=n, max_size=n)))
    eps = 0.3
    X = p.reshape(-1, 1)
    value, grad_coef, grad_b = gdfast.objective(
        X, y, np.array([1.0]), 0.0, loss=loss, penalty="none", epsilon=eps)
    L = ref.loss_value(loss, y, p, eps)
    dL = ref.loss_derivative(loss, y, p, eps)
    scale = float(np.sum(np.abs(L))) / n + 1e-300
    assert value == pytest.approx(L.mean(), rel=1e-12, abs=float(1e-12 * scale))
    gscale = float(np.abs(dL).mean()) + 1e-300
    assert grad_b == pytest.approx(dL.mean(), rel=1e-12, abs=float(1e-12 * gscale))
    assert float(grad_coef[0]) == pytest.approx(
        (dL * p).mean(), rel=1e-12, abs=1e-12 * float(np.abs(dL * p).mean() + 1e-300))


def test_log_loss_accuracy_on_a_dense_grid():
    """The log loss's own exp / log1p (branch-free, so margin loops vectorize) against
    numpy's logaddexp and scipy's expit on 54,000 margins spanning both tails: within
    2e-15 relative (about 9 ulp, counting the references' own rounding)."""
    from scipy.special import expit

    loss = _core.Loss(_core.LossKind.log)
    rng = np.random.default_rng(0)
    z = np.concatenate([np.linspace(-750, 750, 30001), 5 * rng.standard_normal(20000),
                        -np.logspace(-20, 2.9, 2000), np.logspace(-20, 2.9, 2000)])
    for y in (1.0, -1.0):
        got = np.array([loss.eval(y, y * zi) for zi in z])
        want_v = np.logaddexp(0.0, -z)
        want_g = -y * expit(-z)
        keep_v, keep_g = want_v > 1e-300, np.abs(want_g) > 1e-300
        np.testing.assert_allclose(got[keep_v, 0], want_v[keep_v], rtol=2e-15, atol=0)
        np.testing.assert_allclose(got[keep_g, 1], want_g[keep_g], rtol=2e-15, atol=0)
        assert np.all(np.abs(got[~keep_v, 0]) <= 1e-300)
    assert np.isnan(loss.eval(1.0, np.nan)[0]) and np.isnan(loss.eval(1.0, np.nan)[1])
    assert loss.eval(1.0, -np.inf) == (np.inf, -1.0)
    assert loss.eval(1.0, np.inf)[0] == 0.0


# --------------------------------------------------------------- smoothed kinks
# The full-batch solvers minimise the non-smooth losses through smoothing continuation:
# Loss(kind, epsilon, smoothing=mu) replaces each kink of max(0, u) by the quadratic
# (u + mu/2)^2 / (2 mu) on |u| < mu/2 (centred on the kink).
def _smooth_plus_ref(u, mu):
    h = u + 0.5 * mu
    if h <= 0:
        return 0.0, 0.0
    if h < mu:
        return 0.5 * h * h / mu, h / mu
    return u, 1.0


def _smoothed_ref(kind, y, p, eps, mu):
    """(value, dL/dp) of the smoothed loss, written from its definition."""
    if kind == "hinge":
        v, s = _smooth_plus_ref(1.0 - y * p, mu)
        return v, -y * s
    if kind == "perceptron":
        v, s = _smooth_plus_ref(-y * p, mu)
        return v, -y * s
    r = p - y  # epsilon_insensitive: max(0, r - eps) + max(0, -r - eps), kinks apart
    v1, s1 = _smooth_plus_ref(r - eps, mu)
    v2, s2 = _smooth_plus_ref(-r - eps, mu)
    return v1 + v2, s1 - s2


def _exact_nonsmooth(kind, y, p, eps):
    if kind == "hinge":
        return max(0.0, 1.0 - y * p)
    if kind == "perceptron":
        return max(0.0, -y * p)
    return max(0.0, abs(p - y) - eps)


SMOOTHED = ("hinge", "perceptron", "epsilon_insensitive")


@pytest.mark.parametrize("kind", SMOOTHED)
@pytest.mark.parametrize("mu", [1.0, 0.1, 1e-3])
@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_smoothed_loss_formula_bounds_and_derivative(kind, mu, eps):
    """Value and slope against the formula; the exact loss <= smoothed <= exact + mu/8
    (+ mu/8 for each of epsilon_insensitive's two kinks), equal away from the kinks; the
    slope is the central difference of the value and is continuous (no jump across a
    kink, including at r = 0 for epsilon_insensitive with 2 eps < mu); the curvature
    bound holds."""
    loss = _core.Loss(getattr(_core.LossKind, kind), eps, mu)
    assert loss.smoothing == mu
    rng = np.random.default_rng(1)
    kinks = {"hinge": [1.0], "perceptron": [0.0], "epsilon_insensitive": [eps, -eps]}[kind]
    n_kinks = len(kinks) if kind == "epsilon_insensitive" else 1
    # margins (y p for the classification losses, p - y for regression) around every kink
    pts = np.concatenate([k + mu * np.linspace(-1.5, 1.5, 301) for k in kinks]
                         + [3 * rng.standard_normal(200), [0.0]])
    curv = 2.0 / mu if (kind == "epsilon_insensitive" and 2 * eps < mu) else 1.0 / mu
    for y in ((1.0, -1.0) if kind != "epsilon_insensitive" else (0.0, 2.5)):
        prev = None
        for t in np.sort(pts):
            p = t * y if kind != "epsilon_insensitive" else y + t
            v, d = loss.eval(y, p)
            rv, rd = _smoothed_ref(kind, y, p, eps, mu)
            assert v == pytest.approx(rv, rel=1e-13, abs=1e-15)
            assert d == pytest.approx(rd, rel=1e-13, abs=1e-15)
            exact = _exact_nonsmooth(kind, y, p, eps)
            assert exact - 1e-15 <= v <= exact + n_kinks * mu / 8 + 1e-15
            if min(abs(t - k) for k in kinks) > mu / 2 + 1e-12 and not (
                    kind == "epsilon_insensitive" and 2 * eps < mu and abs(t) < mu / 2 - eps):
                assert v == pytest.approx(exact, rel=1e-14, abs=1e-15)
            h = 1e-7 * max(1.0, abs(p))
            fd = (loss.eval(y, p + h)[0] - loss.eval(y, p - h)[0]) / (2 * h)
            # finite difference: exact for the linear pieces, O(h) error across a seam
            assert d == pytest.approx(fd, abs=1e-6 + 2 * curv * h)
            if prev is not None:  # Lipschitz slope: |d' - d| <= curvature |p' - p|
                assert abs(d - prev[1]) <= curv * abs(p - prev[0]) * (1 + 1e-9) + 1e-15
            prev = (p, d)


@pytest.mark.parametrize("kind", SMOOTHED)
def test_smoothing_zero_is_the_exact_loss_and_nan_propagates(kind):
    exact = _core.Loss(getattr(_core.LossKind, kind), 0.1, 0.0)
    smoothed = _core.Loss(getattr(_core.LossKind, kind), 0.1, 0.01)
    for y, p in [(1.0, 0.3), (-1.0, 2.0), (1.0, -4.0), (1.0, 1.0), (-1.0, 0.0)]:
        v, _ = exact.eval(y, p)
        assert v == pytest.approx(_exact_nonsmooth(kind, y, p, 0.1), abs=1e-15)
    for loss in (exact, smoothed):  # the value carries a NaN margin (the kernels'
        assert math.isnan(loss.eval(1.0, np.nan)[0])  # finiteness checks read the sum)


# ------------------------------------------------- the kernels' inlined evaluations
# The fused pass evaluates the losses four (float32 log: eight) rows at a time
# (Loss::eval_rows) and a block's leftover rows one by one (Loss::eval_row); the common
# losses are inlined there, smoothed or not, in each ISA variant, and the exact loss a
# smoothed pass also sums goes through eval_row. The one-sample tests above read `eval`
# itself or a one-row pass.
ISAS = list(_core.available_isas())
PASS_CASES = [("squared", 0.0), ("hinge", 0.0), ("hinge", 0.1), ("squared_hinge", 0.0),
              ("epsilon_insensitive", 0.0), ("epsilon_insensitive", 0.1), ("perceptron", 0.1),
              ("log", 0.0), ("huber", 0.0), ("modified_huber", 0.0)]


def _pass_reference(ref, kind, y, p, eps, mu):
    """(L, L_exact, dL/dp) per row, float64, from the formulas (the smoothed ones above)."""
    exact = ref.loss_value(kind, y, p, eps)
    if mu == 0.0:
        return exact, exact, ref.loss_derivative(kind, y, p, eps)
    pairs = [_smoothed_ref(kind, yi, pi, eps, mu) for yi, pi in zip(y, p)]
    return np.array([v for v, _ in pairs]), exact, np.array([d for _, d in pairs])


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind,mu", PASS_CASES, ids=[f"{k}-{m}" for k, m in PASS_CASES])
def test_pass_sums_match_the_formulas_in_every_isa(ref, isa, sparse, kind, mu):
    """One fused pass over 203 rows (blocks of 4-row groups and leftover rows), sample
    weights, in every compiled ISA variant, dense and CSR: its smoothed and exact loss
    sums, sum of weighted slopes and gradient match the formulas row by row."""
    rng = np.random.default_rng(7)
    n, d, eps = 203, 9, 0.1
    X = rng.standard_normal((n, d))
    X[rng.random((n, d)) < 0.3] = 0.0
    w = rng.standard_normal(d) * 0.6
    b = 0.2
    p = X @ w + b
    if kind in ("squared", "huber", "epsilon_insensitive"):
        y = p + rng.standard_normal(n) * 0.3  # residuals around the kinks
    else:
        y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    sw = rng.uniform(0.5, 2.0, n)
    L, L_exact, dL = _pass_reference(ref, kind, y, p, eps, mu)
    loss = _core.Loss(getattr(_core.LossKind, kind), eps, mu)
    if sparse:
        A = sp.csr_matrix(X)
        args = (A.data, A.indices, A.indptr, d)
    else:
        args = (X, None, None, d)
    g = np.empty(d)
    before = _core.isa()
    try:
        _core.set_isa(isa)
        val, val_exact, gb, wsum, finite = _core.objective(*args, y, sw, w, b, loss, g, None, 2)
    finally:
        _core.set_isa(before)
    assert finite and wsum == pytest.approx(sw.sum(), rel=1e-14)
    scale = float(np.sum(sw * np.abs(L))) + 1e-300
    assert val == pytest.approx(float(np.sum(sw * L)), rel=1e-12, abs=1e-12 * scale)
    assert val_exact == pytest.approx(float(np.sum(sw * L_exact)), rel=1e-12,
                                      abs=1e-12 * (float(np.sum(sw * np.abs(L_exact))) + 1e-300))
    gscale = float(np.sum(sw * np.abs(dL))) + 1e-300
    assert gb == pytest.approx(float(np.sum(sw * dL)), rel=1e-12, abs=1e-12 * gscale)
    np.testing.assert_allclose(g, X.T @ (sw * dL), rtol=1e-12, atol=1e-12 * gscale)
