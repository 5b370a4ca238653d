"""``with_requires``, ``without_requires``, ``assert_warns`` and ``patch``."""
import contextlib
import sys
import unittest
import warnings


def _satisfied(requirements):
    from importlib import metadata

    from packaging.requirements import Requirement
    for text in requirements:
        req = Requirement(text)
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            return False
        if not req.specifier.contains(version, prereleases=True):
            return False
    return True


def with_requires(*requirements):
    """Skip the test unless every requirement (``'numpy>=1.20'``) holds.

    >>> import unittest
    >>> from fastgrad import testing
    >>> class TestNumpy(unittest.TestCase):
    ...     @testing.with_requires('numpy>=1.0')
    ...     def test_new(self):
    ...         pass
    ...     @testing.with_requires('numpy<1.0')
    ...     def test_old(self):
    ...         pass
    >>> result = unittest.TestResult()
    >>> _ = unittest.defaultTestLoader.loadTestsFromTestCase(TestNumpy).run(result)
    >>> result.testsRun, [reason for _, reason in result.skipped]
    (2, ['requires: numpy<1.0'])
    """
    return unittest.skipIf(not _satisfied(requirements),
                           'requires: {}'.format(','.join(requirements)))


def without_requires(*requirements):
    """Skip the test if every requirement holds.

    >>> import unittest
    >>> from fastgrad import testing
    >>> class TestFallback(unittest.TestCase):
    ...     @testing.without_requires('numpy>=1.0')
    ...     def test_without_numpy(self):
    ...         pass
    >>> result = unittest.TestResult()
    >>> _ = unittest.defaultTestLoader.loadTestsFromTestCase(TestFallback).run(result)
    >>> [reason for _, reason in result.skipped]
    ['requires: numpy>=1.0']
    """
    return unittest.skipIf(_satisfied(requirements),
                           'requires: {}'.format(','.join(requirements)))


@contextlib.contextmanager
def assert_warns(expected):
    """The block must emit a warning of category ``expected``.

    >>> import warnings
    >>> from fastgrad import testing
    >>> with testing.assert_warns(DeprecationWarning):
    ...     warnings.warn('old API', DeprecationWarning)
    >>> try:
    ...     with testing.assert_warns(UserWarning):
    ...         pass
    ... except AssertionError:
    ...     print('no UserWarning')
    no UserWarning
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        yield
    if not any(isinstance(w.message, expected) for w in caught):
        raise AssertionError('{} not triggerred'.format(
            getattr(expected, '__name__', expected)))


def _resolve(fullname):
    parts = fullname.split('.')
    obj = sys.modules.get(parts[0])
    if obj is None:
        raise RuntimeError("Can't import {}".format(parts[0]))
    for i, part in enumerate(parts[1:]):
        obj = getattr(obj, part)
        if obj is None:
            raise RuntimeError("Can't find object {}".format('.'.join(parts[:i + 2])))
    return obj


def patch(target, *args, **kwargs):
    """``unittest.mock.patch`` that wraps the patched object (``wraps``
    defaults to the object at ``target``), so calls are recorded and still
    happen.

    >>> import fastgrad.utils
    >>> from fastgrad import testing
    >>> with testing.patch('fastgrad.utils.size_of_shape') as size_of_shape:
    ...     print(fastgrad.utils.size_of_shape((2, 3)), size_of_shape.call_count)
    6 1
    """
    from unittest import mock
    wraps = kwargs.pop('wraps') if 'wraps' in kwargs else _resolve(target)
    return mock.patch(target, *args, wraps=wraps, **kwargs)
