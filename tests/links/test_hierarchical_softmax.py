"""L.BinaryHierarchicalSoftmax and create_huffman_tree: the leaves' probabilities
sum to one, the loss equals the path product, gradients, errors."""
import numpy
import pytest

import fastgrad
import fastgrad.links as L
from fastgrad.gradient_check import check_backward, check_double_backward
from fastgrad.utils.type_check import InvalidType

TREE = ((0, 1), ((2, 3), 4))
# pre-order ids: root 0, (0, 1) 1, ((2, 3), 4) 2, (2, 3) 3; code 1 = left, -1 = right
PATHS = {0: [(0, 1), (1, 1)], 1: [(0, 1), (1, -1)], 2: [(0, -1), (2, 1), (3, 1)],
         3: [(0, -1), (2, 1), (3, -1)], 4: [(0, -1), (2, -1)]}


def _link(dtype=numpy.float64):
    with fastgrad.using_config('dtype', dtype):
        return L.BinaryHierarchicalSoftmax(3, TREE)


def _ref(W, x, t):
    total = 0.0
    for xi, ti in zip(x, t):
        for node, code in PATHS[int(ti)]:
            total += numpy.logaddexp(0, -code * W[node] @ xi)
    return total


def test_tables():
    f = _link()._func
    assert f.parser_size == 4
    numpy.testing.assert_array_equal(f.begins, [0, 2, 4, 7, 10, 12])
    numpy.testing.assert_array_equal(f.paths, [n for i in range(5) for n, _ in PATHS[i]])
    numpy.testing.assert_array_equal(f.codes, [c for i in range(5) for _, c in PATHS[i]])


@pytest.mark.parametrize('dtype,tol', [(numpy.float16, 5e-3), (numpy.float32, 1e-6),
                                       (numpy.float64, 1e-12)])
def test_probabilities_sum_to_one(dtype, tol):
    link = _link(dtype)
    x = numpy.array([[1.0, 2.0, 3.0]], dtype)
    losses = [link(x, numpy.array([i], numpy.int32)) for i in range(5)]
    assert all(v.dtype == dtype and v.shape == () for v in losses)
    numpy.testing.assert_allclose(sum(numpy.exp(-float(v.array)) for v in losses), 1, atol=tol)


def test_values_and_gradients():
    link = _link()
    rng = numpy.random.RandomState(0)
    x = rng.uniform(-1, 1, (4, 3))
    t = numpy.array([0, 2, 4, 3], numpy.int32)
    numpy.testing.assert_allclose(float(link(x, t).array), _ref(link.W.array, x, t), rtol=1e-12)

    gy = numpy.asarray(rng.randn())
    check_backward(lambda x: link(x, t), (x,), gy)
    check_double_backward(lambda x: link(x, t), (x,), gy, (rng.randn(*x.shape),))
    link.cleargrads()
    link(x, t).backward()
    eps, gW = 1e-6, numpy.zeros_like(link.W.array)
    W0 = link.W.array.copy()
    for idx in numpy.ndindex(W0.shape):
        Wp, Wm = W0.copy(), W0.copy()
        Wp[idx] += eps
        Wm[idx] -= eps
        gW[idx] = (_ref(Wp, x, t) - _ref(Wm, x, t)) / (2 * eps)
    numpy.testing.assert_allclose(link.W.grad, gW, rtol=1e-6, atol=1e-8)


def test_errors():
    link = _link()
    x = numpy.zeros((2, 3))
    with pytest.raises(ValueError, match='BinaryHierarchicalSoftmax: labels'):
        link(x, numpy.array([0, 5], numpy.int32))
    with pytest.raises(InvalidType, match='BinaryHierarchicalSoftmax'):
        link(x, numpy.array([0, 1], numpy.int64))
    with pytest.raises(InvalidType, match='BinaryHierarchicalSoftmax'):
        link(numpy.zeros((2, 4)), numpy.array([0, 1], numpy.int32))
    with pytest.raises(ValueError, match='two children'):
        L.BinaryHierarchicalSoftmax(3, ((0, 1, 2), 3))
    with pytest.raises(ValueError, match='leaves'):
        L.BinaryHierarchicalSoftmax(3, (('a', 1), 2))


def test_huffman_tree():
    make = L.BinaryHierarchicalSoftmax.create_huffman_tree
    assert make({0: 8, 1: 5, 2: 6, 3: 4}) == ((3, 1), (2, 0))
    assert make({'x': 8, 'y': 6, 'z': 5, 'w': 4, 'v': 3}) == (('z', 'y'), (('v', 'w'), 'x'))
    assert make({7: 1}) == 7
    with pytest.raises(ValueError, match='empty'):
        make({})
    counts = {i: c for i, c in enumerate([50, 20, 10, 10, 5, 3, 1, 1])}
    link = L.BinaryHierarchicalSoftmax(2, make(counts))
    # the frequent labels get the short paths
    lengths = numpy.diff(link._func.begins)
    assert lengths[0] == 1 and lengths[-1] == lengths.max()


def test_trains():
    link = _link()
    x = numpy.random.RandomState(1).uniform(-1, 1, (8, 3))
    t = numpy.arange(8, dtype=numpy.int32) % 5
    first = float(link(x, t).array)
    for _ in range(50):
        link.cleargrads()
        loss = link(x, t)
        loss.backward()
        link.W.array -= 0.1 * link.W.grad
    assert float(loss.array) < first
