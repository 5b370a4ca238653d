import os
import time
import warnings

import numpy
import pytest

from fastgrad import dataset, iterators


class PidDataset(dataset.DatasetMixin):
    """Each example says which process loaded it."""

    def __init__(self, n, delay=0.):
        self.n = n
        self.delay = delay

    def __len__(self):
        return self.n

    def get_example(self, i):
        if self.delay:
            time.sleep(self.delay)
        return i, os.getpid()


class Failing(dataset.DatasetMixin):
    def __len__(self):
        return 4

    def get_example(self, i):
        if i == 2:
            raise KeyError('broken example {}'.format(i))
        return i


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # a zombie is dead too
    try:
        with open('/proc/{}/stat'.format(pid)) as f:
            return f.read().split()[2] != 'Z'
    except OSError:
        return True


def test_same_batches_as_serial_iterator():
    data = list(range(11))
    numpy.random.seed(0)
    s = iterators.SerialIterator(data, 4)
    expected = [(s.next(), s.epoch, s.is_new_epoch, s.epoch_detail,
                 s.previous_epoch_detail) for _ in range(9)]
    numpy.random.seed(0)
    with iterators.MultiprocessIterator(data, 4, n_processes=2, n_prefetch=3) as m:
        got = [(m.next(), m.epoch, m.is_new_epoch, m.epoch_detail,
                m.previous_epoch_detail) for _ in range(9)]
    assert got == expected


def test_examples_come_from_worker_processes_and_finalize_stops_them():
    it = iterators.MultiprocessIterator(PidDataset(16), 4, shuffle=False,
                                        n_processes=2)
    batches = [it.next() for _ in range(4)]
    assert [i for b in batches for i, _ in b] == list(range(16))
    pids = {pid for b in batches for _, pid in b}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2
    workers = [p.pid for p in it._pool.processes]
    assert all(_alive(p) for p in workers)
    it.finalize()
    it.finalize()   # idempotent
    deadline = time.time() + 10
    while any(_alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)
    with pytest.raises(RuntimeError, match='finalize'):
        it.next()


def test_no_repeat_and_reset():
    it = iterators.MultiprocessIterator(list(range(5)), 2, repeat=False,
                                        shuffle=False, n_processes=2)
    try:
        assert list(it) == [[0, 1], [2, 3], [4]]
        assert it.epoch == 1
        with pytest.raises(StopIteration):
            it.next()
        it.reset()
        assert it.epoch == 0
        assert list(it) == [[0, 1], [2, 3], [4]]
    finally:
        it.finalize()


def test_reset_after_finalize_is_refused():
    it = iterators.MultiprocessIterator(list(range(4)), 2, n_processes=1)
    it.next()
    it.finalize()
    with pytest.raises(NotImplementedError, match='after finalize'):
        it.reset()


def test_pickled_iterator_continues_where_the_original_was_read():
    """Shuffled over several epochs with batches prefetched beyond the one
    read: the copy gives the same batches as the original from there on."""
    import pickle
    numpy.random.seed(3)
    it = iterators.MultiprocessIterator(list(range(7)), 3, n_processes=2, n_prefetch=4)
    try:
        for _ in range(4):
            it.next()
        copy = pickle.loads(pickle.dumps(it))
        try:
            assert copy.epoch_detail == it.epoch_detail
            want = [it.next() for _ in range(6)]
            assert [copy.next() for _ in range(6)] == want
        finally:
            copy.finalize()
    finally:
        it.finalize()


def test_worker_errors_reach_the_caller():
    it = iterators.MultiprocessIterator(Failing(), 4, shuffle=False, n_processes=2)
    try:
        with pytest.raises(KeyError, match='broken example 2'):
            it.next()
    finally:
        it.finalize()


def test_timeout_warning():
    it = iterators.MultiprocessIterator(PidDataset(2, delay=0.3), 2, shuffle=False,
                                        n_processes=1, dataset_timeout=0.05)
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            batch = it.next()
        assert [i for i, _ in batch] == [0, 1]
        assert any(issubclass(x.category, iterators.MultiprocessIterator.TimeoutWarning)
                   for x in w)
    finally:
        it.finalize()


def test_prefetch_runs_ahead():
    # Loading one batch takes 0.3 s; with 4 batches requested ahead, the
    # next 3 are ready by the time they are asked for (serially: 0.9 s).
    it = iterators.MultiprocessIterator(PidDataset(8, delay=0.3), 2, shuffle=False,
                                        n_processes=4, n_prefetch=4)
    try:
        it.next()   # starts the pool and requests the batches
        time.sleep(1.5)
        start = time.time()
        for _ in range(3):
            it.next()
        assert time.time() - start < 0.45
    finally:
        it.finalize()


def test_serialize_resume(mem_serializers):
    Saver, Loader = mem_serializers
    numpy.random.seed(0)
    with iterators.MultiprocessIterator(list(range(7)), 3, n_processes=2,
                                        n_prefetch=2) as it:
        for _ in range(4):
            it.next()
        saver = Saver()
        it.serialize(saver)
        expected = [it.next() for _ in range(2)]
        with iterators.MultiprocessIterator(list(range(7)), 3, n_processes=2) as it2:
            it2.next()   # has prefetched from its own state: must be dropped
            it2.serialize(Loader(saver.target))
            assert (it2.epoch, it2.current_position) == (1, 5)
            # the end of the epoch comes from the saved order
            assert it2.next()[:2] == expected[0][:2]


def test_bad_arguments():
    with pytest.raises(ValueError):
        iterators.MultiprocessIterator([1], 1, n_prefetch=0)
    with pytest.raises(ValueError):
        iterators.MultiprocessIterator([1], 1, n_processes=0)
    with pytest.raises(ValueError, match='shuffle'):
        iterators.MultiprocessIterator([1], 1, shuffle=False,
                                       order_sampler=iterators.ShuffleOrderSampler())


def test_garbage_collected_iterator_stops_workers():
    import gc
    it = iterators.MultiprocessIterator(list(range(4)), 2, n_processes=2)
    it.next()
    workers = [p.pid for p in it._pool.processes]
    del it
    gc.collect()
    deadline = time.time() + 10
    while any(_alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in workers)


def test_saving_keeps_the_prefetched_batches(mem_serializers):
    Saver, _ = mem_serializers
    data = list(range(9))
    numpy.random.seed(0)
    s = iterators.SerialIterator(data, 4)
    expected = [s.next() for _ in range(6)]
    numpy.random.seed(0)
    with iterators.MultiprocessIterator(data, 4, n_processes=2, n_prefetch=3) as m:
        got = []
        for _ in range(6):
            got.append(m.next())
            m.serialize(Saver())   # a snapshot after every batch
    assert got == expected


# -- a worker that dies: an error within seconds, not a hang --------------------
# Each case runs in a fresh interpreter with a timeout, so a hang fails the
# test instead of stopping the suite.

_DIES = '''
import os, signal, sys, time
import fastgrad
from fastgrad import iterators

how = sys.argv[1]


class Dataset(object):
    def __len__(self):
        return 40

    def __getitem__(self, i):
        if i == 7 and how == 'sigkill':
            os.kill(os.getpid(), signal.SIGKILL)
        if i == 7 and how == 'exit':
            os._exit(3)
        if i >= 4 and how == 'busy':
            with open('busy.pid', 'w') as f:
                f.write(str(os.getpid()))
            time.sleep(3)
        return i


it = iterators.MultiprocessIterator(Dataset(), 4, shuffle=False, n_processes=2,
                                    maxtasksperchild=int(sys.argv[2]) or None)
print(next(it), flush=True)
if how == 'busy':                   # killed from outside while loading
    while not os.path.exists('busy.pid'):
        time.sleep(0.01)
    time.sleep(0.1)
    with open('busy.pid') as f:
        os.kill(int(f.read()), signal.SIGKILL)
if how == 'idle':                   # killed while waiting for a task
    time.sleep(0.5)
    os.kill(it._pool.processes[0].pid, signal.SIGKILL)
    time.sleep(0.5)
start = time.monotonic()
try:
    for _ in range(9):
        next(it)
except RuntimeError as e:
    print('RuntimeError after %.1f s: %s' % (time.monotonic() - start, e))
else:
    print('no error')
try:
    next(it)
except RuntimeError as e:
    print('then:', e)
it.finalize()
print('finalized')
'''


def _run_dies(tmp_path, how, maxtasksperchild=0):
    import subprocess
    import sys

    import fastgrad
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable, '-c', _DIES, how, str(maxtasksperchild)],
                          capture_output=True, text=True, timeout=60, env=env,
                          cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.endswith('finalized\n')
    return proc.stdout


@pytest.mark.parametrize('how, message', [
    ('sigkill', 'killed by signal 9 (SIGKILL)'),
    ('exit', 'exited with code 3'),
    ('busy', 'killed by signal 9 (SIGKILL)'),
])
def test_a_dead_worker_raises_within_seconds(tmp_path, how, message):
    out = _run_dies(tmp_path, how)
    line = [x for x in out.splitlines() if x.startswith('RuntimeError')][0]
    assert message in line and 'while loading a batch' in line
    assert float(line.split()[2]) < 10      # (Chainer hangs forever here)
    assert 'then: MultiprocessIterator: used after finalize()' in out


def test_a_worker_killed_while_idle_does_not_hang(tmp_path):
    # It may hold the task queue's lock: then the other workers can take no
    # task and the wait raises; if not, no batch is lost.  Either way no
    # hang, and finalize() returns.
    out = _run_dies(tmp_path, 'idle')
    assert 'no error' in out or 'killed by signal 9 (SIGKILL)' in out


def test_workers_replaced_by_maxtasksperchild_are_not_an_error(tmp_path):
    out = _run_dies(tmp_path, 'none', maxtasksperchild=1)
    assert 'no error' in out


_CHURN = '''
from fastgrad import iterators
for k in range(40):
    it = iterators.MultiprocessIterator(list(range(64)), 8, n_processes=2,
                                        n_prefetch=4)
    for _ in range(k % 3):
        it.next()
    it.finalize()        # with batches still being loaded, or none asked for
print('done')
'''


def test_finalize_never_hangs_under_churn(tmp_path):
    # multiprocessing.Pool.terminate() could wait forever on its task-queue
    # lock; 40 start/stop cycles in a fresh interpreter, with a timeout.
    import subprocess
    import sys

    import fastgrad
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
    # cwd outside the source tree: `-c` puts the cwd first on sys.path
    proc = subprocess.run([sys.executable, '-c', _CHURN], capture_output=True,
                          text=True, timeout=120, env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == 'done\n'
