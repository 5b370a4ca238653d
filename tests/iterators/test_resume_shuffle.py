"""Beyond Chainer: resuming a shuffling iterator from a snapshot gives the
batches (and a Trainer the weights) of an uninterrupted run, bit for bit:
the order sampler's random state is saved with the iterator's state
(``order_sampler/random_state``; Chainer 7.8.1 saves no RNG state, so its
resumed runs draw other orders)."""
import numpy
import pytest

import fastgrad.links as L
from fastgrad import datasets, iterators, optimizers, serializers, training
from fastgrad.iterators import ShuffleOrderSampler

N_BATCHES, CUT = 17, 7      # 10 examples, batches of 3: several epoch ends


def _sampler(kind, seed):
    if kind == 'global':
        numpy.random.seed(seed)
        return None                            # shuffle=True: NumPy's global RNG
    if kind == 'RandomState':
        return ShuffleOrderSampler(numpy.random.RandomState(seed))
    return ShuffleOrderSampler(numpy.random.default_rng(seed))


def _make(cls, kind, seed):
    sampler = _sampler(kind, seed)
    kw = {'order_sampler': sampler} if sampler is not None else {'shuffle': True}
    if cls is iterators.MultiprocessIterator:
        kw.update(n_processes=2, n_prefetch=3)
    if cls is iterators.MultithreadIterator:
        kw.update(n_threads=2)
    return cls(list(range(10)), 3, **kw)


def _take(it, n):
    return [list(next(it)) for _ in range(n)]


@pytest.mark.parametrize('kind', ['global', 'RandomState', 'Generator'])
@pytest.mark.parametrize('cls', [iterators.SerialIterator, iterators.MultithreadIterator,
                                 iterators.MultiprocessIterator])
def test_resumed_iterator_gives_the_uninterrupted_batches(tmp_path, cls, kind):
    it = _make(cls, kind, 0)
    want = _take(it, N_BATCHES)
    it.finalize()

    it = _make(cls, kind, 0)
    got = _take(it, CUT)
    path = str(tmp_path / 'it.npz')
    serializers.save_npz(path, it)
    got_more = _take(it, 2)                    # saving changed nothing
    it.finalize()
    assert got_more == want[CUT:CUT + 2]

    numpy.random.rand(7)                       # the global RNG moves on
    resumed = _make(cls, kind, 12345)          # another seed, then the snapshot
    serializers.load_npz(path, resumed)
    got += _take(resumed, N_BATCHES - CUT)
    resumed.finalize()
    assert got == want


def test_snapshot_holds_the_random_state_and_chainers_keys(tmp_path):
    it = _make(iterators.SerialIterator, 'RandomState', 0)
    _take(it, 2)
    path = str(tmp_path / 'it.npz')
    serializers.save_npz(path, it)
    with numpy.load(path) as f:
        assert set(f.files) == {'current_position', 'epoch', 'is_new_epoch', 'order',
                                'previous_epoch_detail', 'order_sampler/random_state'}


def test_a_snapshot_without_the_random_state_still_loads(tmp_path):
    # Chainer's snapshots have no random state: the RNG is left as it is.
    it = _make(iterators.SerialIterator, 'RandomState', 0)
    _take(it, 2)
    path = str(tmp_path / 'it.npz')
    serializers.save_npz(path, it)
    with numpy.load(path) as f:
        chainer_like = {k: f[k] for k in f.files if not k.startswith('order_sampler')}
    numpy.savez(path, **chainer_like)
    resumed = _make(iterators.SerialIterator, 'RandomState', 5)
    serializers.load_npz(path, resumed)
    assert resumed.current_position == 6
    numpy.testing.assert_array_equal(resumed._state.order, it._state.order)


def _trainer(out, stop, seed, cls):
    numpy.random.seed(seed)
    rng = numpy.random.RandomState(0)
    x = rng.normal(size=(50, 3)).astype(numpy.float32)
    t = (x.sum(axis=1) > 0).astype(numpy.int32)
    model = L.Classifier(L.Linear(3, 2))
    model.predictor.W.array[...] = rng.normal(size=(2, 3))
    opt = optimizers.MomentumSGD(0.1)
    opt.setup(model)
    kw = {'n_processes': 2} if cls is iterators.MultiprocessIterator else {}
    it = cls(datasets.TupleDataset(x, t), 8, shuffle=True, **kw)
    updater = training.updaters.StandardUpdater(it, opt)
    return training.Trainer(updater, stop, out=str(out)), model


@pytest.mark.parametrize('cls', [iterators.SerialIterator, iterators.MultiprocessIterator])
def test_resumed_training_is_bit_identical(tmp_path, cls):
    trainer, model = _trainer(tmp_path / 'a', (4, 'epoch'), 0, cls)
    trainer.run()
    want = model.predictor.W.array.copy()

    trainer, _ = _trainer(tmp_path / 'b', (11, 'iteration'), 0, cls)   # mid-epoch
    trainer.run()
    path = str(tmp_path / 'snapshot.npz')
    serializers.save_npz(path, trainer)
    trainer, model = _trainer(tmp_path / 'c', (4, 'epoch'), 99, cls)
    serializers.load_npz(path, trainer)
    trainer.run()
    numpy.testing.assert_array_equal(model.predictor.W.array, want)


def test_hdf5_snapshot_resumes_the_same_batches(tmp_path):
    pytest.importorskip('h5py')
    it = _make(iterators.SerialIterator, 'global', 0)
    _take(it, CUT)
    path = str(tmp_path / 'it.h5')
    serializers.save_hdf5(path, it)
    want = _take(it, 8)
    resumed = _make(iterators.SerialIterator, 'global', 3)
    serializers.load_hdf5(path, resumed)
    assert _take(resumed, 8) == want
