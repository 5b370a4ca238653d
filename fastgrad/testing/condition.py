"""Retrying flaky (e.g. randomized) tests: ``retry``, ``repeat``,
``repeat_with_success_at_least``.

The decorators wrap a test function or method.  Between trials of a method
of a ``unittest.TestCase`` the fixture is rebuilt (``tearDown`` then
``setUp``); for plain pytest classes ``teardown_method``/``setup_method``
are called when defined.  ``unittest.SkipTest`` (and pytest's skip, which
is not an ``Exception``) propagate at once.
"""
import functools
import unittest


def _reset_fixture(args, method):
    if not args:
        return
    self = args[0]
    if isinstance(self, unittest.TestCase):
        self.tearDown()
        self.setUp()
        return
    teardown = getattr(self, 'teardown_method', None)
    setup = getattr(self, 'setup_method', None)
    if callable(teardown):
        teardown(method)
    if callable(setup):
        setup(method)


def repeat_with_success_at_least(times, min_success):
    """Run the test ``times`` times; it passes if ``min_success`` trials pass.

    Stops early once the outcome is decided.
    """
    if times < 1 or not (0 <= min_success <= times):
        raise ValueError('need times >= 1 and 0 <= min_success <= times')

    def decorator(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            successes = 0
            failures = []
            for trial in range(times):
                if successes >= min_success:
                    return
                if successes + (times - trial) < min_success:
                    break
                if trial > 0:
                    _reset_fixture(args, f)
                try:
                    f(*args, **kwargs)
                except unittest.SkipTest:
                    raise
                except Exception as e:
                    failures.append(e)
                else:
                    successes += 1
            if successes >= min_success:
                return
            msg = '{} succeeded only {} time(s) in {} trial(s) ({} needed)'.format(
                f.__name__, successes, successes + len(failures), min_success)
            if failures:
                msg += '; first error message:\n{}: {}'.format(
                    type(failures[0]).__name__, failures[0])
                raise AssertionError(msg) from failures[0]
            raise AssertionError(msg)
        return wrapper
    return decorator


def repeat(times):
    """The test must pass in all of ``times`` trials."""
    return repeat_with_success_at_least(times, times)


def retry(times):
    """The test passes if any of up to ``times`` trials passes."""
    return repeat_with_success_at_least(times, 1)
