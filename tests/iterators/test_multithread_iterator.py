import gc
import threading
import time

import numpy
import pytest

import fastgrad.links as L
from fastgrad import dataset, datasets, iterators, optimizers, serializers, training


class ThreadDataset(dataset.DatasetMixin):
    """Each example says which thread loaded it."""

    def __init__(self, n, delay=0.):
        self.n = n
        self.delay = delay

    def __len__(self):
        return self.n

    def get_example(self, i):
        if self.delay:
            time.sleep(self.delay)
        return i, threading.get_ident()


class Failing(dataset.DatasetMixin):
    def __init__(self):
        self.broken = True

    def __len__(self):
        return 4

    def get_example(self, i):
        if i == 2 and self.broken:
            raise KeyError('broken example {}'.format(i))
        return i


class FixedOrder(iterators.OrderSampler):
    """Reverses the order every epoch (deterministic, not a shuffle)."""

    def __init__(self):
        self.calls = 0

    def __call__(self, current_order, current_position):
        self.calls += 1
        return numpy.asarray(current_order)[::-1].copy()


def _worker_threads():
    return [t for t in threading.enumerate()
            if t.name.startswith('MultithreadIterator')]


def _trace(it, n):
    return [(it.next(), it.epoch, it.is_new_epoch, it.epoch_detail,
             it.previous_epoch_detail, it.current_position) for _ in range(n)]


@pytest.mark.parametrize('n_threads', [1, 3])
@pytest.mark.parametrize('shuffle', [None, True, False])
def test_same_batches_as_serial_iterator(shuffle, n_threads):
    data = list(range(11))
    numpy.random.seed(0)
    expected = _trace(iterators.SerialIterator(data, 4, shuffle=shuffle), 9)
    numpy.random.seed(0)
    with iterators.MultithreadIterator(data, 4, shuffle=shuffle,
                                       n_threads=n_threads) as it:
        got = _trace(it, 9)
    assert got == expected
    if shuffle is False:
        assert [b for b, *_ in got[:3]] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 0]]


def test_same_batches_as_serial_iterator_with_order_sampler():
    data = list(range(7))
    sampler_s, sampler_m = FixedOrder(), FixedOrder()
    expected = _trace(iterators.SerialIterator(data, 3, order_sampler=sampler_s), 9)
    with iterators.MultithreadIterator(data, 3, order_sampler=sampler_m,
                                       n_threads=2) as it:
        got = _trace(it, 9)
    assert got == expected
    assert [b for b, *_ in got[:3]] == [[6, 5, 4], [3, 2, 1], [0, 0, 1]]
    # called once at construction and once per epoch boundary crossed: 27
    # examples cross 3; the prefetched 10th batch crosses the 4th
    assert (sampler_s.calls, sampler_m.calls) == (4, 5)
    with pytest.raises(ValueError, match='shuffle'):
        iterators.MultithreadIterator(data, 3, shuffle=True, order_sampler=FixedOrder())


def test_shuffle_none_means_shuffle():
    it = iterators.MultithreadIterator(list(range(10)), 10)
    assert isinstance(it.order_sampler, iterators.ShuffleOrderSampler)
    it2 = iterators.MultithreadIterator(list(range(10)), 10, order_sampler=FixedOrder())
    assert isinstance(it2.order_sampler, FixedOrder)
    assert iterators.MultithreadIterator(list(range(10)), 10, shuffle=False).order_sampler is None
    numpy.random.seed(1)
    batch = it.next()
    assert sorted(batch) == list(range(10)) and batch != list(range(10))
    it.finalize()


def test_epoch_bookkeeping_over_uneven_batches():
    it = iterators.MultithreadIterator(list(range(5)), 2, shuffle=False)
    assert (it.epoch, it.current_position, it.epoch_detail) == (0, 0, 0.)
    assert it.previous_epoch_detail is None
    assert not it.is_new_epoch
    rows = [(it.next(), it.epoch, it.current_position, it.is_new_epoch,
             it.epoch_detail, it.previous_epoch_detail) for _ in range(5)]
    assert rows == [
        ([0, 1], 0, 2, False, 0.4, 0.0),
        ([2, 3], 0, 4, False, 0.8, 0.4),
        ([4, 0], 1, 1, True, 1.2, 0.8),
        ([1, 2], 1, 3, False, 1.6, 1.2),
        ([3, 4], 2, 0, True, 2.0, 1.6),
    ]
    assert it.repeat
    it.finalize()


def test_batch_larger_than_dataset():
    with iterators.MultithreadIterator([0, 1, 2], 7, shuffle=False, n_threads=2) as it:
        assert it.next() == [0, 1, 2, 0, 1, 2, 0]
        assert (it.epoch, it.current_position, it.is_new_epoch) == (2, 1, True)


def test_no_repeat_stops_and_reset():
    it = iterators.MultithreadIterator(list(range(5)), 2, repeat=False,
                                       shuffle=False, n_threads=2)
    try:
        assert list(it) == [[0, 1], [2, 3], [4]]
        assert (it.epoch, it.is_new_epoch, it.epoch_detail) == (1, True, 1.0)
        with pytest.raises(StopIteration):
            it.next()
        with pytest.raises(StopIteration):
            it.next()
        it.reset()
        assert (it.epoch, it.current_position) == (0, 0)
        assert it.previous_epoch_detail is None
        assert list(it) == [[0, 1], [2, 3], [4]]
    finally:
        it.finalize()


def test_no_repeat_empty_dataset():
    with iterators.MultithreadIterator([], 3, repeat=False, shuffle=False) as it:
        assert list(it) == [[]]
    with pytest.raises(ValueError, match='empty'):
        iterators.MultithreadIterator([], 3, shuffle=False).next()


def test_n_threads_spreads_the_batch_and_prefetches():
    # One example takes 0.2 s.  4 threads load a batch of 8 in ~0.4 s, and
    # the next batch is loading while the caller holds this one.
    it = iterators.MultithreadIterator(ThreadDataset(32, delay=0.2), 8,
                                       shuffle=False, n_threads=4)
    try:
        batch = it.next()
        assert [i for i, _ in batch] == list(range(8))
        assert len({tid for _, tid in batch}) == 4
        assert threading.get_ident() not in {tid for _, tid in batch}
        time.sleep(1.0)   # the caller computes; the next batch loads
        start = time.time()
        batch = it.next()
        assert time.time() - start < 0.3
        assert [i for i, _ in batch] == list(range(8, 16))
    finally:
        it.finalize()


def test_bad_n_threads():
    with pytest.raises(ValueError, match='n_threads'):
        iterators.MultithreadIterator([1], 1, n_threads=0)


def test_finalize_is_idempotent_and_stops_threads():
    it = iterators.MultithreadIterator(ThreadDataset(12), 3, shuffle=False, n_threads=3)
    it.finalize()   # before any pool exists
    assert [i for i, _ in it.next()] == [0, 1, 2]
    assert it._pool is not None
    it.finalize()
    it.finalize()
    assert it._pool is None
    deadline = time.time() + 10
    while _worker_threads() and time.time() < deadline:
        time.sleep(0.02)
    assert not _worker_threads()
    # still usable, in order: a new pool loads the rest
    assert [[i for i, _ in it.next()] for _ in range(3)] == [[3, 4, 5], [6, 7, 8], [9, 10, 11]]
    it.finalize()


def test_finalize_keeps_the_order_of_a_dropped_prefetch():
    # The prefetch crossed an epoch boundary (an order drawn from the RNG);
    # after finalize the same batch comes back, no second draw.
    data = list(range(5))
    numpy.random.seed(3)
    expected = _trace(iterators.SerialIterator(data, 3), 4)
    numpy.random.seed(3)
    it = iterators.MultithreadIterator(data, 3, n_threads=2)
    got = _trace(it, 1)
    it.finalize()
    got += _trace(it, 3)
    it.finalize()
    assert got == expected


def test_worker_errors_reach_the_caller():
    ds = Failing()
    it = iterators.MultithreadIterator(ds, 4, shuffle=False, n_threads=2)
    try:
        with pytest.raises(KeyError, match='broken example 2'):
            it.next()
        assert (it.epoch, it.current_position) == (0, 0)
        assert it.previous_epoch_detail is None
        ds.broken = False   # the same batch is tried again
        assert it.next() == [0, 1, 2, 3]
        assert it.epoch == 1
    finally:
        it.finalize()


@pytest.mark.parametrize('shuffle', [False, True])
def test_serialize_resume_mid_epoch(mem_serializers, shuffle):
    Saver, Loader = mem_serializers
    data = list(range(10))
    numpy.random.seed(0)
    with iterators.MultithreadIterator(data, 3, shuffle=shuffle, n_threads=2) as it:
        for _ in range(5):   # epoch 1, position 5
            it.next()
        saver = Saver()
        it.serialize(saver)
        expected = [(it.next(), it.epoch, it.current_position) for _ in range(2)]
        prev = it.previous_epoch_detail
    numpy.random.seed(42)
    with iterators.MultithreadIterator(data, 3, shuffle=shuffle, n_threads=2) as it2:
        it2.next()   # prefetched from its own state: must be dropped
        it2.serialize(Loader(saver.target))
        assert (it2.epoch, it2.current_position) == (1, 5)
        assert it2.epoch_detail == 1.5
        assert it2.previous_epoch_detail == pytest.approx(1.2)
        got = [(it2.next(), it2.epoch, it2.current_position) for _ in range(2)]
    # the rest of the epoch comes from the saved order
    assert got[0] == expected[0]
    assert got[1][0][:2] == expected[1][0][:2]
    assert [g[1:] for g in got] == [e[1:] for e in expected]
    assert it2.previous_epoch_detail == prev
    if shuffle:
        assert 'order' in saver.target
    else:
        assert got[0][0] == [5, 6, 7]


def test_snapshot_keys_match_serial_iterator(mem_serializers):
    Saver, Loader = mem_serializers
    data = list(range(8))
    numpy.random.seed(0)
    s = iterators.SerialIterator(data, 3)
    m = iterators.MultithreadIterator(data, 3)
    for _ in range(2):
        s.next()
        m.next()
    ss, ms = Saver(), Saver()
    s.serialize(ss)
    m.serialize(ms)
    assert sorted(ss.target) == sorted(ms.target)
    s_next, m_next = s.next(), m.next()
    # a SerialIterator snapshot resumes a MultithreadIterator and back; the
    # end of the epoch comes from the saved order (the next epoch's from
    # the RNG)
    m2 = iterators.MultithreadIterator(data, 3)
    m2.serialize(Loader(ss.target))
    assert (m2.epoch, m2.current_position) == (0, 6)
    assert m2.next()[:2] == s_next[:2]
    s2 = iterators.SerialIterator(data, 3)
    s2.serialize(Loader(ms.target))
    assert (s2.epoch, s2.current_position) == (0, 6)
    assert s2.next()[:2] == m_next[:2]
    m.finalize()
    m2.finalize()


def test_save_npz_round_trip(tmp_path):
    data = list(range(9))
    numpy.random.seed(5)
    it = iterators.MultithreadIterator(data, 4, n_threads=2)
    it.next()
    it.next()
    path = str(tmp_path / 'it.npz')
    serializers.save_npz(path, it)
    expected = [it.next() for _ in range(2)]
    it.finalize()
    it2 = iterators.MultithreadIterator(data, 4, n_threads=2)
    serializers.load_npz(path, it2)
    assert (it2.epoch, it2.current_position, it2.is_new_epoch) == (0, 8, False)
    assert it2.next()[0] == expected[0][0]
    it2.finalize()


def test_saving_keeps_the_prefetched_batch(mem_serializers):
    Saver, _ = mem_serializers
    data = list(range(9))
    numpy.random.seed(0)
    s = iterators.SerialIterator(data, 4)
    expected = [s.next() for _ in range(6)]
    numpy.random.seed(0)
    with iterators.MultithreadIterator(data, 4, n_threads=2) as m:
        got = []
        for _ in range(6):
            got.append(m.next())
            m.serialize(Saver())   # a snapshot after every batch
    assert got == expected


def test_garbage_collected_iterator_releases_threads():
    it = iterators.MultithreadIterator(ThreadDataset(6), 2, n_threads=2)
    it.next()
    assert _worker_threads()
    del it
    gc.collect()
    deadline = time.time() + 10
    while _worker_threads() and time.time() < deadline:
        time.sleep(0.02)
    assert not _worker_threads()


def test_under_a_trainer(tmp_path):
    numpy.random.seed(0)
    rng = numpy.random.RandomState(0)
    x = rng.normal(size=(20, 2)).astype(numpy.float32)
    t = (x[:, 0] > 0).astype(numpy.int32)
    model = L.Classifier(L.Linear(2, 2))
    opt = optimizers.SGD(lr=0.1)
    opt.setup(model)
    it = iterators.MultithreadIterator(datasets.TupleDataset(x, t), 8, n_threads=2)
    updater = training.updaters.StandardUpdater(it, opt)
    trainer = training.Trainer(updater, (5, 'iteration'), out=str(tmp_path))
    seen = []
    trainer.extend(lambda tr: seen.append((tr.updater.iteration, it.epoch,
                                           it.current_position)),
                   trigger=(1, 'iteration'))
    w0 = model.predictor.W.array.copy()
    trainer.run()
    assert seen == [(1, 0, 8), (2, 0, 16), (3, 1, 4), (4, 1, 12), (5, 2, 0)]
    assert updater.epoch == 2
    assert not numpy.array_equal(model.predictor.W.array, w0)
    assert it._pool is None   # the trainer finalized the iterator
