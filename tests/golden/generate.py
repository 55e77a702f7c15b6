#!/usr/bin/python3
"""Golden NumPy results for the contraction family (matmul, tensordot, einsum).

Writes contraction_<case>_in<i>.npy / contraction_<case>_out.npy next to this file, plus
contraction_cases.txt (one line per case: name, op, argument, input count; tab-separated), which
tests/unit/test_golden_contraction.cpp reads. Deterministic (fixed seed); total well under 50 KB.
Run: /usr/bin/python3 tests/golden/generate.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)


def rand(shape, dtype=np.float32):
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-4, 5, size=shape).astype(dtype)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


cases = []  # (name, op, argument, inputs, output)


def einsum(name, equation, *inputs):
    cases.append((name, "einsum", equation, inputs, np.einsum(equation, *inputs)))


def tensordot(name, axes, a, b):
    if isinstance(axes, int):
        arg = str(axes)
    else:
        arg = ";".join(",".join(str(i) for i in side) for side in axes)
    cases.append((name, "tensordot", arg, (a, b), np.tensordot(a, b, axes)))


def matmul(name, a, b):
    cases.append((name, "matmul", "-", (a, b), np.matmul(a, b)))


einsum("mm", "ij,jk->ik", rand((3, 4)), rand((4, 5)))
einsum("mm_t", "ij,kj->ik", rand((3, 4)), rand((5, 4)))
einsum("diag", "ii->i", rand((4, 4)))
einsum("trace", "ii", rand((4, 4), np.float64))
einsum("bmm", "bij,bkj->bik", rand((2, 3, 4)), rand((2, 5, 4)))
einsum("ellipsis", "...ij,...jk->...ik", rand((2, 1, 3, 4)), rand((5, 4, 2)))
einsum("mixed_axes", "ijk,jil->kl", rand((2, 3, 4)), rand((3, 2, 5)))
einsum("chain", "ij,jk,kl->il", rand((2, 3)), rand((3, 4)), rand((4, 2)))
einsum("implicit", "Ba,aC", rand((3, 4)), rand((4, 2)))
einsum("outer", "i,j", rand((3,)), rand((4,)))
einsum("sum_all", "ij->", rand((3, 4), np.float64))
einsum("int_mm", "ij,jk->ik", rand((3, 4), np.int32), rand((4, 2), np.int32))
einsum("mixed_dtype", "ij,j->i", rand((3, 4), np.int32), rand((4,), np.float32))
einsum("broadcast_one", "ij,jk->ik", rand((2, 1)), rand((3, 4)))
tensordot("td_2", 2, rand((2, 3, 4)), rand((3, 4, 5)))
tensordot("td_lists", [[1, 0], [0, 2]], rand((3, 4, 2)), rand((4, 2, 3)))
matmul("mm_broadcast", rand((2, 1, 3, 4)), rand((5, 4, 2)))
matmul("mv_batched", rand((4,)), rand((2, 4, 3)))
matmul("mixed", rand((3, 4), np.int32), rand((4, 2), np.float32))
matmul("bool", rand((3, 4), np.bool_), rand((4, 2), np.bool_))

for stale in os.listdir(HERE):
    if stale.startswith("contraction_") and stale.endswith(".npy"):
        os.remove(os.path.join(HERE, stale))
with open(os.path.join(HERE, "contraction_cases.txt"), "w") as manifest:
    for name, op, arg, inputs, output in cases:
        for i, x in enumerate(inputs):
            np.save(os.path.join(HERE, f"contraction_{name}_in{i}.npy"), x)
        np.save(os.path.join(HERE, f"contraction_{name}_out.npy"), np.asarray(output))
        manifest.write(f"{name}\t{op}\t{arg}\t{len(inputs)}\n")


# ---- Reductions and type promotion: all in numpy_cases.npz (members <case>.in<i>, <case>.out),
# listed in numpy_cases.txt ----
# One line per case: name, op, argument, input count (tab-separated); read by
# tests/unit/test_golden_numpy.cpp. Reduction arguments are "axes;keepdims" ("-" = all axes).
numpy_cases = []


def reduction(name, op, x, axes, keepdims, reference):
    arg = ("-" if axes is None else ",".join(str(a) for a in axes)) + (";1" if keepdims else ";0")
    numpy_cases.append((name, op, arg, (x,), np.asarray(reference)))


def logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


x = rand((3, 4, 5))
xi = rand((3, 4, 5), np.int32)
xb = rand((3, 4, 5), np.bool_)
for op in ["sum", "mean", "prod", "max", "min", "var", "std"]:
    f = getattr(np, op)
    reduction(f"{op}_all", op, x, None, False, f(x))
    reduction(f"{op}_axes02_keep", op, x, (0, 2), True, f(x, axis=(0, 2), keepdims=True))
    reduction(f"{op}_neg_axis_int", op, xi, (-1,), False, f(xi, axis=-1))
for op in ["argmax", "argmin"]:
    reduction(f"{op}_axis1", op, x, (1,), False, getattr(np, op)(x, axis=1))
    reduction(f"{op}_int_keep", op, xi, (2,), True, getattr(np, op)(xi, axis=2, keepdims=True))
reduction("sum_bool", "sum", xb, (0,), False, np.sum(xb, axis=0))
reduction("mean_bool", "mean", xb, None, False, np.mean(xb))
reduction("all_axis1", "all", xb, (1,), False, np.all(xb, axis=1))
reduction("any_all", "any", xb, None, True, np.any(xb, keepdims=True))
reduction("logsumexp_axis2", "logsumexp", x * 30, (2,), False, logsumexp(x * 30, 2, False))

dtypes = [np.bool_, np.int32, np.int64, np.float32, np.float64]
for a_type in dtypes:
    for b_type in dtypes:
        a, b = rand((2, 3), a_type), rand((3,), b_type)
        pair = f"{np.dtype(a_type).name}_{np.dtype(b_type).name}"
        numpy_cases.append((f"add_{pair}", "add", "-", (a, b), np.add(a, b)))
        if b_type != np.bool_:
            b = np.where(b == 0, 1, b).astype(b_type)  # no division by zero
        with np.errstate(divide="ignore", invalid="ignore"):  # x / False: inf and nan, as in C
            numpy_cases.append((f"divide_{pair}", "divide", "-", (a, b), np.true_divide(a, b)))
        if a_type != np.bool_ and b_type != np.bool_:
            numpy_cases.append((f"maximum_{pair}", "maximum", "-", (a, b), np.maximum(a, b)))
            numpy_cases.append((f"less_{pair}", "less", "-", (a, b), np.less(a, b)))

arrays = {}
with open(os.path.join(HERE, "numpy_cases.txt"), "w") as manifest:
    for name, op, arg, inputs, output in numpy_cases:
        for i, x_in in enumerate(inputs):
            arrays[f"{name}.in{i}"] = x_in
        arrays[f"{name}.out"] = np.asarray(output)
        manifest.write(f"{name}\t{op}\t{arg}\t{len(inputs)}\n")
np.savez_compressed(os.path.join(HERE, "numpy_cases.npz"), **arrays)


# ---- Linear algebra (nabla::linalg): linalg_<case>_in<i>.npy / linalg_<case>_out<j>.npy, listed
# in linalg_cases.txt ----
# One line per case (tab-separated): name, op, argument ("-" or "key=value;key=value"), input
# count, output count, and one sensitivity per output (comma-separated): how much rounding errors
# of order machine epsilon are amplified in that output, relative to its own scale (a condition
# number; 1 for well-posed ones). tests/unit/test_golden_linalg.cpp scales its tolerance by it.
# Own generator, so the cases above keep their random numbers.
lrng = np.random.default_rng(20250107)
linalg_cases = []


def normal(shape, dtype=np.float64):
    return lrng.standard_normal(shape).astype(dtype)


def kappa(a):
    """2-norm condition number of the worst matrix of a batch (nonzero singular values only)."""
    s = np.linalg.svd(np.asarray(a, np.float64), compute_uv=False).reshape(-1, min(a.shape[-2:]))
    worst = 1.0
    for row in s:
        kept = row[row > row[0] * max(a.shape[-2:]) * np.finfo(np.float64).eps]
        worst = max(worst, kept[0] / kept[-1]) if len(kept) else worst
    return worst


def spd(n, batch=(), dtype=np.float64):
    m = normal(batch + (n, n))
    return (m @ np.swapaxes(m, -1, -2) + n * np.eye(n)).astype(dtype)


def hilbert(n, dtype=np.float64):
    i = np.arange(n)
    return (1.0 / (i[:, None] + i[None, :] + 1)).astype(dtype)


def linalg_case(name, op, arg, inputs, outputs, sensitivity=1.0):
    name = name.replace("-", "neg").replace(".", "p")  # plain file names: ord-inf, ord0.5
    outputs = [np.asarray(o) for o in outputs]
    if not isinstance(sensitivity, (list, tuple)):
        sensitivity = [sensitivity] * len(outputs)
    linalg_cases.append((name, op, arg, inputs, outputs, sensitivity))


def eigen_gap_sensitivity(a, values):
    """||A|| / (smallest gap between eigen- or singular values): how eigenvectors move."""
    gaps = np.diff(np.sort(values, axis=-1), axis=-1)
    return float(np.max(np.linalg.norm(np.asarray(a, np.float64), 2, axis=(-2, -1))) / gaps.min())


# Matrices used by several ops.
a4 = normal((4, 4))
a4_f32 = normal((4, 4), np.float32)
a_batch = normal((2, 3, 3))
a_int = np.array([[2, -1, 0], [1, 3, 1], [0, 2, 4]], np.int32)
# Exactly singular: a zero row stays zero through elimination, so det is exactly 0. (Duplicate
# rows are not enough: NumPy's det of such a matrix came out as 1.8e-16, rounding noise that
# another LU need not reproduce.)
a_singular = normal((3, 3))
a_singular[1] = 0.0
hilbert8 = hilbert(8)
huge = 1e20 * normal((20, 20))  # det overflows float64; slogdet does not

# det / slogdet: relative error of det ~ n * kappa * eps (d det = det * trace(A^-1 dA)).
for name, a in [("f64", a4), ("f32", a4_f32), ("batch", a_batch), ("int32", a_int),
                ("singular", a_singular), ("hilbert8", hilbert8), ("overflow", huge)]:
    n = a.shape[-1]
    sens = n * kappa(a) if name != "singular" else 1.0
    with np.errstate(over="ignore"):
        linalg_case(f"det_{name}", "det", "-", [a], [np.linalg.det(a)], sens)
    sign, logabsdet = np.linalg.slogdet(a)
    linalg_case(f"slogdet_{name}", "slogdet", "-", [a], [sign, logabsdet], [1.0, sens])

# inv and solve: normwise relative error ~ kappa * eps.
for name, a in [("f64", a4), ("f32", a4_f32), ("batch", a_batch), ("int32", a_int),
                ("hilbert8", hilbert8)]:
    linalg_case(f"inv_{name}", "inv", "-", [a], [np.linalg.inv(a)], kappa(a))
solves = [
    ("matrix", a4, normal((4, 2))),
    ("vector", a4, normal((4,))),
    ("f32", a4_f32, normal((4, 3), np.float32)),
    ("batch_matrix", a_batch, normal((2, 3, 2))),
    ("batch_vector", a_batch, normal((2, 3))),  # b has one dimension fewer than A: vectors
    ("broadcast", normal((2, 1, 3, 3)), normal((1, 4, 3, 2))),
    ("broadcast_a", a4[:3, :3], normal((2, 3, 2))),  # one A for a batch of B
    ("int32", a_int, np.array([1, 2, 3], np.int32)),
    ("hilbert8", hilbert8, hilbert8 @ np.ones(8)),
    ("hilbert4_f32", hilbert(4, np.float32), np.ones((4, 1), np.float32)),
]
for name, a, b in solves:
    linalg_case(f"solve_{name}", "solve", "-", [a, b], [np.linalg.solve(a, b)], kappa(a))

# lstsq (NumPy: 2-D A only): min ||A x - b|| (min-norm x when rank-deficient or wide).
# Sensitivity: kappa^2 for overdetermined systems with a residual, kappa otherwise.
tall, wide = normal((6, 4)), normal((3, 5))
deficient = normal((5, 4))
deficient[:, 2] = 2 * deficient[:, 1]  # exact (x2 is exact): rank 2
deficient[:, 3] = deficient[:, 0]
lstsqs = [
    ("tall_matrix", tall, normal((6, 2)), None),
    ("tall_vector", tall, normal((6,)), None),
    ("tall_f32", tall.astype(np.float32), normal((6, 2), np.float32), None),
    ("wide", wide, normal((3,)), None),
    ("rank_deficient", deficient, normal((5, 2)), None),
    ("rank_deficient_rcond", deficient, normal((5,)), 1e-10),
    ("int32", a_int, np.array([1, 0, 2], np.int32), None),
]
for name, a, b, rcond in lstsqs:
    m, n = a.shape
    cutoff = rcond if rcond is not None else np.finfo(np.result_type(a, 1.0)).eps * max(m, n)
    x, residuals, rank, sv = np.linalg.lstsq(a, b, rcond=cutoff)
    rank = np.int64(rank)  # NumPy 1.x: LAPACK's int32; nabla's rank is int64 (as matrix_rank)
    arg = "-" if rcond is None else f"rcond={rcond!r}"
    sens = kappa(a) ** 2 if m > n else kappa(a)
    linalg_case(f"lstsq_{name}", "lstsq", arg, [a, b], [x, residuals, rank, sv],
                [sens, sens, 1.0, 1.0])

# pinv: nabla's default cutoff is NumPy 2's rtol = eps * max(m, n) (NumPy 1.x: rcond=1e-15), so
# the default cases pass that cutoff to NumPy explicitly.
for name, a, rtol in [("tall", normal((5, 3)), None), ("wide", wide, None),
                      ("rank_deficient", deficient, None), ("batch", normal((2, 3, 4)), None),
                      ("f32", normal((4, 3), np.float32), None), ("rtol", deficient, 1e-8)]:
    cutoff = rtol if rtol is not None else np.finfo(a.dtype).eps * max(a.shape[-2:])
    arg = "-" if rtol is None else f"rtol={rtol!r}"
    linalg_case(f"pinv_{name}", "pinv", arg, [a], [np.linalg.pinv(a, rcond=cutoff)], kappa(a))

# matrix_rank (int64, exact).
rank_batch = np.stack([normal((4, 4)), np.outer(normal(4), normal(4)), np.zeros((4, 4))])
rank_cases = [("full", a4, None), ("deficient", deficient, None), ("batch", rank_batch, None),
              ("f32", deficient.astype(np.float32), None),
              ("tol", np.diag([1.0, 1e-3, 1e-9]), 1e-6),
              ("vector", normal((5,)), None), ("zero_vector", np.zeros(3), None)]
for name, a, tol in rank_cases:
    arg = "-" if tol is None else f"tol={tol!r}"
    linalg_case(f"matrix_rank_{name}", "matrix_rank", arg, [a],
                [np.asarray(np.linalg.matrix_rank(a, tol), np.int64)])

# norm: arg keys ord (a number, inf, -inf, fro, nuc; absent: the default), axes, keepdims.
v5, m34 = normal((5,)), normal((3, 4))
m34[1, 2] = 0.0  # ord 0 counts non-zeros
v5[3] = 0.0
x234 = normal((2, 3, 4))
norm_cases = [("vector_default", v5, None, None, False)]
norm_cases += [(f"vector_ord_{o}", v5, o, None, False)
               for o in [1, 2, 3, 0.5, 0, -1, np.inf, -np.inf]]
norm_cases += [("matrix_default", m34, None, None, False)]
norm_cases += [(f"matrix_ord_{o}", m34, o, None, False)
               for o in ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]]
norm_cases += [
    ("axis1_keepdims", m34, 1, (1,), True),
    ("axis0_ord3", m34, 3, (0,), False),
    ("3d_default", x234, None, None, False),
    ("3d_axes12_fro", x234, "fro", (1, 2), False),
    ("3d_axes12_ord2_keepdims", x234, 2, (1, 2), True),
    ("3d_axes20_ord1", x234, 1, (2, 0), False),
    ("3d_axes_neg_nuc", x234, "nuc", (-1, -3), True),
    ("f32_matrix_ord2", m34.astype(np.float32), 2, None, False),
    ("f32_vector_ord1", v5.astype(np.float32), 1, None, False),
    ("int32_vector", np.array([3, -4, 0], np.int32), None, None, False),
]
for name, x, ord_, axes, keepdims in norm_cases:
    fields = []
    if ord_ is not None:
        fields.append(f"ord={ord_}")
    if axes is not None:
        fields.append("axes=" + ",".join(str(a) for a in axes))
    if keepdims:
        fields.append("keepdims=1")
    with np.errstate(divide="ignore"):  # negative ords of vectors with zeros: 1 / 0
        want = np.linalg.norm(x, ord_, axes, keepdims)
    # The smallest singular value (ord -2) carries error eps * s_max: relative, that is kappa.
    sens = kappa(np.moveaxis(x, axes, (-2, -1)) if axes else x) if ord_ == -2 else 1.0
    linalg_case(f"norm_{name}", "norm", ";".join(fields) or "-", [x], [want], sens)

# cond: relative error ~ kappa (through s_min or through inv).
cond_cases = [(f"ord_{o}", a4, o) for o in [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"]]
cond_cases += [("batch", a_batch, None), ("f32", a4_f32, None), ("hilbert8", hilbert8, None),
               ("hilbert8_ord1", hilbert8, 1)]
for name, a, ord_ in cond_cases:
    arg = "-" if ord_ is None else f"ord={ord_}"
    linalg_case(f"cond_{name}", "cond", arg, [a], [np.linalg.cond(a, ord_)], kappa(a))

# matrix_power: products lose n * eps * |A|^p relative to A^p; negative powers go through inv.
for name, a, p in [("p3", a4, 3), ("p1", a4, 1), ("p0", a4, 0), ("p5_batch", a_batch, 5),
                   ("neg2", a4, -2), ("f32_p3", a4_f32, 3), ("int32_p3", a_int, 3),
                   ("int32_p0", a_int, 0), ("int32_neg1", a_int, -1)]:
    want = np.linalg.matrix_power(a, p)
    if p > 0:
        abs_power = np.linalg.matrix_power(np.abs(a.astype(np.float64)), p)
        sens = a.shape[-1] * p * float(np.max(abs_power) / np.max(np.abs(want)))
    else:
        sens = abs(p) * kappa(a) if p < 0 else 1.0
    linalg_case(f"matrix_power_{name}", "matrix_power", f"n={p}", [a], [want], sens)

# cross (NumPy's axis = axisa = axisb = axisc).
for name, a, b, axis in [("vectors", normal((3,)), normal((3,)), -1),
                         ("broadcast", normal((4, 3)), normal((3,)), -1),
                         ("axis0", normal((3, 4)), normal((3, 4)), 0),
                         ("batch_broadcast", normal((2, 1, 3)), normal((5, 3)), -1),
                         ("f32", normal((2, 3), np.float32), normal((2, 3), np.float32), 1),
                         ("int32", np.array([1, 2, 3], np.int32), np.array([4, -5, 6], np.int32),
                          -1)]:
    linalg_case(f"cross_{name}", "cross", f"axis={axis}", [a, b],
                [np.cross(a, b, axisa=axis, axisb=axis, axisc=axis)])

# trace / diagonal over the last two axes (NumPy's defaults are the first two).
m45 = normal((4, 5))
for name, x, k in [("square", a4, 0), ("offset1", m45, 1), ("offset_neg2", m45, -2),
                   ("batch", a_batch, 0), ("int32", a_int, 0), ("offset_out", m45, 7)]:
    linalg_case(f"trace_{name}", "trace", f"k={k}", [x],
                [np.trace(x, k, axis1=-2, axis2=-1)])
    linalg_case(f"diagonal_{name}", "diagonal", f"k={k}", [x],
                [np.diagonal(x, k, axis1=-2, axis2=-1)])
for name, x, k in [("vector", normal((3,)), 0), ("vector_k2", normal((3,)), 2),
                   ("vector_kneg1", normal((3,)), -1), ("matrix", m45, 0), ("matrix_k1", m45, 1),
                   ("matrix_kneg3", m45, -3)]:
    linalg_case(f"diag_{name}", "diag", f"k={k}", [x], [np.diag(x, k)])
for op in ["triu", "tril"]:
    f = getattr(np, op)
    for name, x, k in [("square", a4, 0), ("wide_k1", m45, 1), ("wide_kneg2", m45, -2),
                       ("batch", normal((2, 3, 4)), 0), ("int32", a_int, -1),
                       ("bool", normal((3, 3)) > 0, 1), ("k_beyond", m45, 9)]:
        linalg_case(f"{op}_{name}", op, f"k={k}", [x], [f(x, k)])

# cholesky: lower L (NumPy) and upper U = L^T.
s4 = spd(4)
for name, a, upper in [("lower", s4, False), ("upper", s4, True), ("batch", spd(3, (2,)), False),
                       ("f32", spd(4, dtype=np.float32), False), ("hilbert8", hilbert8, False)]:
    lower = np.linalg.cholesky(a)
    linalg_case(f"cholesky_{name}", "cholesky", f"upper={int(upper)}", [a],
                [np.swapaxes(lower, -1, -2) if upper else lower], kappa(a))

# qr: compared directly (nabla and NumPy both call LAPACK's Householder geqrf + orgqr, whose sign
# convention is fixed), Q and R each with sensitivity kappa.
tall53, wide35 = normal((5, 3)), normal((3, 5))
for name, a, mode in [("tall_reduced", tall53, "reduced"), ("tall_complete", tall53, "complete"),
                      ("tall_r", tall53, "r"), ("wide_reduced", wide35, "reduced"),
                      ("wide_complete", wide35, "complete"), ("square", a4, "reduced"),
                      ("batch", normal((2, 4, 3)), "reduced"), ("f32", a4_f32, "reduced")]:
    outs = np.linalg.qr(a, mode)
    outs = [outs] if mode == "r" else list(outs)
    linalg_case(f"qr_{name}", "qr", f"mode={mode}", [a], outs, kappa(a))

# eigh / eigvalsh: eigenvalues to eps * ||A|| (sensitivity 1 relative to max |w|), eigenvectors
# up to sign, sensitivity ||A|| / (smallest eigenvalue gap).
unsym = normal((4, 4))  # not symmetric: eigh must read only the requested triangle
for name, a, uplo in [("sym", spd(4) - 4 * np.eye(4), "L"), ("lower_only", unsym, "L"),
                      ("upper_only", unsym, "U"), ("batch", spd(3, (2,)), "L"),
                      ("f32", (a4_f32 + a4_f32.T) / 2, "L")]:
    w, v = np.linalg.eigh(a, uplo)
    linalg_case(f"eigh_{name}", "eigh", f"uplo={uplo}", [a], [w, v],
                [1.0, eigen_gap_sensitivity(a, w)])
    if name in ("sym", "upper_only", "batch"):
        linalg_case(f"eigvalsh_{name}", "eigvalsh", f"uplo={uplo}", [a],
                    [np.linalg.eigvalsh(a, uplo)])

# svd / svdvals: singular values to eps * s_max, vectors up to a sign shared by U[:, j] and
# Vh[j, :] (full_matrices: only the first min(m, n) are determined).
for name, a, full in [("tall_full", tall53, True), ("tall_reduced", tall53, False),
                      ("wide_full", wide35, True), ("square", a4, False),
                      ("batch", normal((2, 4, 3)), False), ("f32", a4_f32, False)]:
    u, s, vh = np.linalg.svd(a, full)
    sens = eigen_gap_sensitivity(a, np.concatenate([s, np.zeros(s.shape[:-1] + (1,))], -1)
                                 if a.shape[-1] != a.shape[-2] else s)
    linalg_case(f"svd_{name}", "svd", f"full_matrices={int(full)}", [a], [u, s, vh],
                [sens, 1.0, sens])
    if full or name == "batch":
        linalg_case(f"svdvals_{name}", "svdvals", "-", [a], [np.linalg.svd(a, compute_uv=False)])

# eig / eigvals: complex results (nabla always returns complex; NumPy returns real arrays when
# every eigenvalue is real, so those are stored as complex here). Eigenvalues are compared as a
# set; sensitivity kappa(V) * ||A|| / max |w| (Bauer-Fike). Eigenvectors are checked in the test
# as A V = V diag(w) and against NumPy's up to a unit complex factor.
rotations = np.zeros((4, 4))
rotations[:2, :2] = [[0.5, -2.0], [2.0, 0.5]]  # eigenvalues 0.5 +- 2i
rotations[2:, 2:] = [[-1.0, 0.7], [-0.7, -1.0]]  # -1 +- 0.7i
similar = normal((4, 4)) + 3 * np.eye(4)
complex_spectrum = similar @ rotations @ np.linalg.inv(similar)
real_spectrum = np.triu(normal((3, 3))) + np.diag([1.0, 2.0, 3.0])
for name, a in [("complex", complex_spectrum), ("real", real_spectrum),
                ("batch", normal((2, 3, 3))), ("f32", complex_spectrum.astype(np.float32))]:
    w, v = np.linalg.eig(a)
    ctype = np.complex64 if a.dtype == np.float32 else np.complex128
    w, v = w.astype(ctype), v.astype(ctype)
    a64 = a.astype(np.float64)
    sens = float(np.max(np.linalg.cond(np.linalg.eig(a64)[1]) *
                        np.linalg.norm(a64, 2, axis=(-2, -1)) / np.max(np.abs(w), axis=-1)))
    linalg_case(f"eig_{name}", "eig", "-", [a], [w, v], [sens, sens])
    linalg_case(f"eigvals_{name}", "eigvals", "-", [a], [np.linalg.eigvals(a).astype(ctype)], sens)

for stale in os.listdir(HERE):
    if stale.startswith("linalg_") and stale.endswith(".npy"):
        os.remove(os.path.join(HERE, stale))
with open(os.path.join(HERE, "linalg_cases.txt"), "w") as manifest:
    for name, op, arg, inputs, outputs, sensitivity in linalg_cases:
        for i, x_in in enumerate(inputs):
            np.save(os.path.join(HERE, f"linalg_{name}_in{i}.npy"), x_in)
        for j, out in enumerate(outputs):
            np.save(os.path.join(HERE, f"linalg_{name}_out{j}.npy"), out)
        sens = ",".join(f"{s:.3g}" for s in sensitivity)
        manifest.write(f"{name}\t{op}\t{arg}\t{len(inputs)}\t{len(outputs)}\t{sens}\n")
