"""Memory stays flat over long loops (issue #9): each loop runs in a fresh
interpreter and reports its live-object count and RSS after gc.collect()."""
import pytest

LOOP = '''
import gc
def rss_mb():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
W = fastgrad.Parameter(np.random.rand(20, 20).astype('f'))
marks = {}
for i in range(2001):
    x = fastgrad.Variable(np.random.rand(500, 20).astype('f'))
    y = F.sum(F.tanh(F.linear(x, W)) ** 3)
    %s
    if i in (200, 2000):
        gc.collect()
        marks[i] = (len(gc.get_objects()), rss_mb())
print(marks[2000][0] - marks[200][0], marks[2000][1] - marks[200][1])
'''

STEPS = {
    # WGAN-GP / MAML / Hessian-vector products: a graph stored as x.grad_var
    # reads x, so node -> grad Variable -> ... -> node is a cycle.
    'double_backprop': 'y.backward(enable_double_backprop=True); W.cleargrad()',
    'double_backprop_retain_grad': (
        'y.backward(enable_double_backprop=True, retain_grad=True); '
        'x.cleargrad(); W.cleargrad(); y.cleargrad()'),
    'gradient_penalty': (
        'gx, = fastgrad.grad([y], [x], enable_double_backprop=True); '
        'W.cleargrad(); F.sum(gx * gx).backward()'),
    'plain': 'y.backward(); W.cleargrad()',
}


@pytest.mark.parametrize('name', sorted(STEPS))
def test_memory_is_flat(name, run_python):
    # 1,800 leaked steps would be >= 1,800 objects and ~70 MB (500x20 floats each), in
    # every run; the allocator's high-water mark can jump once in a run (22.9 MB seen
    # on Python 3.13 in CI, -0.2 MB in its next runs), so a second run decides
    for attempt in range(2):
        objects, rss = map(float, run_python(LOOP % STEPS[name], timeout=300).split())
        assert objects < 100, objects
        if rss < 20:
            break
    assert rss < 20, rss
