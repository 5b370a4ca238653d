"""fastgrad.set_num_threads / get_num_threads and the compiled loops that use
them (batch/group normalization, im2col/col2im; fastgrad/_threads.py,
fastgrad/_core/fg_parallel.h, a pool of Python-API threads per module).

* The thread count's default comes from FASTGRAD_NUM_THREADS, else
  OMP_NUM_THREADS, else the CPUs the process may use; bad values are refused.
* Every thread count gives the same bits (each output is one thread's work).
* A child forked after the parent's workers started has none of them: it
  starts its own instead of waiting forever on the parent's.
* Python threads calling the loops at the same time each get their result
  (one job at a time per pool; the others run theirs serially).
"""
import threading

import numpy
import pytest

import fastgrad
from fastgrad._core import norm


@pytest.fixture
def restore_threads():
    before = fastgrad.get_num_threads()
    yield
    fastgrad.set_num_threads(before)


def test_set_and_get(restore_threads):
    fastgrad.set_num_threads(3)
    assert fastgrad.get_num_threads() == 3
    fastgrad.set_num_threads(1)
    assert fastgrad.get_num_threads() == 1


@pytest.mark.parametrize('bad, error', [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                                        ('2', TypeError), (True, TypeError)])
def test_bad_counts_are_refused(bad, error, restore_threads):
    fastgrad.set_num_threads(2)
    with pytest.raises(error, match='set_num_threads'):
        fastgrad.set_num_threads(bad)
    assert fastgrad.get_num_threads() == 2


@pytest.mark.parametrize('env, expected', [
    ({'FASTGRAD_NUM_THREADS': '3', 'OMP_NUM_THREADS': '5'}, '3'),
    ({'OMP_NUM_THREADS': '4,2'}, '4'),
    ({'FASTGRAD_NUM_THREADS': 'many', 'OMP_NUM_THREADS': '2'}, '2 warned'),
    ({}, 'cpus'),
])
def test_default_count_from_the_environment(env, expected, run_python, monkeypatch):
    for name in ('FASTGRAD_NUM_THREADS', 'OMP_NUM_THREADS'):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = run_python('''
        import warnings
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            import importlib, fastgrad._threads as t
            importlib.reload(t)
        n = t.get_num_threads()
        print(n, 'warned' if w else '', len(os.sched_getaffinity(0)))
        '''.replace('import warnings', 'import os, warnings'))
    n, *rest = out.split()
    if expected == 'cpus':
        assert n == rest[-1]
    elif expected.endswith('warned'):
        assert n == expected.split()[0] and rest[0] == 'warned', out
    else:
        assert n == expected, out


def _norm_results(x, gy, groups):
    c = x.shape[1]
    rng = numpy.random.RandomState(1)
    gamma = rng.uniform(0.5, 1.5, c).astype(x.dtype)
    beta = rng.randn(c).astype(x.dtype)
    y, mean, inv_std, var = norm.bn_forward(x, gamma, beta, 1e-5)
    out = [y, mean, inv_std, var]
    out += norm.bn_backward(x, gy, gamma, mean, inv_std, True)
    out.append(norm.bn_fixed_forward(x, gamma, beta, mean, var, 1e-5))
    if x.ndim > 2:
        y, m, s = norm.gn_forward(x, gamma, beta, groups, 1e-5)
        out += [y, m, s]
        out += norm.gn_backward(x, gy, gamma, m, s, groups, True)
    return out


@pytest.mark.parametrize('shape, groups', [((8, 32, 20, 20), 4), ((4096, 64), 1),
                                           ((3, 64, 9, 9), 64), ((2, 6, 5000), 1)])
def test_normalization_gives_the_same_bits_on_any_thread_count(shape, groups, restore_threads):
    rng = numpy.random.RandomState(0)
    x = (rng.randn(*shape) * 2 + 1).astype(numpy.float32)
    gy = rng.randn(*shape).astype(numpy.float32)
    results = []
    for nt in (1, 2, 3, 7):
        fastgrad.set_num_threads(nt)
        results.append(_norm_results(x, gy, groups))
    for other in results[1:]:
        for a, b in zip(results[0], other):
            numpy.testing.assert_array_equal(a, b)


def test_a_forked_child_starts_its_own_workers(run_python):
    out = run_python('''
        import os, time
        from fastgrad._core import norm, conv2d
        fastgrad.set_num_threads(2)
        x = np.random.rand(16, 64, 32, 32).astype(np.float32)
        g = np.ones(64, np.float32)
        ref = norm.bn_forward(x, g, g, 1e-5)[0]       # the parent's workers exist now
        col = conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 32, 32)
        pid = os.fork()
        if pid == 0:
            ok = fastgrad.get_num_threads() == 2
            ok = ok and np.array_equal(norm.bn_forward(x, g, g, 1e-5)[0], ref)
            ok = ok and np.array_equal(conv2d.im2col(x, 3, 3, 1, 1, 1, 1, 32, 32), col)
            os._exit(0 if ok else 3)
        deadline = time.time() + 60
        while time.time() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                print('exit', os.waitstatus_to_exitcode(status))
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            print('hung')
        ''')
    assert out == 'exit 0', out


def test_python_threads_share_the_pool(restore_threads):
    fastgrad.set_num_threads(2)
    rng = numpy.random.RandomState(5)
    xs = [rng.randn(8, 32, 24, 24).astype(numpy.float32) for _ in range(4)]
    g = numpy.ones(32, numpy.float32)
    expected = [norm.bn_forward(x, g, g, 1e-5)[0] for x in xs]
    got = [[] for _ in xs]

    def work(i):
        for _ in range(20):
            got[i].append(norm.bn_forward(xs[i], g, g, 1e-5)[0])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    for i, results in enumerate(got):
        assert len(results) == 20
        for y in results:
            numpy.testing.assert_array_equal(y, expected[i])
