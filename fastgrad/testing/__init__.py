"""Testing helpers with Chainer's API (``chainer.testing``): parameterized
test classes, backend injection, FunctionTestCase / LinkTestCase, tolerant
comparisons and small fixtures.

Importing this package does not import the fastgrad core.
"""
from fastgrad.testing import array  # NOQA
from fastgrad.testing import condition  # NOQA
from fastgrad.testing import parameterized  # NOQA
from fastgrad.testing.array import assert_allclose  # NOQA
from fastgrad.testing.backend import BackendConfig, inject_backend_tests  # NOQA
from fastgrad.testing.function_link import (  # NOQA
    FunctionTestCase, FunctionTestError, InitializerArgument, LinkInitializersTestCase,
    LinkTestCase, LinkTestError)
from fastgrad.testing.helper import (  # NOQA
    assert_warns, patch, with_requires, without_requires)
from fastgrad.testing.matrix import generate_matrix  # NOQA
from fastgrad.testing.parameterized import (  # NOQA
    from_pytest_parameterize, parameterize, parameterize_pytest, product, product_dict)
from fastgrad.testing.serializer import (  # NOQA
    save_and_load, save_and_load_hdf5, save_and_load_npz)
from fastgrad.testing.training import get_trainer_with_mock_updater  # NOQA
from fastgrad.testing.unary_math_function_test import unary_math_function_unittest  # NOQA

# Imported on first use, not by ``import fastgrad``: both need pytest (attr's
# marks; distribution_unittest marks its gpu tests when its module loads), and
# importing pytest changes the decimal context, which costs every later NumPy
# call a little (~3% of a tiny op's time).
_LAZY = {'attr': ('attr', None),
         'distribution_unittest': ('distribution_test', 'distribution_unittest')}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module, attribute = _LAZY[name]
        value = importlib.import_module('fastgrad.testing.' + module)
        return value if attribute is None else getattr(value, attribute)
    raise AttributeError("module 'fastgrad.testing' has no attribute {!r}".format(name))


def run_module(name, file):
    """Run the tests of a module with pytest (``if __name__ == '__main__'``).

    >>> from fastgrad import testing
    >>> testing.run_module('test_foo', 'test_foo.py')   # imported, not run: does nothing
    """
    if name == '__main__':
        import pytest
        pytest.main([file, '-vvs', '-x', '--pdb'])


def generate_seed():
    """A random seed drawn from NumPy's global generator.

    >>> from fastgrad import testing
    >>> seed = testing.generate_seed()
    >>> isinstance(seed, int), 0 <= seed < 2 ** 32
    (True, True)
    """
    import numpy
    return int(numpy.random.randint(0xffffffff))


def fix_random(seed=0):
    """Decorator: run a test (function, method, or every test of a class)
    with NumPy's global RNG (and CuPy's, when importable) seeded with
    ``seed``; the previous NumPy RNG state is restored afterwards.

    >>> from fastgrad import testing
    >>> @testing.fix_random(seed=1)
    ... def draw():
    ...     return np.random.randint(100, size=3)
    >>> bool((draw() == draw()).all())
    True
    """
    import functools

    import numpy

    def seeded(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            state = numpy.random.get_state()
            numpy.random.seed(seed)
            try:
                import cupy
                cupy.random.seed(seed)
            except Exception:
                pass
            try:
                return f(*args, **kwargs)
            finally:
                numpy.random.set_state(state)
        return wrapper

    def decorator(obj):
        if isinstance(obj, type):
            for name, member in list(vars(obj).items()):
                if callable(member) and (name.startswith('test') or name in (
                        'setUp', 'setup_method')):
                    setattr(obj, name, seeded(member))
            return obj
        return seeded(obj)

    return decorator
