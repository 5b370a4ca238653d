"""``unary_math_function_unittest``: a class decorator that adds forward,
backward and double-backward tests of a unary elementwise function over
shapes (3, 2) and () and dtypes float16/32/64."""
import unittest

import numpy


def _default_data(shape, dtype):
    def draw():
        return numpy.random.uniform(-1, 1, shape).astype(dtype, copy=False)
    return draw(), draw(), draw()


def unary_math_function_unittest(func, func_expected=None, label_expected=None,
                                 make_data=None, is_linear=None, forward_options=None,
                                 backward_options=None, double_backward_options=None):
    """Class decorator: forward, backward and double backward tests of a unary op.

    Args:
        func: the function under test (Variable -> Variable).
        func_expected: the NumPy reference (default: numpy.<func name>),
            called as ``func_expected(x, dtype=x.dtype)``.
        label_expected: unused by fastgrad's ops (kept for Chainer's API).
        make_data: ``make_data(shape, dtype) -> (x, gy, ggx)``.
        forward_options, backward_options, double_backward_options: extra
            tolerances for assert_allclose / check_backward /
            check_double_backward.

    >>> import sys, types, unittest
    >>> from fastgrad import testing
    >>> module = sys.modules['test_exp'] = types.ModuleType('test_exp')
    >>> @testing.unary_math_function_unittest(F.exp)   # needs pytest  # doctest: +SKIP
    ... class TestExp(unittest.TestCase):
    ...     __module__ = 'test_exp'   # the test module the classes go to
    >>> sorted(n for n in vars(module) if n.startswith('TestExp_'))[:2]   # doctest: +SKIP
    ['TestExp_param_0_shape_3_2_dtype_float16', 'TestExp_param_1_shape_3_2_dtype_float32']
    >>> del sys.modules['test_exp']
    """
    import warnings

    from fastgrad import gradient_check
    from fastgrad.testing import attr, parameterized
    from fastgrad.testing.array import assert_allclose

    name = getattr(func, '__name__', type(func).__name__.lower())
    if func_expected is None:
        func_expected = getattr(numpy, name, None)
        if func_expected is None:
            raise ValueError("NumPy has no functions corresponding to Chainer "
                             "function '{}'.".format(name))
    make_data = make_data or _default_data
    if is_linear is not None:
        warnings.warn('is_linear option is deprecated', DeprecationWarning)

    def decorate(klass):
        if not issubclass(klass, unittest.TestCase):
            raise TypeError('unary_math_function_unittest decorates a unittest.TestCase')

        def setUp(self):
            self.x, self.gy, self.ggx = make_data(self.shape, self.dtype)
            if self.dtype == numpy.float16:
                eps16 = float(numpy.finfo(numpy.float16).eps)
                self.forward_options = {'atol': eps16, 'rtol': eps16}
                loose = {'eps': 2 ** -4, 'atol': 2 ** -4, 'rtol': 2 ** -4,
                         'dtype': numpy.float64}
                self.backward_options = dict(loose)
                self.double_backward_options = dict(loose)
            else:
                self.forward_options = {'atol': 1e-4, 'rtol': 1e-4}
                tight = {'dtype': numpy.float64, 'atol': 1e-4, 'rtol': 1e-4}
                self.backward_options = dict(tight)
                self.double_backward_options = dict(tight)
            self.forward_options.update(forward_options or {})
            self.backward_options.update(backward_options or {})
            self.double_backward_options.update(double_backward_options or {})

        def check_forward(self, x_data):
            import fastgrad
            from fastgrad.backends import cuda
            y = func(fastgrad.Variable(x_data))
            self.assertEqual(y.array.dtype, x_data.dtype)
            expected = func_expected(cuda.to_cpu(x_data), dtype=x_data.dtype)
            assert_allclose(expected, y.array, **self.forward_options)

        def check_backward(self, x_data, y_grad):
            gradient_check.check_backward(func, x_data, y_grad, **self.backward_options)

        def check_double_backward(self, x_data, y_grad, x_grad_grad):
            gradient_check.check_double_backward(func, x_data, y_grad, x_grad_grad,
                                                 **self.double_backward_options)

        def gpu(f):
            def run(self):
                from fastgrad.backends import cuda
                return f(self, cuda.to_gpu)
            return attr.gpu(run)

        members = {
            'setUp': setUp, 'check_forward': check_forward,
            'check_backward': check_backward, 'check_double_backward': check_double_backward,
            'test_forward_cpu': lambda self: self.check_forward(self.x),
            'test_backward_cpu': lambda self: self.check_backward(self.x, self.gy),
            'test_double_backward_cpu': lambda self: self.check_double_backward(
                self.x, self.gy, self.ggx),
            'test_forward_gpu': gpu(lambda self, g: self.check_forward(g(self.x))),
            'test_backward_gpu': gpu(lambda self, g: self.check_backward(
                g(self.x), g(self.gy))),
            'test_double_backward_gpu': gpu(lambda self, g: self.check_double_backward(
                g(self.x), g(self.gy), g(self.ggx))),
        }
        for key, value in members.items():
            setattr(klass, key, value)
        return parameterized.parameterize(*parameterized.product({
            'shape': [(3, 2), ()],
            'dtype': [numpy.float16, numpy.float32, numpy.float64],
        }))(klass)
    return decorate
