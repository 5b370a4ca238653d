"""Testing helpers with Chainer's API (``chainer.testing``).

Pure Python: importing this package does not import the fastgrad core.
"""
from fastgrad.testing import array  # NOQA
from fastgrad.testing import condition  # NOQA
from fastgrad.testing import parameterized  # NOQA
from fastgrad.testing.array import assert_allclose  # NOQA
from fastgrad.testing.parameterized import parameterize  # NOQA
from fastgrad.testing.parameterized import product  # NOQA
from fastgrad.testing.parameterized import product_dict  # NOQA

try:
    from fastgrad.testing import attr  # NOQA  (needs pytest)
except ImportError:  # pragma: no cover
    pass


def run_module(name, file):
    """Run the tests of a module with pytest (``if __name__ == '__main__'``)."""
    if name == '__main__':
        import pytest
        pytest.main([file, '-vvs', '-x', '--pdb'])


def fix_random(seed=0):
    """Decorator: run a test (function, method, or every test of a class)
    with NumPy's global RNG (and CuPy's, when importable) seeded with
    ``seed``; the previous NumPy RNG state is restored afterwards."""
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
