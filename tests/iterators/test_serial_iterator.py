import numpy
import pytest

from fastgrad import iterators


def _flat(batches):
    return [x for b in batches for x in b]


def test_no_shuffle_repeat_wraps_around():
    it = iterators.SerialIterator(list(range(5)), 2, shuffle=False)
    assert it.epoch == 0 and it.epoch_detail == 0. and it.previous_epoch_detail is None
    assert it.next() == [0, 1]
    assert not it.is_new_epoch and it.epoch_detail == pytest.approx(0.4)
    assert it.previous_epoch_detail == 0.
    assert it.next() == [2, 3]
    assert it.current_position == 4
    # the batch spanning the epoch end is completed from the next epoch
    assert it.next() == [4, 0]
    assert it.is_new_epoch and it.epoch == 1
    assert it.epoch_detail == pytest.approx(1.2)
    assert it.previous_epoch_detail == pytest.approx(0.8)
    assert it.next() == [1, 2]
    assert not it.is_new_epoch


def test_exact_epoch_boundary():
    it = iterators.SerialIterator(list(range(4)), 2, shuffle=False)
    it.next()
    assert it.next() == [2, 3]
    assert it.is_new_epoch and it.epoch == 1 and it.current_position == 0
    assert it.epoch_detail == 1.


def test_batch_larger_than_dataset():
    it = iterators.SerialIterator([0, 1], 5, shuffle=False)
    assert it.next() == [0, 1, 0, 1, 0]
    assert it.epoch == 2 and it.current_position == 1
    assert it.epoch_detail == pytest.approx(2.5)


def test_no_repeat_stops_after_one_epoch():
    it = iterators.SerialIterator(list(range(5)), 2, repeat=False, shuffle=False)
    assert list(it) == [[0, 1], [2, 3], [4]]
    assert it.epoch == 1
    with pytest.raises(StopIteration):
        it.next()
    it.reset()
    assert it.epoch == 0 and it.previous_epoch_detail is None
    assert list(it) == [[0, 1], [2, 3], [4]]


def test_shuffle_covers_each_epoch_once_and_is_seeded():
    data = list(range(10))
    numpy.random.seed(0)
    it = iterators.SerialIterator(data, 5)
    e1 = it.next() + it.next()
    assert it.is_new_epoch
    e2 = it.next() + it.next()
    assert sorted(e1) == data and sorted(e2) == data
    assert e1 != data and e1 != e2
    numpy.random.seed(0)
    again = iterators.SerialIterator(data, 5)
    assert again.next() + again.next() == e1


def test_shuffle_with_wraparound_keeps_epochs_whole():
    numpy.random.seed(1)
    it = iterators.SerialIterator(list(range(7)), 3)
    seen = _flat(it.next() for _ in range(7))     # 21 = 3 epochs
    for k in range(3):
        assert sorted(seen[7 * k:7 * (k + 1)]) == list(range(7))


def test_default_shuffle_is_on():
    numpy.random.seed(3)
    it = iterators.SerialIterator(list(range(50)), 50)
    assert it.next() != list(range(50))


def test_order_sampler():
    class Reverse(iterators.OrderSampler):
        def __init__(self):
            self.calls = []

        def __call__(self, order, pos):
            self.calls.append(pos)
            return numpy.arange(len(order))[::-1]

    s = Reverse()
    it = iterators.SerialIterator(list(range(4)), 3, order_sampler=s)
    assert it.next() == [3, 2, 1]
    assert it.next() == [0, 3, 2]
    assert len(s.calls) == 2
    with pytest.raises(ValueError, match='shuffle'):
        iterators.SerialIterator([1], 1, shuffle=True, order_sampler=s)


def test_order_sampler_bad_length():
    sizes = iter([3, 2])
    it = iterators.SerialIterator(
        list(range(3)), 3, order_sampler=lambda order, pos: numpy.arange(next(sizes)))
    with pytest.raises(ValueError, match='length'):
        it.next()


def test_shuffle_order_sampler_random_state():
    s = iterators.ShuffleOrderSampler(numpy.random.RandomState(5))
    t = iterators.ShuffleOrderSampler(numpy.random.RandomState(5))
    a, b = s(numpy.arange(20), 0), t(numpy.arange(20), 0)
    numpy.testing.assert_array_equal(a, b)
    assert sorted(a) == list(range(20))


def test_empty_dataset_repeat_fails():
    it = iterators.SerialIterator([], 2, shuffle=False)
    with pytest.raises(ValueError, match='empty'):
        it.next()


def test_tuple_dataset_examples():
    from fastgrad import datasets
    d = datasets.TupleDataset(numpy.arange(6).reshape(3, 2), numpy.arange(3))
    it = iterators.SerialIterator(d, 2, shuffle=False)
    b = it.next()
    assert len(b) == 2 and isinstance(b[0], tuple)
    numpy.testing.assert_array_equal(b[1][0], [2, 3])


@pytest.mark.parametrize('shuffle', [False, True])
def test_serialize_resume(mem_serializers, shuffle):
    Saver, Loader = mem_serializers
    numpy.random.seed(0)
    it = iterators.SerialIterator(list(range(7)), 3, shuffle=shuffle)
    for _ in range(4):
        it.next()
    saver = Saver()
    it.serialize(saver)
    expected = [it.next() for _ in range(5)]
    expected_state = (it.epoch, it.current_position, it.epoch_detail)

    numpy.random.seed(123)   # the restored order must not depend on the RNG
    it2 = iterators.SerialIterator(list(range(7)), 3, shuffle=shuffle)
    it2.serialize(Loader(saver.target))
    assert it2.epoch == 1 and it2.current_position == 5
    assert it2.previous_epoch_detail == pytest.approx(2 / 7 + 1)
    got = [it2.next() for _ in range(5)]
    if shuffle:
        # the rest of the current epoch comes from the saved order
        assert got[0][:2] == expected[0][:2]
        assert sorted(_flat(got)[2:9]) == list(range(7))
    else:
        assert got == expected
    assert (it2.epoch, it2.current_position) == expected_state[:2]


def test_serialize_without_previous_epoch_detail(mem_serializers):
    Saver, Loader = mem_serializers
    it = iterators.SerialIterator(list(range(10)), 4, shuffle=False)
    it.next(), it.next()
    saver = Saver()
    it.serialize(saver)
    del saver.target['previous_epoch_detail']
    it2 = iterators.SerialIterator(list(range(10)), 4, shuffle=False)
    it2.serialize(Loader(saver.target))
    assert it2.previous_epoch_detail == pytest.approx(0.4)


@pytest.mark.parametrize('cls', ['SerialIterator', 'MultithreadIterator'])
def test_serializers_without_sub_hierarchies_save_and_load(cls):
    # Chainer lets a Serializer leave __getitem__ unimplemented (its base raises
    # NotImplementedError); the iterator then keeps its position and order but
    # not the order sampler's random state, which needs a sub-hierarchy.
    from fastgrad.serializer import Deserializer, Serializer

    class FlatSaver(Serializer):
        def __init__(self):
            self.target = {}

        def __call__(self, key, value):
            self.target[key] = value
            return value

    class FlatLoader(Deserializer):
        def __init__(self, target):
            self.target = target

        def __call__(self, key, value):
            stored = self.target[key]
            if isinstance(value, numpy.ndarray):
                numpy.copyto(value, stored)
                return value
            return stored if value is None else type(value)(stored)

    make = getattr(iterators, cls)
    it = make(numpy.arange(6, dtype=numpy.float32), 2, shuffle=True)
    first = it.next() + it.next()
    saver = FlatSaver()
    it.serialize(saver)
    assert not any('order_sampler' in k for k in saver.target)
    it2 = make(numpy.arange(6, dtype=numpy.float32), 2, shuffle=True)
    it2.serialize(FlatLoader(saver.target))
    assert it2.epoch_detail == pytest.approx(4 / 6)
    last = it2.next()
    assert it2.is_new_epoch
    assert sorted(first + last) == list(range(6))
    if hasattr(it2, 'finalize'):
        it2.finalize()
        it.finalize()
