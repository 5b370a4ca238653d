import sys
import unittest

import numpy
import pytest

from fastgrad import testing
from fastgrad.testing import attr, condition

# ---------------------------------------------------------------------------
# assert_allclose
# ---------------------------------------------------------------------------

def test_assert_allclose_passes():
    x = numpy.array([1.0, 2.0, 3.0], numpy.float32)
    testing.assert_allclose(x, x + 1e-7)
    testing.assert_allclose(x, x.astype(numpy.float64))
    testing.assert_allclose(1.0, 1.0 + 1e-6)
    testing.assert_allclose(numpy.float32(2), 2)
    testing.assert_allclose(x, [1, 2, 3])
    testing.assert_allclose(numpy.array([numpy.nan, 1.0]), numpy.array([numpy.nan, 1.0]))


def test_assert_allclose_tolerances():
    testing.assert_allclose(100.0, 100.5, atol=0, rtol=1e-2)
    with pytest.raises(AssertionError):
        testing.assert_allclose(100.0, 102.0, atol=0, rtol=1e-2)
    testing.assert_allclose(0.0, 0.05, atol=0.1, rtol=0)
    with pytest.raises(AssertionError):
        testing.assert_allclose(0.0, 0.2, atol=0.1, rtol=0)


def test_assert_allclose_message():
    x = numpy.zeros((2, 3))
    y = numpy.zeros((2, 3))
    y[1, 2] = 1.0
    y[0, 1] = 0.5
    with pytest.raises(AssertionError) as info:
        testing.assert_allclose(x, y)
    msg = str(info.value)
    assert '(1, 2)' in msg          # index of the max error
    assert '(0, 1)' in msg          # all failing indices listed
    assert 'abs error: 1.0' in msg
    assert '2 / 6 elements differ' in msg


def test_assert_allclose_shape_mismatch():
    with pytest.raises(AssertionError):
        testing.assert_allclose(numpy.zeros(3), numpy.zeros(4))


def test_assert_allclose_variable():
    import fastgrad
    a = numpy.arange(3, dtype=numpy.float32)
    testing.assert_allclose(fastgrad.Variable(a), a)
    testing.assert_allclose(a, fastgrad.Variable(a.copy()))
    with pytest.raises(AssertionError):
        testing.assert_allclose(fastgrad.Variable(a), a + 1)


class _FakeCupy:
    def __init__(self, a):
        self._a = a

    def get(self):
        return self._a


def test_assert_allclose_uses_get():
    a = numpy.arange(3.0)
    testing.assert_allclose(_FakeCupy(a), a)


# ---------------------------------------------------------------------------
# product / product_dict
# ---------------------------------------------------------------------------

def test_product_dict_of_lists():
    p = testing.product({'a': [1, 2], 'b': ['x', 'y', 'z']})
    assert len(p) == 6
    assert {'a': 1, 'b': 'x'} in p and {'a': 2, 'b': 'z'} in p
    assert all(set(d) == {'a', 'b'} for d in p)


def test_product_list_of_lists():
    p = testing.product([[{'a': 1}, {'a': 2}], [{'b': 3, 'c': 4}]])
    assert p == [{'a': 1, 'b': 3, 'c': 4}, {'a': 2, 'b': 3, 'c': 4}]


def test_product_dict():
    p = testing.product_dict([{'a': 1}, {'a': 2}], [{'b': 3}, {'b': 4}])
    assert len(p) == 4
    assert {'a': 2, 'b': 4} in p
    assert testing.product_dict() == [{}]


def test_product_type_error():
    with pytest.raises(TypeError):
        testing.product(3)
    with pytest.raises(TypeError):
        testing.product([1, 2])


# ---------------------------------------------------------------------------
# parameterize
# ---------------------------------------------------------------------------

_seen_unittest = []
_seen_pytest = []
_seen_stacked = []


def _double(x):
    return 2 * x


@testing.parameterize(*testing.product({
    'dtype': [numpy.float32, numpy.float64],
    'shape': [(3,), (2, 3)],
}))
class TestParamUnittest(unittest.TestCase):

    def test_params(self):
        x = numpy.zeros(self.shape, self.dtype)
        assert x.dtype == self.dtype
        _seen_unittest.append((self.dtype, self.shape))


@testing.parameterize(
    {'n': 1, 'f': _double},
    {'n': 5, 'f': _double},
)
class TestParamPytest:

    def test_params(self):
        assert self.f(self.n) == 2 * self.n   # functions are not bound
        _seen_pytest.append(self.n)


@testing.parameterize({'a': 1}, {'a': 2})
@testing.parameterize({'b': 10}, {'b': 20}, {'b': 30})
class TestParamStacked:

    def test_params(self):
        _seen_stacked.append((self.a, self.b))


def _generated(prefix):
    module = sys.modules[__name__]
    return sorted(n for n in vars(module) if n.startswith(prefix + '_param_'))


def test_parameterize_generates_classes():
    names = _generated('TestParamUnittest')
    assert len(names) == 4
    module = sys.modules[__name__]
    params = []
    for n in names:
        cls = getattr(module, n)
        assert issubclass(cls, TestParamUnittest)
        assert issubclass(cls, unittest.TestCase)
        assert cls.__test__ is True
        params.append((cls.dtype, cls.shape))
    assert sorted(params, key=str) == sorted(
        [(d, s) for d in (numpy.float32, numpy.float64) for s in ((3,), (2, 3))], key=str)
    # the original is kept out of collection
    assert TestParamUnittest.__test__ is False


def test_parameterize_stacked():
    names = _generated('TestParamStacked')
    assert len(names) == 6
    module = sys.modules[__name__]
    combos = {(getattr(module, n).a, getattr(module, n).b) for n in names}
    assert combos == {(a, b) for a in (1, 2) for b in (10, 20, 30)}


def test_parameterize_names_are_identifiers():
    for n in _generated('TestParamUnittest') + _generated('TestParamPytest'):
        assert n.isidentifier(), n


def test_zz_generated_tests_ran():
    # pytest runs the tests of a module in definition order: the generated
    # classes come right after their originals, before this test.  When a
    # subset is selected (-k) they may not have run; skip then.
    if not (_seen_unittest and _seen_pytest and _seen_stacked):
        pytest.skip('generated tests not selected')
    assert len(_seen_unittest) == 4
    assert sorted(_seen_pytest) == [1, 5]
    assert len(set(_seen_stacked)) == 6


def test_parameterize_rejects_non_dict():
    with pytest.raises(TypeError):
        testing.parameterize([1, 2])


def test_parameterize_unittest_str_mentions_params():
    module = sys.modules[__name__]
    cls = getattr(module, _generated('TestParamUnittest')[0])
    assert 'parameter' in str(cls('test_params'))


# ---------------------------------------------------------------------------
# condition
# ---------------------------------------------------------------------------

def test_retry_succeeds_after_failures():
    calls = []

    @condition.retry(3)
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise AssertionError('not yet')

    flaky()
    assert len(calls) == 3


def test_retry_gives_up():
    calls = []

    @condition.retry(2)
    def always_fails():
        calls.append(1)
        raise AssertionError('boom')

    with pytest.raises(AssertionError) as info:
        always_fails()
    assert len(calls) == 2
    assert 'boom' in str(info.value)


def test_a_failed_repeat_reports_the_first_error():
    errors = iter(['first', 'second'])

    @condition.retry(2)
    def fails_differently():
        raise AssertionError(next(errors))

    with pytest.raises(AssertionError, match='first error message:\nAssertionError: first'):
        fails_differently()


def test_retry_stops_at_first_success():
    calls = []

    @condition.retry(5)
    def ok():
        calls.append(1)

    ok()
    assert len(calls) == 1


def test_repeat():
    calls = []

    @condition.repeat(3)
    def ok():
        calls.append(1)

    ok()
    assert len(calls) == 3


class TestRetryUnittest(unittest.TestCase):

    def setUp(self):
        self.fresh = True

    @condition.retry(3)
    def test_retry_resets_fixture(self):
        assert self.fresh
        self.fresh = False
        type(self).count = getattr(type(self), 'count', 0) + 1
        if type(self).count < 2:
            raise AssertionError('first trial fails')


def test_retry_skip_propagates():
    @condition.retry(3)
    def skipped():
        raise unittest.SkipTest('skip me')

    with pytest.raises(unittest.SkipTest):
        skipped()


# ---------------------------------------------------------------------------
# attr
# ---------------------------------------------------------------------------

def test_attr_marks():
    assert attr.gpu.name == 'gpu'
    assert attr.slow.name == 'slow'

    @attr.slow
    def f():
        pass

    assert any(m.name == 'slow' for m in f.pytestmark)


@attr.gpu
def test_gpu_marked_is_skipped_without_device():
    import cupy  # NOQA  (only runs where a GPU exists)
    assert cupy.cuda.runtime.getDeviceCount() > 0


def test_unittest_loader_skips_original():
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromTestCase(TestParamUnittest)
    result = unittest.TestResult()
    suite.run(result)
    assert result.testsRun == 1
    assert len(result.skipped) == 1 and not result.errors and not result.failures
    module = sys.modules[__name__]
    gen = getattr(module, _generated('TestParamUnittest')[0])
    result = unittest.TestResult()
    loader.loadTestsFromTestCase(gen).run(result)
    assert result.testsRun == 1 and not result.skipped and result.wasSuccessful()


@unittest.skip('skipped on purpose')
@testing.parameterize({'a': 1})
class TestParamSkippedAbove(unittest.TestCase):
    def test_never(self):
        raise AssertionError('must be skipped')


@testing.parameterize({'a': 1})
@unittest.skip('skipped on purpose')
class TestParamSkippedBelow(unittest.TestCase):
    def test_never(self):
        raise AssertionError('must be skipped')


def test_fix_random():
    draws = []

    @testing.fix_random(seed=3)
    def f():
        draws.append(numpy.random.rand())

    numpy.random.seed(99)
    ref = numpy.random.rand()
    numpy.random.seed(99)
    f()
    assert numpy.random.rand() == ref  # the outer RNG state was restored
    f()
    assert draws[0] == draws[1]
