"""F.get_item and Variable.__getitem__: basic and advanced indexing, gradients
scattered with accumulation, both backward paths, double backward, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad import Variable, testing
from fastgrad.gradient_check import check_backward, check_double_backward

SHAPE = (4, 5, 3)
_MASK = numpy.random.RandomState(3).rand(4, 5) > 0.5

# (id, index, the equivalent NumPy index)
INDEXES = [
    ('int', 1, 1),
    ('negative int', -1, -1),
    ('slice', slice(1, 3), slice(1, 3)),
    ('step slice', slice(None, None, 2), slice(None, None, 2)),
    ('reverse slice', slice(None, None, -1), slice(None, None, -1)),
    ('tuple', (slice(None), 2), (slice(None), 2)),
    ('ellipsis', (Ellipsis, 1), (Ellipsis, 1)),
    ('None', (None, 1, slice(0, 4, 2)), (None, 1, slice(0, 4, 2))),
    ('all ints', (1, 2, 0), (1, 2, 0)),
    ('empty tuple', (), ()),
    ('empty slice', slice(2, 2), slice(2, 2)),
    ('list of ints', [0, 2, 3], [0, 2, 3]),
    ('repeated list', [0, 0, 2, 0], [0, 0, 2, 0]),
    ('int array', numpy.array([3, 1, 1]), numpy.array([3, 1, 1])),
    ('2-d int array', numpy.array([[0, 1], [1, 1]]), numpy.array([[0, 1], [1, 1]])),
    ('two arrays', (numpy.array([0, 0, 3]), slice(None), [1, 1, 2]),
     (numpy.array([0, 0, 3]), slice(None), [1, 1, 2])),
    ('array and int', (slice(None), [4, 0, 4], 1), (slice(None), [4, 0, 4], 1)),
    ('bool array', numpy.array([True, False, True, True]),
     numpy.array([True, False, True, True])),
    ('bool list', [True, False, True, False], numpy.array([True, False, True, False])),
    ('2-d mask', _MASK, _MASK),
    ('mask and slice', (Ellipsis, numpy.array([True, False, True])),
     (Ellipsis, numpy.array([True, False, True]))),
    # Chainer: a list that is not all ints is a tuple of indices
    ('list of lists', [[0, 1], [1, 1]], ([0, 1], [1, 1])),
    ('list with slice', [slice(None), 1], (slice(None), 1)),
]
IDS = [i[0] for i in INDEXES]


def _scatter_ref(index, gy):
    gx = numpy.zeros(SHAPE)
    numpy.add.at(gx, index, gy)
    return gx


@pytest.mark.parametrize('name,index,np_index', INDEXES, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_forward(name, index, np_index, dtype):
    x = numpy.random.randn(*SHAPE).astype(dtype)
    x0 = x.copy()
    expect = x[np_index]
    for y in (F.get_item(x, index), Variable(x)[index]):
        assert isinstance(y.array, numpy.ndarray)
        assert y.shape == expect.shape and y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, expect)
    numpy.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize('name,index,np_index', INDEXES, ids=IDS)
def test_backward(name, index, np_index):
    x = numpy.random.randn(*SHAPE)
    gy = numpy.asarray(numpy.random.randn(*x[np_index].shape))
    check_backward(lambda v: F.get_item(v, index), x, gy)


@pytest.mark.parametrize('name,index,np_index', INDEXES, ids=IDS)
@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
def test_both_backward_paths_scatter_with_accumulation(name, index, np_index, dtype):
    x = numpy.random.randn(*SHAPE).astype(dtype)
    gy = numpy.asarray(numpy.random.randn(*x[np_index].shape)).astype(dtype)
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: v[index])(*vs)], [gy.copy()])
    fast, = [v.grad for v in vs]
    vs = [Variable(a.copy()) for a in [x]]
    fastgrad.backward([(lambda v: v[index])(*vs)], [gy.copy()], enable_double_backprop=True)
    slow, = [v.grad for v in vs]
    expect = _scatter_ref(np_index, gy.astype(numpy.float64))
    for g in (fast, slow):
        assert g.dtype == dtype and g.shape == SHAPE
        tol = 2e-3 if dtype == numpy.float16 else 1e-6
        numpy.testing.assert_allclose(g, expect, rtol=tol, atol=tol)


def test_repeated_indices_accumulate():
    v = Variable(numpy.arange(4.0))
    y = F.sum(v[[0, 0, 0, 3]])
    y.backward()
    numpy.testing.assert_array_equal(v.grad, [3, 0, 0, 1])
    v = Variable(numpy.arange(4.0))
    y = F.sum(v[numpy.array([1, 1])] * v[[1, 2]])
    y.backward()
    numpy.testing.assert_array_equal(v.grad, [0, 2 * 1 + 2, 1, 0])   # d(v1*v1 + v1*v2)


@pytest.mark.parametrize('name,index,np_index', [
    i for i in INDEXES if i[0] in ('int', 'tuple', 'None', 'repeated list', 'two arrays',
                                   '2-d mask', 'all ints')], ids=lambda v: str(v)[:20])
def test_double_backward(name, index, np_index):
    x = numpy.random.randn(*SHAPE)
    gy = numpy.asarray(numpy.random.randn(*x[np_index].shape))
    check_double_backward(lambda v: F.get_item(v * v, index), x, gy,
                          numpy.random.randn(*SHAPE))


def test_grad_of_grad_is_get_item_again():
    # second order through GetItemGrad: d/dgy of <ggx, scatter(gy)> = ggx[index]
    import fastgrad
    x = Variable(numpy.random.randn(4, 3))
    gy = Variable(numpy.random.randn(3, 3))
    y = x[[0, 0, 2]]
    gx, = fastgrad.grad([y], [x], grad_outputs=[gy], enable_double_backprop=True)
    ggx = numpy.random.randn(4, 3)
    gx.grad = ggx
    gx.backward()
    numpy.testing.assert_allclose(gy.grad, ggx[[0, 0, 2]])


def test_non_contiguous_input():
    base = numpy.random.randn(4, 10)
    for x in (base[:, ::2], base.T):
        for index in ((slice(None), 1), [0, 0, 2], x > 0):
            numpy.testing.assert_array_equal(F.get_item(x, index).array, x[index])
            check_backward(lambda v: F.get_item(v, index), x,
                           numpy.random.randn(*x[index].shape))


def test_zero_dim_result_and_input():
    x = numpy.random.randn(2, 3)
    y = Variable(x)[1, 2]
    assert y.shape == () and y.array == x[1, 2]
    z = F.get_item(numpy.array(5.0), ())
    assert z.shape == () and z.array == 5.0
    z = F.get_item(numpy.array(5.0), None)
    assert z.shape == (1,)


def test_variable_index_uses_its_array():
    x = numpy.random.randn(4, 3)
    idx = Variable(numpy.array([2, 0]))
    numpy.testing.assert_array_equal(F.get_item(x, idx).array, x[[2, 0]])


@pytest.mark.parametrize('index', [4, (0, 5), [0, 7], (0, 0, 0, 0), numpy.array([True, False])])
def test_out_of_range_index_is_index_error_naming_get_item(index):
    with pytest.raises(IndexError, match='get_item'):
        F.get_item(numpy.zeros((4, 5, 3)), index)


@pytest.mark.parametrize('error', [IndexError, ValueError])   # NumPy's and Chainer's
def test_two_ellipses_are_rejected(error):
    with pytest.raises(error, match='get_item: an index can only have a single ellipsis'):
        F.get_item(numpy.zeros((4, 5, 3)), (Ellipsis, 0, Ellipsis))


@testing.parameterize(*testing.product({
    'dtype': [numpy.float16, numpy.float32, numpy.float64],
    'index': ['step slice', 'repeated list', '2-d mask', 'two arrays'],
}))
@testing.inject_backend_tests(None, [{}, {'use_cuda': True}])
class TestGetItem(testing.FunctionTestCase):
    """Forward, fast-path backward, and the differentiable path (same
    first-order gradients, double backward) on every dtype."""

    def setUp(self):
        _, self.index, self.np_index = INDEXES[IDS.index(self.index)]
        if self.dtype == numpy.float16:
            self.check_forward_options = {'atol': 1e-3, 'rtol': 1e-3}
            self.check_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
            self.check_double_backward_options = {'atol': 1e-2, 'rtol': 1e-2}
        elif self.dtype == numpy.float32:
            self.check_forward_options = {'atol': 1e-5, 'rtol': 1e-5}
            self.check_backward_options = {'atol': 1e-4, 'rtol': 1e-4}
            self.check_double_backward_options = {'atol': 1e-4, 'rtol': 1e-4}

    def generate_inputs(self):
        return numpy.asarray(numpy.random.uniform(-1, 1, SHAPE)).astype(self.dtype),

    def forward(self, inputs, device):
        return F.get_item(inputs[0], self.index),

    def forward_expected(self, inputs):
        return numpy.asarray(inputs[0][self.np_index]),
