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
    """Skip the test unless every requirement (``'numpy>=1.20'``) holds."""
    return unittest.skipIf(not _satisfied(requirements),
                           'requires: {}'.format(','.join(requirements)))


def without_requires(*requirements):
    """Skip the test if every requirement holds."""
    return unittest.skipIf(_satisfied(requirements),
                           'requires: {}'.format(','.join(requirements)))


@contextlib.contextmanager
def assert_warns(expected):
    """The block must emit a warning of category ``expected``."""
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
    happen."""
    from unittest import mock
    wraps = kwargs.pop('wraps') if 'wraps' in kwargs else _resolve(target)
    return mock.patch(target, *args, wraps=wraps, **kwargs)
