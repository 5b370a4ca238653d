"""F.softmax_cross_entropy: values against a float64 reference, reduce/normalize/
class_weight/ignore_label, N-D inputs, soft targets, both backward paths,
double backward and errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

TOL = {numpy.float16: 5e-3, numpy.float32: 1e-5, numpy.float64: 1e-13}


def _log_softmax(x):
    x = x.astype(numpy.float64)
    m = x.max(axis=1, keepdims=True)
    return x - m - numpy.log(numpy.exp(x - m).sum(axis=1, keepdims=True))


def _ref(x, t, normalize=True, class_weight=None, ignore_label=-1, reduce='mean'):
    log_y = _log_softmax(x)
    loss = numpy.zeros(t.shape)
    for idx in numpy.ndindex(*t.shape):
        label = int(t[idx])
        if label == ignore_label:
            continue
        w = 1.0 if class_weight is None else float(class_weight[label])
        loss[idx] = -w * log_y[(idx[0], label) + idx[1:]]
    if reduce == 'no':
        return loss
    count = int((t != ignore_label).sum()) if normalize else x.shape[0]
    return loss.sum() / max(count, 1)


def _data(shape=(5, 4), dtype=numpy.float64, seed=0, ignore=True):
    rng = numpy.random.RandomState(seed)
    x = rng.uniform(-2, 2, shape).astype(dtype)
    t_shape = (shape[0],) + shape[2:]
    t = rng.randint(0, shape[1], t_shape).astype(numpy.int32)
    if ignore and t.size > 1:
        t.reshape(-1)[1] = -1
    return x, t


OPTIONS = [{}, dict(normalize=False), dict(reduce='no'), dict(reduce='no', normalize=False),
           dict(class_weight='cw'), dict(class_weight='cw', reduce='no'),
           dict(cache_score=False), dict(enable_double_backprop=True)]
OPT_IDS = ['default', 'normalize=False', 'reduce=no', 'reduce=no,normalize=False',
           'class_weight', 'class_weight,reduce=no', 'cache_score=False', 'edb']


def _options(opts, n_classes, dtype=numpy.float64):
    opts = dict(opts)
    if opts.get('class_weight') == 'cw':
        opts['class_weight'] = numpy.random.RandomState(5).uniform(
            0.5, 2, n_classes).astype(dtype)
    return opts


def _ref_options(opts):
    return {k: v for k, v in opts.items() if k in ('normalize', 'class_weight', 'reduce')}


# -- forward ---------------------------------------------------------------------

@pytest.mark.parametrize('opts', OPTIONS, ids=OPT_IDS)
@pytest.mark.parametrize('shape', [(5, 4), (3, 4, 2, 3), (1, 1), (4, 3, 5)])
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(opts, shape, dtype):
    x, t = _data(shape, dtype)
    kw = _options(opts, shape[1], dtype)
    x0, t0 = x.copy(), t.copy()
    y = F.softmax_cross_entropy(x, t, **kw)
    expect = _ref(x, t, **_ref_options(kw))
    assert y.dtype == dtype and y.shape == numpy.shape(expect)
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, expect, rtol=TOL[dtype], atol=TOL[dtype])
    numpy.testing.assert_array_equal(x, x0)
    numpy.testing.assert_array_equal(t, t0)


def test_ignored_samples_have_zero_loss_and_custom_ignore_label():
    x, t = _data((6, 3), ignore=False)
    t[[0, 3]] = 2
    y = F.softmax_cross_entropy(x, t, reduce='no', ignore_label=2)
    assert y.array[0] == 0 and y.array[3] == 0
    numpy.testing.assert_allclose(y.array, _ref(x, t, reduce='no', ignore_label=2), rtol=1e-13)
    y = F.softmax_cross_entropy(x, t, ignore_label=2)
    numpy.testing.assert_allclose(y.array, _ref(x, t, ignore_label=2), rtol=1e-13)


def test_all_ignored():
    x = numpy.random.randn(3, 4)
    t = numpy.full(3, -1, numpy.int32)
    v = Variable(x)
    y = F.softmax_cross_entropy(v, t)
    assert y.array == 0
    y.backward()
    numpy.testing.assert_array_equal(v.grad, numpy.zeros_like(x))


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_large_logits_are_stable(dtype):
    x = numpy.array([[1000, 0, -1000], [-1000, 1000, 999], [60000, 60000, 0]]).astype(dtype)
    t = numpy.array([0, 2, 1], numpy.int32)
    with numpy.errstate(over='raise', invalid='raise'):
        y = F.softmax_cross_entropy(x, t, reduce='no')
    assert numpy.all(numpy.isfinite(y.array))
    numpy.testing.assert_allclose(y.array, _ref(x, t, reduce='no'), rtol=TOL[dtype], atol=1e-3)
    v = Variable(x)
    F.softmax_cross_entropy(v, t).backward()
    assert numpy.all(numpy.isfinite(v.grad))


@pytest.mark.parametrize('tdtype', [numpy.int8, numpy.int16, numpy.int32, numpy.int64])
def test_label_dtypes(tdtype):
    x, t = _data()
    y = F.softmax_cross_entropy(x, t.astype(tdtype))
    numpy.testing.assert_allclose(y.array, _ref(x, t), rtol=1e-13)


def test_t_as_variable_gets_no_gradient():
    x, t = _data()
    vx, vt = Variable(x), Variable(t)
    y = F.softmax_cross_entropy(vx, vt)
    y.backward()
    assert vt.grad is None
    assert vx.grad.shape == x.shape


# -- backward ----------------------------------------------------------------------

@pytest.mark.parametrize('opts', OPTIONS, ids=OPT_IDS)
@pytest.mark.parametrize('shape', [(5, 4), (3, 4, 2, 3)])
def test_backward(opts, shape):
    x, t = _data(shape)
    kw = _options(opts, shape[1])
    y_shape = () if kw.get('reduce', 'mean') == 'mean' else t.shape
    gy = numpy.asarray(numpy.random.randn(*y_shape))
    check_backward(lambda v: F.softmax_cross_entropy(v, t, **kw), x, gy)


def test_gradient_formula():
    x, t = _data((5, 4))
    cw = numpy.array([0.5, 1.0, 2.0, 1.5])
    vs = [Variable(a.copy()) for a in [x]]
    outs = [(lambda v: F.softmax_cross_entropy(v, t, class_weight=cw))(*vs)]
    fastgrad.backward(outs, [numpy.array(1.0).copy()])
    g, = [v.grad for v in vs]
    y = numpy.exp(_log_softmax(x))
    onehot = numpy.zeros_like(x)
    mask = t != -1
    onehot[numpy.arange(5)[mask], t[mask]] = 1
    w = numpy.where(mask, cw[numpy.where(mask, t, 0)], 0) / mask.sum()
    numpy.testing.assert_allclose(g, (y - onehot) * w[:, None], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize('opts', OPTIONS, ids=OPT_IDS)
@pytest.mark.parametrize('shape', [(5, 4), (3, 4, 2)])
def test_double_backward(opts, shape):
    x, t = _data(shape)
    kw = _options(opts, shape[1])
    y_shape = () if kw.get('reduce', 'mean') == 'mean' else t.shape
    gy = numpy.asarray(numpy.random.randn(*y_shape))
    check_double_backward(lambda v: F.softmax_cross_entropy(v, t, **kw), x, gy,
                          numpy.random.randn(*shape))


def test_backward_twice_with_cached_score():
    x, t = _data()
    v = Variable(x)
    y = F.softmax_cross_entropy(v, t)
    y.backward(retain_grad=True)
    g1 = v.grad.copy()
    v.cleargrad()
    y.grad = numpy.array(1.0)
    y.backward()
    numpy.testing.assert_array_equal(v.grad, g1)


@pytest.mark.parametrize('cache_score', [True, False])
def test_creator_y_is_the_cached_softmax(cache_score):
    # Chainer's node exposes the cached score as ``y``: softmax(x), or None
    x, t = _data((4, 3))
    loss = F.softmax_cross_entropy(x, t, cache_score=cache_score)
    if not cache_score:
        assert loss.creator.y is None
        return
    e = numpy.exp(x - x.max(axis=1, keepdims=True))
    numpy.testing.assert_allclose(loss.creator.y, e / e.sum(axis=1, keepdims=True), rtol=1e-13)
    check_backward(lambda v: F.softmax_cross_entropy(v, t, cache_score=cache_score), x,
                   numpy.array(1.0))


def test_non_contiguous_input():
    base = numpy.random.randn(5, 8)
    t = numpy.array([0, 1, -1, 3, 2], numpy.int32)
    for x in (base[:, ::2], numpy.random.randn(4, 5).T):
        assert not x.flags.c_contiguous
        numpy.testing.assert_allclose(F.softmax_cross_entropy(x, t).array, _ref(x, t),
                                      rtol=1e-13)
        check_backward(lambda v: F.softmax_cross_entropy(v, t), x, numpy.array(1.0))


def test_second_derivative_via_grad():
    # d/dx of sum(grad_x(loss) ** 2) exists and matches the numerical one
    x, t = _data((4, 3))

    def f(v):
        g, = fastgrad.grad([F.softmax_cross_entropy(v, t)], [v], enable_double_backprop=True)
        return F.sum(g * g)
    check_backward(f, x, numpy.array(1.0), atol=1e-6)


# -- soft targets ----------------------------------------------------------------------

def _soft(shape, seed=1):
    p = numpy.random.RandomState(seed).uniform(0.1, 1, shape)
    p[0, 0] = 0      # a zero probability (0 * log 0 = 0 in the KL divergence)
    return p / p.sum(axis=1, keepdims=True)


def _ref_soft(x, t, loss, reduce):
    log_y = _log_softmax(x)
    out = -(t * log_y).sum(axis=1)
    if loss == 'kl-divergence':
        safe = numpy.where(t > 0, t, 1)
        out += (t * numpy.log(safe)).sum(axis=1)
    return out.mean() if reduce == 'mean' else out


@pytest.mark.parametrize('loss', ['cross-entropy', 'kl-divergence'])
@pytest.mark.parametrize('reduce', ['mean', 'no'])
@pytest.mark.parametrize('shape', [(5, 4), (3, 4, 2)])
def test_soft_target(loss, reduce, shape):
    x = numpy.random.randn(*shape)
    t = _soft(shape)
    y = F.softmax_cross_entropy(x, t, reduce=reduce, soft_target_loss=loss)
    expect = _ref_soft(x, t, loss, reduce)
    assert y.shape == numpy.shape(expect) and y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, expect, rtol=1e-12, atol=1e-14)
    gy = numpy.asarray(numpy.random.randn(*numpy.shape(expect)))

    def f(v):
        return F.softmax_cross_entropy(v, t, reduce=reduce, soft_target_loss=loss)
    check_backward(f, x, gy)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([f(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    numpy.testing.assert_allclose(fast, slow, rtol=1e-13, atol=1e-15)


def test_soft_target_kl_of_matching_distribution_is_zero():
    x = numpy.random.randn(3, 4)
    t = numpy.exp(_log_softmax(x))
    y = F.softmax_cross_entropy(x, t, soft_target_loss='kl-divergence')
    assert abs(float(y.array)) < 1e-12


# -- errors ----------------------------------------------------------------------------

def test_out_of_range_label_is_value_error_naming_it():
    x, t = _data((5, 4))
    t[3] = 4
    with pytest.raises(ValueError, match='softmax_cross_entropy') as e:
        F.softmax_cross_entropy(x, t)
    assert '4' in str(e.value) and '[3]' in str(e.value)
    t[3] = -2
    with pytest.raises(ValueError, match='softmax_cross_entropy'):
        F.softmax_cross_entropy(x, t)


def test_out_of_range_label_among_ignored_ones_nd():
    # a bad label is found beside ignored ones (-1) and in N-D t, and named
    x, t = _data((3, 4, 2))
    t[0, 1] = -1
    t[2, 0] = 7
    with pytest.raises(ValueError, match=r't\[2, 0\] = 7 is out of range'):
        F.softmax_cross_entropy(x, t)
    t[2, 0] = -1
    assert numpy.isfinite(F.softmax_cross_entropy(x, t).array)
    with pytest.raises(ValueError, match=r't\[0, 1\] = -1 is out of range'):
        F.softmax_cross_entropy(x, t, ignore_label=5)


@pytest.mark.parametrize('tdtype', [numpy.uint8, numpy.bool_, numpy.complex64])
def test_t_must_be_signed_int(tdtype):
    x, t = _data()
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(x, numpy.zeros(5, tdtype))


@pytest.mark.parametrize('t_shape', [(4,), (5, 1), (5, 4)])
def test_t_shape_mismatch_is_invalid_type(t_shape):
    x, _ = _data((5, 4))
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(x, numpy.zeros(t_shape, numpy.int32))


def test_nd_t_shape_mismatch_is_invalid_type():
    x, _ = _data((3, 4, 2, 2))
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(x, numpy.zeros((3, 2, 3), numpy.int32))


def test_x_must_be_float_and_at_least_2d():
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(numpy.zeros((5, 4), numpy.int32), numpy.zeros(5, numpy.int32))
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(numpy.zeros(5), numpy.zeros((), numpy.int32))


def test_bad_reduce_and_soft_target_loss():
    x, t = _data()
    with pytest.raises(ValueError, match='reduce'):
        F.softmax_cross_entropy(x, t, reduce='sum')
    with pytest.raises(ValueError, match='soft_target_loss'):
        F.softmax_cross_entropy(x, t, soft_target_loss='mse')


def test_bad_class_weight():
    x, t = _data((5, 4))
    with pytest.raises(ValueError, match='class_weight'):
        F.softmax_cross_entropy(x, t, class_weight=Variable(numpy.ones(4)))
    with pytest.raises(ValueError, match='class_weight'):
        F.softmax_cross_entropy(x, t, class_weight=numpy.ones((4, 1)))
    with pytest.raises(ValueError, match='class_weight'):
        F.softmax_cross_entropy(x, t, class_weight=numpy.ones(4, numpy.int32))
    with pytest.raises(InvalidType, match='class_weight'):
        F.softmax_cross_entropy(x, t, class_weight=numpy.ones(3))


def test_soft_target_shape_and_dtype_mismatch():
    x = numpy.random.randn(5, 4)
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(x, _soft((5, 3)))
    with pytest.raises(InvalidType, match='SoftmaxCrossEntropy'):
        F.softmax_cross_entropy(x, _soft((5, 4)).astype(numpy.float32))


def test_only_t_requires_grad():
    x, t = _data()
    vx = Variable(x, requires_grad=False)
    vt = Variable(t)
    y = F.softmax_cross_entropy(vx, vt)
    y.backward()
    assert vx.grad is None and vt.grad is None


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'opts': OPT_IDS,
    'shape': [(5, 4), (3, 4, 2, 3)],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestSoftmaxCrossEntropy(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        self.kw = _options(OPTIONS[OPT_IDS.index(self.opts)], self.shape[1], self.dtype)
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 5e-3, 'rtol': 5e-3}
            self.check_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
            self.check_double_backward_options = {'atol': 5e-2, 'rtol': 5e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_double_backward_options = {'atol': 1e-3, 'rtol': 1e-3}

    def generate_inputs(self):
        return _data(self.shape, self.dtype, seed=numpy.random.randint(2 ** 31))

    def forward(self, inputs, device):
        x, t = inputs
        kw = dict(self.kw)
        if 'class_weight' in kw:            # on x's device, as Chainer requires
            kw['class_weight'] = device.send(kw['class_weight'])
        return F.softmax_cross_entropy(x, t.array, **kw),

    def forward_expected(self, inputs):
        x, t = inputs
        return numpy.asarray(_ref(x, t, **_ref_options(self.kw))).astype(self.dtype),
