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


def fix_random(seed=100, *, setup_method='setUp', teardown_method='tearDown'):
    """Decorator: run a test function or method, or each test of a class,
    with NumPy's global RNG (and CuPy's, when importable) seeded with
    ``seed`` (100, as Chainer's); the previous NumPy RNG state is restored
    afterwards.

    On a class, as in Chainer, the seed is set in ``setup_method`` (also an
    inherited one) and the state restored in ``teardown_method``, so the
    set-up and the test draw from one seeded stream.  A class without a
    ``setup_method`` gets each of its test methods seeded instead.

    >>> from fastgrad import testing
    >>> @testing.fix_random(seed=1)
    ... def draw():
    ...     return np.random.randint(100, size=3)
    >>> bool((draw() == draw()).all())
    True
    """
    import functools

    import numpy

    def seed_all():
        numpy.random.seed(seed)
        try:
            import cupy
            cupy.random.seed(seed)
        except Exception:
            pass

    def seeded(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            state = numpy.random.get_state()
            seed_all()
            try:
                return f(*args, **kwargs)
            finally:
                numpy.random.set_state(state)
        return wrapper

    def around_setup(cls):
        prev_setup = getattr(cls, setup_method)
        prev_teardown = getattr(cls, teardown_method, None)

        @functools.wraps(prev_setup)
        def new_setup(self, *args, **kwargs):
            self._fix_random_state = numpy.random.get_state()
            seed_all()
            try:
                prev_setup(self, *args, **kwargs)
            except BaseException:       # no teardown follows a failed set-up
                numpy.random.set_state(self.__dict__.pop('_fix_random_state'))
                raise

        def new_teardown(self, *args, **kwargs):
            try:
                if prev_teardown is not None:
                    prev_teardown(self, *args, **kwargs)
            finally:
                state = self.__dict__.pop('_fix_random_state', None)
                if state is not None:
                    numpy.random.set_state(state)

        if prev_teardown is not None:
            new_teardown = functools.wraps(prev_teardown)(new_teardown)
        setattr(cls, setup_method, new_setup)
        setattr(cls, teardown_method, new_teardown)

    def decorator(obj):
        if not isinstance(obj, type):
            return seeded(obj)
        if callable(getattr(obj, setup_method, None)):
            around_setup(obj)
            return obj
        for name in dir(obj):
            member = getattr(obj, name)
            if name.startswith('test') and callable(member):
                setattr(obj, name, seeded(member))
        return obj

    return decorator
