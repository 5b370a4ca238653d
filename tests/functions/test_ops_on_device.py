"""The ops whose own test files do not use ``testing.FunctionTestCase``, on
NumPy and on CuPy, from one table (convolution_2d and deconvolution_2d,
with stride, pad, dilate and groups, are on FunctionTestCase with CuPy
already, so they are not here).

Each ``Case`` names an op call with fixed arguments (``fn``), a maker of
NumPy inputs with a fixed seed (``make`` -> the differentiable float64
arrays and the constant ones: labels, indices, masks, samples), the
tolerances and whether the double backward is checked.  For every case and
each device in ``cpu`` / ``gpu`` (``gpu`` marked ``pytest.mark.gpu``:
skipped without CuPy and a CUDA device) the tests check that

- the forward on the device equals the forward on NumPy, and its arrays are
  the device's arrays (``numpy.ndarray`` / ``cupy.ndarray``), from float64
  inputs and from float32 ones (against the float64 NumPy results);
- the first-order gradients on the device equal NumPy's (float64, float32);
- strided (non-contiguous) inputs give the same forward and gradients;
- ``gradient_check.check_backward`` passes on the device's float64 arrays;
- ``gradient_check.check_double_backward`` passes where it applies (not for
  ctc, forget and decorrelated_batch_normalization, which have none, as in
  Chainer; nor for the forward-only metrics and rounding functions).

The device path is the CPU path with the inputs sent by ``to_device``
(``cupy.asarray`` for ``gpu``); nothing else differs.  Random ops get their
noise as arguments (rrelu's ``r``, simplified_dropconnect's ``mask``,
negative_sampling's samples, black_out's samples), so both devices see the
same noise.  zoneout and gumbel_softmax draw inside the op from the array
module's RNG (``xp.random``), so zoneout's ratios 0 and 1 (a deterministic
mask) are compared across devices, and a ratio in between (and
gumbel_softmax) is checked per device with that device's RNG seeded on
every call (``same_as_cpu=False``).

Run the GPU half on a CUDA machine with
``python -m pytest tests/functions/test_ops_on_device.py -m gpu -n 16 -q -p no:cacheprovider``.

Read for CuPy before the first GPU run of this file (no failure expected
from it): every ``xp.<name>`` used in fastgrad exists in CuPy's namespace;
NumPy functions called on arrays that may live on the device (deformable
sampler's ``numpy.clip``, n_step_rnn's ``numpy.tanh(x, out=x)``,
``numpy.result_type`` in einsum and sparse_matmul) go through CuPy's
``__array_function__`` / ``__array_ufunc__``; NumPy index arrays used on
device arrays are converted by CuPy's indexing; ``numpy.add.at`` is only
reached on NumPy (``cupyx.scatter_add`` otherwise).  The RoI family, ctc,
crf1d, embed_id, negative_sampling, black_out, as_strided, CooMatrix and
the metrics read indices or labels on the host (``int()``, ``to_cpu``: a
device sync, not an error); resize_images, transpose_sequence and the
poolings' window counts build their plans on the host from shapes only.
Differences worth knowing, not covered here: on CuPy, as_strided of a view
reads the view made contiguous, while on NumPy (and in Chainer) it reads
the memory of the array owning the data (Chainer on CuPy: its allocation);
a host ``r`` (rrelu), ``mask`` (simplified_dropconnect), ``indexes``
(upsampling_2d) or running statistics (batch_normalization,
batch_renormalization) beside device inputs fails inside NumPy or CuPy, not
with ``checks.same_device``'s error naming the function and the array.
"""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import gradient_check, utils

DEVICES = ['cpu', pytest.param('gpu', marks=pytest.mark.gpu)]


def to_device(arrays, device):
    """The NumPy ``arrays`` (a list; None entries kept) on ``device``."""
    if device == 'cpu':
        return [None if a is None else numpy.array(a, copy=True) for a in arrays]
    import cupy
    return [None if a is None else cupy.asarray(a) for a in arrays]


def _array_type(device):
    if device == 'cpu':
        return numpy.ndarray
    import cupy
    return cupy.ndarray


def _host(a):
    return a if isinstance(a, numpy.ndarray) else a.get()


class Case(object):
    """One op call.  ``fn(*xs, *consts)`` returns a Variable or a (possibly
    nested) tuple/list of them; ``make(rng)`` returns ``(xs, consts)``."""

    def __init__(self, id, fn, make, grad=True, double=True, fwd=None, bwd=None,
                 dbl=None, same_as_cpu=True, seed=0):
        self.id, self.fn, self.make = id, fn, make
        self.grad, self.double, self.same_as_cpu = grad, double and grad, same_as_cpu
        self.fwd = fwd or {}
        self.bwd = bwd or {}
        self.dbl = dbl or self.bwd
        self.seed = seed

    def inputs(self):
        xs, consts = self.make(numpy.random.RandomState(self.seed))
        return list(xs), list(consts)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return tuple(o for item in out for o in _flat(item))
    return (out,)


def _raw(o):
    return o.array if isinstance(o, fastgrad.Variable) else o


def _run(case, xs, consts, gys=None):
    """Forward (and backward with ``gys``) of ``case`` on the given arrays:
    the output arrays and the input gradients."""
    vs = [fastgrad.Variable(x) for x in xs]
    outs = _flat(case.fn(*vs, *consts))
    grads = []
    if gys is not None:
        pairs = [(o, g) for o, g in zip(outs, gys) if g is not None]
        fastgrad.backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = [v.grad for v in vs]
    return [_raw(o) for o in outs], grads


def _upstream(case, seed=1):
    """Fixed NumPy upstream gradients (None for a non-float output) and
    second-order ones for the float inputs."""
    xs, consts = case.inputs()
    outs, _ = _run(case, xs, consts)
    rng = numpy.random.RandomState(seed)
    gys = [rng.standard_normal(o.shape).astype(o.dtype) if o.dtype.kind == 'f' else None
           for o in outs]
    ggxs = [rng.standard_normal(x.shape).astype(x.dtype) for x in xs]
    return gys, ggxs


def _func(case, consts):
    def f(*vs):
        outs = _flat(case.fn(*vs, *consts))
        return outs[0] if len(outs) == 1 else outs
    return f


def _tol(dtype, given):
    tol = dict(atol=1e-12, rtol=1e-10) if dtype == numpy.float64 else dict(atol=1e-5, rtol=1e-5)
    tol.update(given)
    return tol


# -- input makers ---------------------------------------------------------------------------

def _distinct(rng, *shape):
    """Float64 values with no ties (max ops have a unique winner) and gaps of
    at least 1 / size (numerical differences do not reorder them)."""
    n = int(numpy.prod(shape))
    return rng.permutation(n).reshape(shape) / n - 0.5


def _away(rng, *shape):
    """Uniform in [-1, 1] but at least 0.1 from 0 (kinks at 0)."""
    x = rng.uniform(0.1, 1, shape)
    return x * rng.choice([-1, 1], shape)


def _n(*shapes):
    return lambda r: ([r.standard_normal(s) for s in shapes], [])


def _spd(rng, n):
    a = rng.standard_normal((n, n))
    return a @ a.T + n * numpy.eye(n)


def _conv_nd():
    return _n((2, 4, 5, 6, 3), (6, 2, 2, 3, 2), (6,))


def _deformable(r):
    n, c, h, w, kh, kw, sy, sx, p = 2, 2, 5, 4, 2, 3, 1, 2, 1
    oh, ow = (h + 2 * p - kh) // sy + 1, (w + 2 * p - kw) // sx + 1
    # offsets away from integers: the sampling is bilinear, with kinks there
    off = r.uniform(0.1, 0.9, (n, 2 * kh * kw, oh, ow)) * r.choice([-1, 1], (n, 2 * kh * kw,
                                                                            oh, ow))
    return [r.standard_normal((n, c, h, w)), off, r.standard_normal((3, c, kh, kw)),
            r.standard_normal(3)], []


def _crf(r):
    lengths, k = (3, 2, 2, 1), 3
    xs = [r.standard_normal((sum(n > t for n in lengths), k)) for t in range(lengths[0])]
    ys = [r.randint(0, k, len(x)).astype(numpy.int32) for x in xs]
    return [r.standard_normal((k, k))] + xs, ys


def _crf_fn(cost, *rest):
    n = len(rest) // 2
    return F.crf1d(cost, list(rest[:n]), list(rest[n:]), reduce='no')


def _argmax_crf_fn(cost, *xs):
    score, path = F.argmax_crf1d(cost, list(xs))
    return (score,) + tuple(path)


def _ctc(r):
    T, V = 5, 4
    return ([r.standard_normal((3, V)) for _ in range(T)],
            [numpy.array([[1, 2], [3, 3], [2, 1]], numpy.int32),
             numpy.array([T, T - 1, 3], numpy.int32), numpy.array([2, 2, 1], numpy.int32)])


def _ctc_fn(*args):
    xs, (t, il, ll) = args[:-3], args[-3:]
    return F.connectionist_temporal_classification(list(xs), t, 0, il, ll, reduce='no')


def _discriminative(r):
    emb = r.standard_normal((2, 3, 4, 4))
    labels = r.randint(0, 3, (2, 4, 4)).astype(numpy.int32)
    return [emb], [labels]


def _discriminative_fn(e, labels):
    var, dist, reg = F.discriminative_margin_based_clustering_loss(
        e, labels, 0.2, 1.5, 3, norm=2, gamma=0.5)
    return var, dist, reg


def _ns(r, n=4, d=3, v=6, s=3):
    x, W = r.uniform(-1, 1, (n, d)), r.uniform(-1, 1, (v, d))
    t = r.randint(0, v, n).astype(numpy.int32)
    t[1] = -1                                   # an ignored example
    samples = r.randint(0, v, (n, s + 1)).astype(numpy.int32)
    return [x, W], [t, samples]


def _ns_fn(x, W, t, samples):
    return F.negative_sampling(x, t, W, lambda shape: samples, samples.shape[1] - 1,
                               reduce='no')


def _bo(r):
    (x, W), (t, samples) = _ns(r)
    return [x, W], [numpy.abs(t), samples[:, 1:].copy()]


def _hsm_fn(x, W, t):
    link = L.BinaryHierarchicalSoftmax(3, ((0, 1), ((2, 3), 4)), dtype=W.dtype)
    if not isinstance(W, numpy.ndarray):
        link.to_device(fastgrad.backend.get_device_from_array(W))
    link.W.array = W
    return link(x, t)


def _hsm(r):
    return [r.standard_normal((4, 3))], [r.standard_normal((4, 3)),
                                         numpy.array([0, 4, 2, 3], numpy.int32)]


def _coo(r, batch=()):
    dense = r.standard_normal(batch + (4, 5)) * (r.rand(*(batch + (4, 5))) < 0.5)
    coo = utils.to_coo(dense, ldnz=14)           # with padding entries
    return [coo.data.array.copy(), r.standard_normal(batch + (5, 3))], [coo.row, coo.col]


def _sparse_fn(d, b, row, col):
    xp = fastgrad.backend.get_array_module(row)
    c = utils.CooMatrix(xp.zeros(d.shape, d.dtype), row, col, (4, 5))
    c.data = d
    return F.sparse_matmul(c, b)


def _rnn_inputs(r, n_w, cell, bi, n_layers=1, batches=(3, 2, 1), in_size=2, n=3):
    dirs = 2 if bi else 1
    hx = r.uniform(-1, 1, (n_layers * dirs, batches[0], n))
    states = [hx] + ([r.uniform(-1, 1, hx.shape)] if cell else [])
    xs = [r.uniform(-1, 1, (b, in_size)) for b in batches]
    params = []
    for layer in range(n_layers * dirs):
        w_in = in_size if layer < dirs else n * dirs
        params += [r.uniform(-1, 1, (n, w_in if j < n_w // 2 else n)) for j in range(n_w)]
        params += [r.uniform(-1, 1, n) for _ in range(n_w)]
    return states + xs + params


def _rnn(fn, n_w, cell, bi, n_layers=1, batches=(3, 2, 1), **kw):
    n_states, n_x = (2 if cell else 1), len(batches)

    def call(*a):
        states, xs, rest = a[:n_states], list(a[n_states:n_states + n_x]), a[n_states + n_x:]
        ws = [list(rest[i:i + n_w]) for i in range(0, len(rest), 2 * n_w)]
        bs = [list(rest[i + n_w:i + 2 * n_w]) for i in range(0, len(rest), 2 * n_w)]
        return fn(n_layers, 0.0, *states, ws, bs, xs, **kw)

    def make(r):
        return _rnn_inputs(r, n_w, cell, bi, n_layers, batches), []
    return call, make


def _pooled_indices(r):
    x = _distinct(r, 2, 3, 5, 7)
    y, idx = F.max_pooling_2d(x, 2, 2, 0, True, return_indices=True)
    return [r.standard_normal(y.shape)], [idx]


def _roi(r):
    rois = numpy.array([[0.5, 1.0, 7.0, 6.0], [2.0, 0.0, 8.0, 7.0], [1.0, 1.5, 3.0, 2.5]])
    return [_distinct(r, 2, 3, 9, 8)], [rois, numpy.array([0, 1, 1], numpy.int32)]


def _roi5(r):
    (x,), (rois, idx) = _roi(r)
    return [x], [numpy.concatenate([idx[:, None].astype(x.dtype), rois[:, [1, 0, 3, 2]]], 1)]


def _bn(shape=(5, 3, 2), c=3):
    def make(r):
        return [r.standard_normal(shape), r.uniform(0.5, 1.5, c), r.standard_normal(c)], []
    return make


def _well_conditioned(r, shape, g):
    """Group covariances with well separated eigenvalues (eigh's gradient
    divides by their differences)."""
    C = shape[1] // g
    m = shape[0] * int(numpy.prod(shape[2:]))
    a = r.uniform(-1, 1, (g, C, m))
    a -= a.mean(axis=2, keepdims=True)
    u, s, vh = numpy.linalg.svd(a, full_matrices=False)
    a = u @ (numpy.linspace(1, 3, C)[:, None] * vh) * numpy.sqrt(m)
    x = a.reshape(g * C, shape[0], -1).transpose(1, 0, 2).reshape(shape)
    return x + r.uniform(-1, 1, (1, shape[1]) + (1,) * (len(shape) - 2))


def _renorm(r):
    x, g, b = _bn((4, 3, 2))(r)[0]
    # r and d clipped (|d| far above dmax): constants, so the gradient is exact
    return [x, g, b], [numpy.array([1e3, -1e3, 1e3]), numpy.full(3, 1e4)]


SPECIAL = [('erf', F.erf, (-2, 2)), ('erfc', F.erfc, (-2, 2)), ('erfcx', F.erfcx, (-2, 3)),
           ('erfinv', F.erfinv, (-0.9, 0.9)), ('erfcinv', F.erfcinv, (0.1, 1.9)),
           ('ndtr', F.ndtr, (-3, 3)), ('ndtri', F.ndtri, (0.05, 0.95)),
           ('log_ndtr', F.log_ndtr, (-6, 3)), ('lgamma', F.lgamma, (0.3, 5)),
           ('digamma', F.digamma, (0.3, 5)), ('polygamma', lambda x: F.polygamma(2, x), (0.5, 4)),
           ('zeta', lambda q: F.zeta(3.0, q), (0.5, 4))]


def _uniform(lo, hi, shape=(3, 4)):
    return lambda r: ([r.uniform(lo, hi, shape)], [])


# -- the table ------------------------------------------------------------------------------

CASES = [
    # connection
    Case('convolution_nd', lambda x, W, b: F.convolution_nd(x, W, b, (2, 1, 1), (1, 0, 1),
                                                            dilate=(1, 2, 1), groups=2),
         _conv_nd()),
    Case('deconvolution_nd', lambda x, W, b: F.deconvolution_nd(x, W, b, (2, 1, 2), (1, 0, 1),
                                                                dilate=(1, 1, 2), groups=2),
         _n((2, 4, 3, 3, 2), (4, 3, 2, 2, 3), (6,))),
    Case('convolution_1d', lambda x, W, b: F.convolution_1d(x, W, b, 2, 1),
         _n((2, 3, 7), (4, 3, 3), (4,))),
    Case('deconvolution_3d', lambda x, W: F.deconvolution_3d(x, W, None, 2, 1),
         _n((1, 2, 2, 3, 2), (2, 3, 3, 2, 2))),
    Case('depthwise_convolution_2d',
         lambda x, W, b: F.depthwise_convolution_2d(x, W, b, stride=2, pad=1),
         _n((2, 3, 5, 4), (2, 3, 2, 3), (6,))),
    Case('dilated_convolution_2d',
         lambda x, W, b: F.dilated_convolution_2d(x, W, b, stride=(1, 2), pad=2, dilate=2),
         _n((1, 2, 5, 6), (3, 2, 2, 2), (3,))),
    Case('im2col', lambda x: F.im2col(x, 2, stride=(2, 1), pad=1, dilate=(1, 2)),
         _n((2, 2, 5, 4))),
    Case('local_convolution_2d', lambda x, W, b: F.local_convolution_2d(x, W, b, stride=(2, 3)),
         _n((2, 3, 7, 6), (4, 3, 2, 3, 3, 2), (4, 3, 2))),
    Case('deformable_convolution_2d_sampler',
         lambda x, off, W, b: F.deformable_convolution_2d_sampler(x, off, W, b, (1, 2), 1),
         _deformable),
    Case('shift', lambda x: F.shift(x, 3, (1, 2)), _n((2, 10, 4, 5))),
    Case('bilinear', F.bilinear, _n((4, 3), (4, 2), (3, 2, 5), (3, 5), (2, 5), (5,))),
    Case('embed_id', lambda W, t: F.embed_id(t, W, ignore_label=2),
         lambda r: ([r.standard_normal((5, 3))], [numpy.array([[3, 0, 2], [1, 2, 4]],
                                                              numpy.int32)])),
    # activation
    Case('maxout', lambda x: F.maxout(x, 3, axis=1), lambda r: ([_distinct(r, 2, 6, 3)], [])),
    Case('rrelu', lambda x, r: F.rrelu(x, r=r),
         lambda r: ([_away(r, 3, 4)], [r.uniform(1 / 8, 1 / 3, (3, 4))])),
    # array
    Case('cast', lambda x: F.cast(x * x, numpy.float32), _n((3, 4)),
         bwd=dict(atol=1e-4, rtol=1e-3)),
    Case('resize_images_bilinear',
         lambda x: F.resize_images(x, (7, 3), mode='bilinear', align_corners=False),
         _n((2, 2, 4, 5)), bwd=dict(eps=1e-4, atol=1e-9, rtol=1e-7)),
    Case('resize_images_nearest', lambda x: F.resize_images(x, (3, 7), mode='nearest'),
         _n((1, 2, 4, 5))),
    Case('spatial_transformer',
         lambda x, t: F.spatial_transformer_sampler(x, F.spatial_transformer_grid(t, (3, 4))),
         lambda r: ([r.standard_normal((2, 3, 4, 5)), r.uniform(-0.7, 0.7, (2, 2, 3))], []),
         bwd=dict(eps=1e-6, atol=1e-6, rtol=1e-5)),
    Case('transpose_sequence', lambda *xs: F.transpose_sequence(xs), _n((3, 2), (2, 2), (2, 2)),
         bwd=dict(eps=1e-6, atol=1e-8)),
    Case('as_strided', lambda x: F.as_strided(x * x, (3, 2), (2, 3), 1), _n((12,))),
    Case('scatter_add', lambda a, b: F.scatter_add(a * a, ([0, 2, 0], slice(None)), b * b),
         _n((4, 3), (3, 3))),
    # evaluation (forward only)
    Case('accuracy', lambda y, t: F.accuracy(y, t, ignore_label=-1),
         lambda r: ([r.standard_normal((6, 4))], [numpy.array([0, 3, -1, 2, 1, 3], numpy.int32)]),
         grad=False),
    Case('binary_accuracy', F.binary_accuracy,
         lambda r: ([r.standard_normal((4, 3))], [r.randint(-1, 2, (4, 3)).astype(numpy.int32)]),
         grad=False),
    Case('classification_summary', lambda y, t: F.classification_summary(y, t, label_num=4),
         lambda r: ([r.standard_normal((8, 4))], [r.randint(0, 4, 8).astype(numpy.int32)]),
         grad=False),
    # loss
    Case('crf1d', _crf_fn, _crf),
    Case('argmax_crf1d', _argmax_crf_fn, lambda r: (_crf(r)[0], []), grad=False),
    Case('ctc', _ctc_fn, _ctc, double=False),
    Case('discriminative_loss', _discriminative_fn, _discriminative),
    Case('negative_sampling', _ns_fn, _ns),
    Case('black_out', lambda x, W, t, s: F.black_out(x, t, W, s, reduce='no'), _bo),
    Case('hierarchical_softmax', _hsm_fn, _hsm),
    # math
    Case('einsum', lambda a, b, c: F.einsum('ij,ik,jkl->il', a, b, c),
         _n((3, 4), (3, 5), (4, 5, 6))),
    Case('einsum_diagonal', lambda a: F.einsum('iij->ji', a), _n((3, 3, 2))),
    Case('sparse_matmul', _sparse_fn, _coo),
    Case('identity', lambda a, b: tuple(y * y for y in F.identity(a, b)), _n((4, 3), (2,))),
    Case('multi_add', lambda a, b, c, d: F.add(a, b, c, d) * F.add(a, b, c, d),
         _n((3, 2), (3, 2), (3, 2), (3, 2))),
    Case('cumprod', lambda x: F.cumprod(x, 1), _n((3, 4))),
    Case('tensordot', lambda a, b: F.tensordot(a, b, ((1, 2), (0, 1))), _n((2, 3, 4), (3, 4, 2))),
    Case('inv', F.inv, lambda r: ([_spd(r, 3)], [])),
    Case('batch_inv', F.batch_inv, lambda r: ([numpy.stack([_spd(r, 3), _spd(r, 3)])], [])),
    Case('det', F.det, lambda r: ([_spd(r, 3) / 3], [])),
    Case('batch_det', F.batch_det, lambda r: ([r.standard_normal((2, 3, 3))], [])),
    Case('cholesky', lambda a: F.cholesky((a + F.transpose(a)) * 0.5),
         lambda r: ([_spd(r, 3)], [])),
    Case('fft', lambda p, q: F.fft((p, q)), _n((2, 5), (2, 5))),
    Case('ifft', lambda p, q: F.ifft((p, q)), _n((3, 4), (3, 4))),
] + [Case(name, fn, _uniform(lo, hi)) for name, fn, (lo, hi) in SPECIAL] + [
    # noise (fixed noise given)
    Case('simplified_dropconnect',
         lambda x, W, b, mask: F.simplified_dropconnect(x, W, b, ratio=0.4, mask=mask),
         lambda r: ([r.standard_normal((4, 6)), r.standard_normal((5, 6)),
                     r.standard_normal(5)], [r.rand(4, 5, 6) > 0.4])),
    Case('zoneout_ratio0', lambda h, x: F.zoneout(h, x, 0.0), _n((4, 5), (4, 5))),
    Case('zoneout_ratio1', lambda h, x: F.zoneout(h, x, 1.0), _n((4, 5), (4, 5))),
    Case('zoneout_seeded', lambda h, x: _seeded(F.zoneout, h, x, 0.4), _n((4, 5), (4, 5)),
         same_as_cpu=False),
    # normalization
    Case('batch_normalization', lambda x, g, b: F.batch_normalization(x, g, b), _bn()),
    Case('batch_normalization_axis',
         lambda x, g, b: F.batch_normalization(x, g, b, axis=(0, 2, 3)), _bn((3, 2, 2, 3), 2)),
    Case('batch_renormalization', lambda x, g, b, rm, rv: F.batch_renormalization(
        x, g, b, 2, 0.2, running_mean=rm, running_var=rv), _renorm),
    Case('fixed_batch_normalization', F.fixed_batch_normalization,
         lambda r: ([r.standard_normal((4, 3, 2)), r.uniform(.5, 1.5, 3), r.standard_normal(3),
                     r.standard_normal(3), r.uniform(.5, 1.5, 3)], [])),
    Case('decorrelated_batch_normalization',
         lambda x: F.decorrelated_batch_normalization(x, groups=2),
         lambda r: ([_well_conditioned(r, (5, 4, 3), 2)], []), double=False,
         fwd=dict(atol=1e-9, rtol=1e-8), bwd=dict(rtol=1e-5, atol=1e-6)),
    Case('fixed_decorrelated_batch_normalization',
         lambda x, m, p: F.fixed_decorrelated_batch_normalization(x, m, p, groups=2),
         _n((5, 4, 3), (2, 2), (2, 2, 2))),
    Case('group_normalization', lambda x, g, b: F.group_normalization(x, 2, g, b),
         _bn((2, 4, 3), 4)),
    Case('layer_normalization', F.layer_normalization, _bn((4, 6), 6)),
    Case('local_response_normalization',
         lambda x: F.local_response_normalization(x, n=3, k=1, alpha=0.5, beta=0.75),
         _n((2, 5, 3, 2))),
    Case('normalize', lambda x: F.normalize(x, axis=1), _n((3, 4, 2))),
    # pooling
    Case('average_pooling_2d', lambda x: F.average_pooling_2d(x, (3, 2), (2, 3), (1, 0)),
         _n((2, 2, 6, 7))),
    Case('max_pooling_2d', lambda x: F.max_pooling_2d(x, 3, 2, 1, cover_all=True),
         lambda r: ([_distinct(r, 1, 2, 7, 6)], [])),
    Case('max_pooling_nd', lambda x: F.max_pooling_nd(x, (2, 3, 2), (2, 2, 1), (1, 0, 0),
                                                      cover_all=False),
         lambda r: ([_distinct(r, 1, 2, 5, 5, 3)], []), bwd=dict(eps=1e-4)),
    Case('average_pooling_nd', lambda x: F.average_pooling_nd(x, 2, 2, 1, pad_value=None),
         _n((1, 2, 3, 4, 3))),
    Case('max_pooling_1d', lambda x: F.max_pooling_1d(x, 3, 2),
         lambda r: ([_distinct(r, 2, 3, 7)], []), bwd=dict(eps=1e-4)),
    Case('unpooling_2d', lambda x: F.unpooling_2d(x, 3, 2, 1, outsize=(5, 4)), _n((1, 2, 3, 3))),
    Case('unpooling_nd', lambda x: F.unpooling_nd(x, 2, 2, 0, cover_all=False),
         _n((1, 2, 2, 3, 2))),
    Case('upsampling_2d', lambda x, idx: F.upsampling_2d(x, idx, 2, 2, 0, outsize=(5, 7)),
         _pooled_indices),
    Case('spatial_pyramid_pooling_2d', lambda x: F.spatial_pyramid_pooling_2d(x, 3, 'max'),
         lambda r: ([_distinct(r, 2, 2, 7, 6)], []), bwd=dict(eps=1e-4)),
    Case('roi_pooling_2d', lambda x, rois: F.roi_pooling_2d(x, rois, 2, 3, 1.0), _roi5,
         bwd=dict(eps=1e-4, atol=1e-8, rtol=1e-6)),
    Case('roi_max_pooling_2d', lambda x, rois, i: F.roi_max_pooling_2d(x, rois, i, (2, 3), 1.0),
         _roi, bwd=dict(eps=1e-4, atol=1e-8, rtol=1e-6)),
    Case('roi_average_pooling_2d',
         lambda x, rois, i: F.roi_average_pooling_2d(x, rois, i, 2, 1.0), _roi),
    Case('roi_max_align_2d', lambda x, rois, i: F.roi_max_align_2d(x, rois, i, (2, 3), 1.0),
         _roi, bwd=dict(eps=1e-4, atol=1e-8, rtol=1e-6)),
    Case('roi_average_align_2d',
         lambda x, rois, i: F.roi_average_align_2d(x, rois, i, 3, 1.0, 2), _roi),
    # rnn
    Case('lstm', F.lstm, _n((3, 2), (3, 8))),
    Case('slstm', F.slstm, _n((3, 2), (3, 2), (3, 8), (3, 8))),
    Case('tree_lstm', F.tree_lstm, _n((2, 3), (2, 3), (2, 15))),
    Case('n_step_lstm', *_rnn(F.n_step_lstm, 8, True, False),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    Case('n_step_bigru', *_rnn(F.n_step_bigru, 6, False, True, n_layers=2, batches=(2, 1)),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    Case('n_step_birnn_relu', *_rnn(F.n_step_birnn, 2, False, True, activation='relu'),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    Case('n_step_rnn_tanh', *_rnn(F.n_step_rnn, 2, False, False, n_layers=2),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    Case('n_step_bilstm', *_rnn(F.n_step_bilstm, 8, True, True, batches=(2, 2, 1)),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    Case('n_step_gru', *_rnn(F.n_step_gru, 6, False, False),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    Case('n_step_birnn_tanh', *_rnn(F.n_step_birnn, 2, False, True, batches=(2, 1)),
         bwd=dict(eps=1e-6, atol=1e-7, rtol=1e-6), dbl=dict(eps=1e-5, atol=1e-6, rtol=1e-5)),
    # util
    Case('forget', lambda a, b: F.forget(lambda p, q: (F.tanh((p + q) * p), F.exp(q) * 2), a, b),
         _n((5,), (5,)), double=False),
]

# Ops whose only other tests are the comparisons with Chainer (chainer_reference/):
# the same checks on both devices.
CASES += [
    Case('absolute_error', F.absolute_error,
         lambda r: ([r.standard_normal((3, 4)), r.standard_normal((3, 4))], [])),
    Case('squared_error', F.squared_error, _n((3, 4), (3, 4))),
    Case('squared_difference', F.squared_difference, _n((3, 4), (3, 4))),
    Case('arccos', F.arccos, _uniform(-0.8, 0.8)),
    Case('arcsin', F.arcsin, _uniform(-0.8, 0.8)),
    Case('arctan', F.arctan, _n((3, 4))),
    Case('arctanh', F.arctanh, _uniform(-0.8, 0.8)),
    Case('arctan2', F.arctan2, _n((3, 4), (3, 4))),
    Case('tan', F.tan, _uniform(-1.2, 1.2)),
    Case('cosh', F.cosh, _n((3, 4))),
    Case('sinh', F.sinh, _n((3, 4))),
    Case('bias', lambda x, y: F.bias(x, y, axis=1), _n((2, 3, 4), (3,))),
    Case('crelu', lambda x: F.crelu(x, axis=1), lambda r: ([_away(r, 2, 3, 2)], [])),
    Case('relu6', F.relu6,
         lambda r: ([r.permutation(numpy.linspace(-1.95, 7.95, 12)).reshape(3, 4)], [])),
    Case('cross_covariance', F.cross_covariance, _n((5, 3), (5, 2))),
    Case('decov', lambda h: F.decov(h, reduce='no'), _n((5, 4))),
    Case('depth2space', lambda x: F.depth2space(x, 2), _n((1, 8, 2, 3))),
    Case('space2depth', lambda x: F.space2depth(x, 2), _n((1, 2, 4, 6))),
    Case('diagonal', lambda x: F.diagonal(x * x, 1, 0, 2), _n((3, 2, 4))),
    Case('dstack', lambda a, b: F.dstack([a, b]), _n((2, 3), (2, 3))),
    Case('fliplr', lambda x: F.fliplr(x * x), _n((3, 4))),
    Case('flipud', lambda x: F.flipud(x * x), _n((3, 4))),
    Case('fmod', F.fmod, lambda r: ([r.standard_normal((3, 4)), r.uniform(0.5, 2, (3, 4))], [])),
    Case('linear_interpolate', F.linear_interpolate, _n((3, 4), (3, 4), (3, 4))),
    Case('triplet', lambda a, p, n: F.triplet(a, p, n, margin=1.0, reduce='no'),
         _n((5, 3), (5, 3), (5, 3))),
    Case('floor', F.floor, _n((3, 4)), grad=False),
    Case('ceil', F.ceil, _n((3, 4)), grad=False),
    Case('fix', F.fix, _n((3, 4)), grad=False),
    Case('r2_score', F.r2_score, _n((6, 3), (6, 3)), grad=False),
    Case('precision', lambda y, t: F.precision(y, t, label_num=3),
         lambda r: ([r.standard_normal((8, 3))], [r.randint(0, 3, 8).astype(numpy.int32)]),
         grad=False),
    Case('recall', lambda y, t: F.recall(y, t),
         lambda r: ([r.standard_normal((8, 3))], [r.randint(0, 3, 8).astype(numpy.int32)]),
         grad=False),
    Case('f1_score', lambda y, t: F.f1_score(y, t, label_num=3),
         lambda r: ([r.standard_normal((8, 3))], [r.randint(0, 3, 8).astype(numpy.int32)]),
         grad=False),
    Case('convolution_3d', lambda x, W: F.convolution_3d(x, W, None, 1, (0, 1, 0)),
         _n((1, 2, 3, 3, 2), (2, 2, 2, 2, 2))),
    Case('deconvolution_1d', lambda x, W, b: F.deconvolution_1d(x, W, b, 2, 1),
         _n((2, 3, 4), (3, 2, 3), (2,))),
    Case('average_pooling_1d', lambda x: F.average_pooling_1d(x, 3, 2, 1), _n((2, 3, 7))),
    Case('average_pooling_3d', lambda x: F.average_pooling_3d(x, 2, 1), _n((1, 2, 3, 3, 3))),
    Case('max_pooling_3d', lambda x: F.max_pooling_3d(x, 2, 1),
         lambda r: ([_distinct(r, 1, 2, 3, 3, 3)], []), bwd=dict(eps=1e-4)),
    Case('unpooling_1d', lambda x: F.unpooling_1d(x, 3, 2, 1), _n((2, 3, 4))),
    Case('unpooling_3d', lambda x: F.unpooling_3d(x, 2), _n((1, 2, 2, 2, 3))),
    Case('gumbel_softmax_seeded', lambda x: _seeded(F.gumbel_softmax, x, tau=0.5),
         _n((3, 4)), same_as_cpu=False),
]


def _seeded(op, x, *args, **kwargs):
    """``op`` with the RNG of ``x``'s array module seeded: the same noise
    on every call on one device (numerical gradients need that)."""
    fastgrad.backend.get_array_module(x).random.seed(0)
    return op(x, *args, **kwargs)


def _ids(cases):
    return [c.id for c in cases]


GRAD = [c for c in CASES if c.grad]
DOUBLE = [c for c in CASES if c.double]


def test_ids_are_unique():
    assert len(set(_ids(CASES))) == len(CASES)


def _cast(arrays, dtype):
    """The float64 arrays in ``dtype`` (others, and None, as they are)."""
    return [a.astype(dtype) if a is not None and a.dtype == numpy.float64 else a
            for a in arrays]


def _compare(case, got, want, device, dtype):
    """Device arrays ``got`` (computed from ``dtype`` inputs) against the
    float64 NumPy results ``want``."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, _array_type(device)), type(g)
        expect = dtype if dtype == numpy.float32 and w.dtype.kind == 'f' else w.dtype
        assert g.dtype == expect and g.shape == w.shape
        if case.same_as_cpu:
            # float32: measured within 2e-6 of float64 on NumPy for every case
            tol = _tol(w.dtype, case.fwd) if dtype == numpy.float64 else dict(atol=1e-4,
                                                                               rtol=1e-4)
            numpy.testing.assert_allclose(_host(g), w, **tol)


DTYPES = [numpy.float64, numpy.float32]


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('dtype', DTYPES, ids=['f64', 'f32'])
@pytest.mark.parametrize('case', CASES, ids=_ids(CASES))
def test_forward_matches_cpu(case, dtype, device):
    xs, consts = case.inputs()
    want, _ = _run(case, xs, consts)
    got, _ = _run(case, to_device(_cast(xs, dtype), device),
                  to_device(_cast(consts, dtype), device))
    _compare(case, got, want, device, dtype)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('dtype', DTYPES, ids=['f64', 'f32'])
@pytest.mark.parametrize('case', GRAD, ids=_ids(GRAD))
def test_gradients_match_cpu(case, dtype, device):
    xs, consts = case.inputs()
    gys, _ = _upstream(case)
    _, want = _run(case, xs, consts, gys)
    _, got = _run(case, to_device(_cast(xs, dtype), device),
                  to_device(_cast(consts, dtype), device), to_device(_cast(gys, dtype), device))
    _compare(case, got, want, device, dtype)


def _noncontiguous(a):
    """``a`` as a strided view (every other element of a twice as long last
    axis) on ``a``'s device."""
    if a is None or a.ndim == 0 or a.shape[-1] < 2:
        return a
    xp = fastgrad.backend.get_array_module(a)
    view = xp.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)[..., ::2]
    view[...] = a
    assert not view.flags.c_contiguous
    return view


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('case', CASES, ids=_ids(CASES))
def test_noncontiguous_inputs(case, device):
    """Strided inputs (and upstream gradients) give the same forward and
    gradients as contiguous NumPy ones."""
    xs, consts = case.inputs()
    gys = _upstream(case)[0] if case.grad else None
    want, want_g = _run(case, xs, consts, gys)
    strided = [[_noncontiguous(a) for a in to_device(arrays, device)]
               for arrays in (xs, consts, gys or [])]
    got, got_g = _run(case, strided[0], strided[1], strided[2] if case.grad else None)
    _compare(case, got + got_g, want + want_g, device, numpy.float64)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('case', GRAD, ids=_ids(GRAD))
def test_check_backward(case, device):
    xs, consts = case.inputs()
    gys, _ = _upstream(case)
    gys = to_device(gys, device)
    gradient_check.check_backward(_func(case, to_device(consts, device)),
                                  tuple(to_device(xs, device)),
                                  gys[0] if len(gys) == 1 else tuple(gys), **case.bwd)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('case', DOUBLE, ids=_ids(DOUBLE))
def test_check_double_backward(case, device):
    xs, consts = case.inputs()
    gys, ggxs = _upstream(case, seed=2)
    gys = to_device(gys, device)
    gradient_check.check_double_backward(_func(case, to_device(consts, device)),
                                         tuple(to_device(xs, device)),
                                         gys[0] if len(gys) == 1 else tuple(gys),
                                         tuple(to_device(ggxs, device)), **case.dbl)
