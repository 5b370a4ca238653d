"""The engine reads config.enable_backprop / config.type_check per op through a
cache of the current thread's config dict: each thread must see its own
overrides (using_config, no_backprop_mode) and everyone's global values, also
when ops of several threads interleave."""
import threading

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.utils.type_check import InvalidType


def _x():
    return fastgrad.Variable(numpy.ones(3, numpy.float32))


def _run_interleaved(a, b, rounds=5):
    """Run a(i) in a thread and b(i) here, strictly alternating, ``rounds`` times."""
    go_a, go_b = threading.Event(), threading.Event()
    errors = []

    def thread():
        try:
            for i in range(rounds):
                assert go_a.wait(10)
                go_a.clear()
                a(i)
                go_b.set()
        except BaseException as e:     # reported by the main thread
            errors.append(e)
            go_b.set()

    t = threading.Thread(target=thread)
    t.start()
    try:
        for i in range(rounds):
            go_a.set()
            assert go_b.wait(10)
            go_b.clear()
            if errors:
                raise errors[0]
            b(i)
    finally:
        go_a.set()
        t.join(10)
    assert not t.is_alive()
    if errors:
        raise errors[0]


def test_no_backprop_mode_is_per_thread_when_ops_interleave():
    x = _x()
    seen = []

    def in_thread(i):
        with fastgrad.no_backprop_mode():
            seen.append(('thread', (x * 2.0).creator is None))

    def here(i):
        seen.append(('main', (x * 2.0).creator is not None))

    _run_interleaved(in_thread, here)
    assert seen == [('thread', True), ('main', True)] * 5


def test_thread_sees_the_global_value_and_not_other_threads_overrides():
    x = _x()
    seen = []
    with fastgrad.no_backprop_mode():          # this thread only
        assert (x * 2.0).creator is None

        def in_thread(i):
            seen.append((x * 2.0).creator is not None)

        _run_interleaved(in_thread, lambda i: seen.append((x * 2.0).creator is None))
    assert seen == [True] * 10
    assert (x * 2.0).creator is not None


def test_global_enable_backprop_switches_every_thread():
    x = _x()
    old = fastgrad.global_config.enable_backprop
    fastgrad.global_config.enable_backprop = False
    try:
        seen = []
        _run_interleaved(lambda i: seen.append((x * 2.0).creator is None),
                         lambda i: seen.append(F.tanh(x).creator is None))
        assert seen == [True] * 10
    finally:
        fastgrad.global_config.enable_backprop = old
    assert (x * 2.0).creator is not None


def test_type_check_override_is_per_thread():
    bad = numpy.ones(3, numpy.int32)
    seen = []

    def in_thread(i):
        with fastgrad.using_config('type_check', False):
            seen.append(F.tanh(bad).dtype.kind)

    def here(i):
        with pytest.raises(InvalidType):
            F.tanh(bad)
        seen.append('raised')

    _run_interleaved(in_thread, here)
    assert seen == ['f', 'raised'] * 5
