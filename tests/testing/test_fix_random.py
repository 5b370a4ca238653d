"""testing.fix_random on a TestCase class, with Chainer's semantics: the
seed is set in setUp (an inherited one too), set-up and test draw from one
stream, and tearDown restores the caller's RNG state."""
import unittest

import numpy

from fastgrad import testing


class _Base(unittest.TestCase):
    __test__ = False        # run by hand below

    def setUp(self):
        self.x = numpy.random.rand(3)

    def test_draw(self):
        self.y = numpy.random.rand(3)


@testing.fix_random(seed=5)
class _Seeded(_Base):       # setUp and the test are inherited
    pass


def _run(case_cls):
    case = case_cls('test_draw')
    case.setUp()
    case.test_draw()
    case.tearDown()
    return case


def test_inherited_setup_is_seeded_and_the_stream_continues_into_the_test():
    numpy.random.seed(99)
    ref = numpy.random.rand()
    numpy.random.seed(99)
    case = _run(_Seeded)
    assert numpy.random.rand() == ref        # the outer state is back
    want = numpy.random.RandomState(5).rand(6)
    numpy.testing.assert_array_equal(case.x, want[:3])
    numpy.testing.assert_array_equal(case.y, want[3:])   # not reseeded
    again = _run(_Seeded)
    numpy.testing.assert_array_equal(again.y, case.y)


@testing.fix_random()
class _Default(_Base):
    pass


def test_default_seed_is_chainers():
    numpy.testing.assert_array_equal(_run(_Default).x, numpy.random.RandomState(100).rand(3))


class _FailingSetup(unittest.TestCase):
    __test__ = False

    def setUp(self):
        numpy.random.rand()
        raise RuntimeError('set-up failed')

    def test_never(self):
        pass


def test_failed_setup_restores_the_state():
    cls = testing.fix_random()(_FailingSetup)
    numpy.random.seed(3)
    ref = numpy.random.rand()
    numpy.random.seed(3)
    try:
        cls('test_never').setUp()
    except RuntimeError:
        pass
    assert numpy.random.rand() == ref


@testing.fix_random(seed=2)
class _PlainClass:          # no setUp: each test method is seeded
    __test__ = False

    def test_a(self):
        return numpy.random.rand()


def test_class_without_setup_seeds_each_test():
    obj = _PlainClass()
    assert obj.test_a() == obj.test_a() == numpy.random.RandomState(2).rand()
