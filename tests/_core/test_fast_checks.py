"""The engine's shortcut for op input checks (Checks.fast): conditions on dtype
kinds, equal dtypes and ndims are evaluated in C; the op's check function runs
(and raises) whenever the shortcut cannot show that all of them hold, so an op
accepts and rejects exactly the inputs its Python check does."""
import itertools

import numpy
import pytest

import fastgrad
from fastgrad.functions._util import checks as checks_module
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op
from fastgrad.utils.type_check import InvalidType


def test_the_spec_of_supported_conditions():
    c = Checks('x, W, b?', "x.dtype.kind == 'f'", "W.dtype.kind in 'iu'",
               'b.dtype == x.dtype', 'x.ndim >= 2', 'W.ndim == 2')
    assert c.fast == (2, 3, (
        (checks_module.FAST_KIND_IN, 0, -1, 'f'),
        (checks_module.FAST_KIND_IN, 1, -1, 'iu'),
        (checks_module.FAST_DTYPE_EQ, 2, 0, None),
        (checks_module.FAST_NDIM_GE, 0, -1, 2),
        (checks_module.FAST_NDIM_EQ, 1, -1, 2)))


@pytest.mark.parametrize('names, condition', [
    ('x, W', 'x.shape[1] == W.shape[1]'),
    ('x', '-x.ndim <= self.axis < x.ndim'),
    ('x', "self.reduce == 'no' or x.ndim >= 2"),
    ('x', "x.dtype.kind == 'fc'"),
    ('x', 'x.ndim > 1'),
    ('*xs', 'len(xs) > 0'),
])
def test_other_conditions_leave_it_to_the_check_function(names, condition):
    assert Checks(names, condition).fast is None


CONDITIONS = ("x.dtype.kind == 'f'", "t.dtype.kind in 'iu'", 'b.dtype == x.dtype',
              'x.ndim >= 2', 't.ndim == 1')


class _Checked(Op):
    __slots__ = ()
    checks = Checks('x, t, b?', *CONDITIONS)

    def forward(self, inputs):
        return inputs[0].copy(),


ARRAYS = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 3), numpy.float64),
          numpy.zeros(3, numpy.float32), numpy.zeros(2, numpy.int32),
          numpy.zeros(2, numpy.uint8), numpy.zeros((2, 1), numpy.int64),
          numpy.zeros(2, numpy.dtype('>f4'))]


def _python_check_passes(inputs):
    try:
        _Checked.checks(_Checked(), inputs)
    except InvalidType:
        return False
    return True


def test_engine_agrees_with_the_check_function():
    assert _Checked.checks.fast is not None
    cases = list(itertools.product(ARRAYS, ARRAYS))
    cases += [(x, t, b) for x, t in cases[:12] for b in ARRAYS]
    cases += [(ARRAYS[0],), (ARRAYS[0], ARRAYS[3], ARRAYS[0], ARRAYS[0])]
    passed = failed = 0
    for inputs in cases:
        if _python_check_passes(inputs):
            y, = _Checked().apply(inputs)
            assert y.shape == inputs[0].shape
            passed += 1
        else:
            with pytest.raises(InvalidType):
                _Checked().apply(inputs)
            failed += 1
    assert passed and failed


def test_the_error_is_the_check_functions():
    with pytest.raises(InvalidType) as e:
        _Checked().apply((numpy.zeros((2, 3), numpy.int32), numpy.zeros(2, numpy.int32)))
    assert "Expect: x.dtype.kind == 'f'" in str(e.value)
    assert 'Actual: i != f' in str(e.value)


def test_type_check_off_skips_both():
    bad = (numpy.zeros((2, 3), numpy.int32), numpy.zeros(2, numpy.float32))
    with fastgrad.using_config('type_check', False):
        y, = _Checked().apply(bad)
    assert y.dtype == numpy.int32


def test_a_subclass_that_replaces_the_check_function_is_not_shortcut():
    calls = []

    class Stricter(_Checked):
        __slots__ = ()

        def _check_arrays(self, inputs):
            calls.append(len(inputs))
            raise InvalidType('x', 'y', msg='stricter')

    with pytest.raises(InvalidType, match='stricter'):
        Stricter().apply((numpy.zeros((2, 3), numpy.float32), numpy.zeros(2, numpy.int32)))
    assert calls == [2]
