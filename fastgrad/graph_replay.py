"""CUDA-graph replay of a training step (opt-in).

A step with static shapes (the same batch shape and the same graph every
time) launches hundreds of small kernels, and on the host their launches
can cost more than the GPU work.  :func:`capture_step` records forward,
backward and the optimizer update once into a CUDA graph (CuPy stream
capture) and replays it with one launch per step.

What a replay cannot see, and how it is handled:

* Memory: the captured step allocates from a private CuPy memory pool that
  the graph owns, so nothing outside reuses the graph's addresses.
* Inputs and outputs: the wrapper owns static input buffers (each call
  copies the new arrays into them) and returns the captured outputs, which
  every replay overwrites.  A new shape/dtype signature is warmed up and
  captured too (a small LRU cache of graphs, one per signature).
* Python scalars are frozen into the kernels: the optimizers' hyperparameters
  are snapshotted (a change recaptures); Adam reads its step count ``t`` from
  a device counter that every step advances; dropout draws its mask from a
  counter-based generator keyed by that counter.  The host ``optimizer.t``
  and each rule's ``t`` still advance once per step.
* In-place state: a step that rebinds a parameter, an optimizer state or a
  persistent array (instead of writing it in place) would leave the graph
  writing a dead buffer; the capture checks and refuses it.
* A host sync inside the step (``float(loss)``, ``.item()``, a boolean mask)
  cannot be captured: the capture is abandoned cleanly and
  :class:`GraphCaptureError` says why, or with ``fallback=True`` a warning
  is given once and the step runs eagerly from then on.

The CUDA specifics live in :class:`_CupyBackend`; tests drive the wrapper's
logic on the CPU with an emulated backend.
"""
import collections
import warnings
import weakref

import numpy

# The capture context of the step being run by a CapturedStep (warm-up or
# capture), read by Adam and dropout; None otherwise.
_current = None

_GOLDEN = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1


class GraphCaptureError(RuntimeError):
    """A training step cannot be captured into a CUDA graph.

    >>> issubclass(fastgrad.graph_replay.GraphCaptureError, RuntimeError)
    True
    """


def _mix64(z):
    """splitmix64's finalizer on a Python int (mod 2**64)."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _site_key(seed, site):
    return _mix64(seed * _GOLDEN + site)


def counter_uniform_numpy(key, step, size):
    """NumPy twin of the dropout kernel's uniforms in [0, 1) (for tests)."""
    with numpy.errstate(over='ignore'):
        g = numpy.uint64(_GOLDEN)
        s = numpy.uint64(_mix64(key + step * _GOLDEN))
        z = s + (numpy.arange(size, dtype=numpy.uint64) + numpy.uint64(1)) * g
        z = (z ^ (z >> numpy.uint64(30))) * numpy.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> numpy.uint64(27))) * numpy.uint64(0x94D049BB133111EB)
        z = z ^ (z >> numpy.uint64(31))
    return (z >> numpy.uint64(11)).astype(numpy.float64) * (1.0 / 9007199254740992.0)


_DROPOUT_PREAMBLE = '''
__device__ unsigned long long fg_mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
'''
_dropout_kernel_cache = []


def _dropout_kernel():
    if not _dropout_kernel_cache:
        import cupy
        # The step number is read on the device (c[0]) so that every replay
        # of the same graph draws a new mask.
        _dropout_kernel_cache.append(cupy.ElementwiseKernel(
            'raw float64 c, uint64 key, float64 ratio, T scale, T zero', 'T mask',
            '''
            const unsigned long long g = 0x9E3779B97F4A7C15ULL;
            unsigned long long s = fg_mix64(key + (unsigned long long)c[0] * g);
            unsigned long long h = fg_mix64(s + ((unsigned long long)i + 1ULL) * g);
            double u = (double)(h >> 11) * (1.0 / 9007199254740992.0);
            mask = u >= ratio ? scale : zero;
            ''', 'fastgrad_counter_dropout', preamble=_DROPOUT_PREAMBLE))
    return _dropout_kernel_cache[0]


def dropout_mask(x, ratio):
    """The dropout mask of CuPy ``x`` inside a captured step: drawn from a
    counter-based generator whose counter lives on the device, so each replay
    draws a new mask (CuPy's own generator advances on the host only)."""
    ctx = _current
    key = ctx.site_key()
    dtype = x.dtype
    mask = ctx.xp.empty(x.shape, dtype)
    _dropout_kernel()(ctx.counter, numpy.uint64(key), float(ratio),
                      dtype.type(1.0 / (1.0 - ratio)), dtype.type(0), mask)
    return mask


def refuse(name, why):
    """Raise GraphCaptureError while a step is being captured, else do nothing.

    An update rule that reads host values which change every step (and has
    no device-side equivalent) calls it, so that the capture fails with a
    clear message: ``name`` cannot be captured because ``why``.

    >>> fastgrad.graph_replay.refuse('MyRule', 'it reads t on the host')  # no capture
    """
    if _current is not None and _current.capturing:
        raise GraphCaptureError('{} cannot be captured into a CUDA graph: {}'.format(name, why))


class _StepContext(object):
    """Per-capture values: the device step counter, the host step it stands
    for, and what is frozen at capture (rule offsets, dropout seed)."""

    def __init__(self, xp, counter, step, seed, rules, capturing):
        self.capturing = capturing      # False in the eager warm-up
        self.xp = xp
        self.counter = counter
        self.step = step
        self.seed = seed
        self.rules = rules
        self.offsets = {}
        self.used = {}
        self.cache = {}
        self.site = 0

    def new_run(self):
        self.cache = {}
        self.site = 0

    def step_count(self, rule):
        """A device scalar equal to ``rule.t`` at the running step."""
        key = id(rule)
        offset = self.offsets.get(key)
        if offset is None:
            if key not in self.rules and self.capturing:
                raise GraphCaptureError(
                    'capture_step: {} updates a parameter of an optimizer that was not '
                    'given to capture_step; pass every optimizer the step updates'
                    .format(type(rule).__name__))
            # Frozen at capture: rule.t - step stays constant while both advance.
            offset = self.offsets[key] = rule.t - self.step
            self.used[key] = rule
        t = self.cache.get(('t', offset))
        if t is None:
            t = self.counter if offset == 0 else self.counter + float(offset)
            self.cache[('t', offset)] = t
        return t

    def cached(self, key, make):
        """``make()`` once per run for ``key`` (device scalars shared by rules)."""
        value = self.cache.get(key)
        if value is None:
            value = self.cache[key] = make()
        return value

    def site_key(self):
        self.site += 1
        return _site_key(self.seed, self.site)


class _CupyBackend(object):
    """The CUDA side: a capture stream, private pools, capture and launch."""

    def __init__(self):
        import cupy
        self.xp = cupy
        self.stream = cupy.cuda.Stream(non_blocking=True)

    def accepts(self, arrays):
        cupy = self.xp
        return all(isinstance(a, cupy.ndarray) for a in arrays)

    def counter(self):
        return self.xp.zeros((), numpy.float64)

    def increment(self, counter):
        counter += 1

    def new_pool(self):
        return self.xp.cuda.MemoryPool()

    def empty_like(self, a, pool):
        cupy = self.xp
        with a.device, cupy.cuda.using_allocator(pool.malloc):
            return cupy.empty(a.shape, a.dtype)

    def copy(self, dst, src):
        dst[...] = src

    def copy_array(self, a):
        return a.copy()

    def random_seed(self):
        # From CuPy's generator (cupy.random.seed makes it reproducible).
        hi, lo = (int(v) for v in self.xp.random.randint(0, 2 ** 31, size=2).get())
        return (hi << 31) | lo

    def _enter_stream(self):
        # The capture stream does not sync with the legacy default stream:
        # order it after the caller's current stream explicitly.
        self.stream.wait_event(self.xp.cuda.get_current_stream().record())

    def warmup(self, run):
        self._enter_stream()
        with self.stream:
            out = run()
        self.stream.synchronize()
        return out

    def capture(self, run, pool, tracked):
        cupy = self.xp
        self._enter_stream()
        self.stream.synchronize()
        with self.stream, cupy.cuda.using_allocator(pool.malloc):
            # relaxed: the pool may cudaMalloc during the capture
            self.stream.begin_capture(cupy.cuda.runtime.streamCaptureModeRelaxed)
            try:
                out = run()
            except BaseException:
                self._abandon()
                raise
            graph = self.stream.end_capture()
        return graph, out

    def _abandon(self):
        # An invalidated capture still has to be ended (it raises then); the
        # stream is usable afterwards.
        try:
            self.stream.end_capture()
        except Exception:
            pass
        try:
            self.stream.synchronize()
        except Exception:
            pass

    def launch(self, graph):
        graph.launch(self.xp.cuda.get_current_stream())

    def synchronize(self):
        self.xp.cuda.get_current_stream().synchronize()


def _cupy_backend():
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return _CupyBackend()
    except Exception:
        pass
    return None


# Pools of dropped graphs.  A CuPy pool frees its memory when it is collected,
# even memory still referenced by arrays (a parameter's grad, a returned
# loss), so a pool is kept until none of its memory is in use.
_retired_pools = []


def _pool_in_use(pool):
    free_all_blocks = getattr(pool, 'free_all_blocks', None)
    if free_all_blocks is None:       # not a CuPy pool (the tests' emulation)
        return False
    free_all_blocks()                 # its graph is gone: release what is free
    return pool.used_bytes() > 0


def _retire(pool):
    if pool is not None:
        _retired_pools.append(pool)
    _retired_pools[:] = [p for p in _retired_pools if _pool_in_use(p)]


def _drop(entry):
    pool = entry.pool
    entry.graph = entry.inputs = entry.output = entry.report = entry.pool = None
    _retire(pool)


def _drop_all(entries):
    for entry in entries.values():
        _drop(entry)


class _Entry(object):
    """One signature's warm-up count and, once captured, its graph."""

    __slots__ = ('eager', 'graph', 'inputs', 'output', 'report', 'pool', 'deltas')

    def __init__(self):
        self.eager = 0
        self.graph = self.inputs = self.output = self.report = self.pool = self.deltas = None


def _is_array(a):
    return isinstance(a, numpy.ndarray) or type(a).__module__.startswith('cupy')


_SCALARS = (bool, int, float, str, type(None))


def _same(a, b):
    return a is b or (type(a) in _SCALARS and type(a) is type(b) and a == b)


class CapturedStep(object):
    """A training step replayed from a CUDA graph; see :func:`capture_step`.

    Attributes:
        captures (int): Graphs captured so far (recaptures included).
        replays (int): Steps run by replaying a graph.
        eager_steps (int): Steps run eagerly (warm-up and fallback).

    >>> import warnings
    >>> model = L.Linear(1, 1, initialW=np.array([[2.]]), nobias=True)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.5)
    >>> _ = optimizer.setup(model)
    >>> def train_step(x):
    ...     model.cleargrads()
    ...     F.sum(model(x)).backward()
    ...     optimizer.update()
    >>> step = fastgrad.graph_replay.capture_step(train_step, optimizer, fallback=True)
    >>> with warnings.catch_warnings(record=True):  # NumPy: runs eagerly
    ...     for _ in range(3):
    ...         step(np.ones((1, 1), np.float32))
    >>> step.eager_steps, step.captures, optimizer.t, model.W.array
    (3, 0, 3, array([[0.5]], dtype=float32))
    """

    def __init__(self, fn, optimizer, warmup=1, fallback=False, cache_size=4, backend=None):
        if not callable(fn):
            raise TypeError('capture_step: fn must be callable, got {}'.format(type(fn).__name__))
        if int(warmup) != warmup or warmup < 0:
            raise ValueError('capture_step: warmup must be an int >= 0, got {!r}'.format(warmup))
        if int(cache_size) != cache_size or cache_size < 1:
            raise ValueError('capture_step: cache_size must be an int >= 1, got {!r}'
                             .format(cache_size))
        self._fn = fn
        self._optimizers = _optimizer_list(optimizer)
        self.warmup = int(warmup)
        self.fallback = fallback
        self.cache_size = int(cache_size)
        self._backend = backend
        self._entries = collections.OrderedDict()
        self._eager_only = False
        self._counter = None
        self._count = 0
        self._hp_gen = None
        self._hp_snapshot = None
        self._bound = None
        self._t_objs = []
        self._t_expected = []
        self.captures = 0
        self.replays = 0
        self.eager_steps = 0
        # the pools outlive the wrapper while their memory is in use
        weakref.finalize(self, _drop_all, self._entries).atexit = False

    # -- host state the graph depends on ---------------------------------------------
    def _bindings(self):
        """(owner, name, value) of every array the step must update in place
        (parameters, optimizer states, persistents) and the host values it
        must not change (persistent scalars, ``enabled``)."""
        out = []
        for opt in self._optimizers:
            target = opt.target
            for link in target.links():
                for name in link._persistent:
                    out.append((link, name, getattr(link, name)))
            for param in target.params():
                out.append((param, 'array', param.array))
                rule = getattr(param, 'update_rule', None)
                if rule is None:
                    continue
                out.append((rule, 'enabled', rule.enabled))
                state = rule._state
                out.append((rule, 'state', state))
                if state:
                    for key in sorted(state):
                        out.append((rule, 'state ' + key, state[key]))
        return out

    def _hyperparams(self):
        snap = []
        for opt in self._optimizers:
            snap.append(opt.hyperparam.get_dict())
            snap.append(getattr(opt, '_loss_scale', None))
            for param in opt.target.params():
                rule = getattr(param, 'update_rule', None)
                if rule is not None:
                    snap.append(rule.hyperparam.get_dict())
        return snap

    def _hp_changed(self):
        from fastgrad import optimizer as optimizer_module
        gen = optimizer_module._generation
        if gen == self._hp_gen:
            return False
        self._hp_gen = gen
        snap = self._hyperparams()
        if self._hp_snapshot is None or len(snap) != len(self._hp_snapshot):
            return True
        for a, b in zip(snap, self._hp_snapshot):
            if isinstance(a, dict):
                if a.keys() != b.keys() or not all(_same(a[k], b[k]) for k in a):
                    return True
            elif not _same(a, b):
                return True
        return False

    def _t_objects(self):
        objs = []
        for opt in self._optimizers:
            objs.append(opt)
            for param in opt.target.params():
                rule = getattr(param, 'update_rule', None)
                if rule is not None:
                    objs.append(rule)
        return objs

    def _record_t(self):
        self._t_objs = self._t_objects()
        self._t_expected = [obj.t for obj in self._t_objs]

    def _rules(self):
        return {id(p.update_rule) for opt in self._optimizers for p in opt.target.params()
                if getattr(p, 'update_rule', None) is not None}

    def _drop_graphs(self, rewarm=False):
        if any(e.graph is not None for e in self._entries.values()):
            self._backend.synchronize()   # no launch in flight uses what is freed
        for entry in self._entries.values():
            _drop(entry)
            if rewarm:
                entry.eager = 0

    def _still_valid(self):
        """Drop the graphs whose frozen host state went stale."""
        if self._hp_changed():
            self._drop_graphs()
            return False
        objs = self._t_objs
        expected = self._t_expected
        for i in range(len(objs)):
            if objs[i].t != expected[i]:
                # t changed outside the wrapper (an eager update, a loaded
                # snapshot): the frozen offsets of the device counter are stale.
                self._drop_graphs()
                return False
        if not self._bindings_unchanged():
            # Arrays were rebound between steps (a reloaded model, a new
            # optimizer state): warm up and capture again on the new ones.
            self._drop_graphs(rewarm=True)
            return False
        return True

    def _record_bindings(self):
        """What the graph reads and writes, in the shape of the fast check
        that runs before every step (a walk of the link tree costs more)."""
        params, rules, pers = [], [], []
        for opt in self._optimizers:
            for link in opt.target.links():
                for name in link._persistent:
                    pers.append((link, name, getattr(link, name)))
            for param in opt.target.params():
                rule = getattr(param, 'update_rule', None)
                params.append((param, param.array, rule))
                if rule is not None:
                    state = rule._state
                    rules.append((rule, rule.enabled, state,
                                  tuple(state.items()) if state else ()))
        self._bound = (params, rules, pers)

    def _bindings_unchanged(self):
        params, rules, pers = self._bound
        for param, array, rule in params:
            if param.array is not array or param.update_rule is not rule:
                return False
        for rule, enabled, state, items in rules:
            if rule.enabled != enabled or rule._state is not state:
                return False
            if items:
                if len(state) != len(items):
                    return False
                for key, value in items:
                    if state.get(key) is not value:
                        return False
        for link, name, value in pers:
            now = getattr(link, name)
            if now is not value and not _same(now, value):
                return False
        return True

    # -- calling -----------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if self._eager_only:
            self.eager_steps += 1
            return self._fn(*args, **kwargs)
        args, kwargs, arrays = _unwrap(args, kwargs)
        backend = self._backend
        if backend is None:
            backend = self._backend = _cupy_backend()
        if backend is None or not backend.accepts(arrays or self._param_arrays()):
            kinds = sorted({type(a).__module__.split('.')[0] + '.' + type(a).__name__
                            for a in arrays or self._param_arrays()})
            return self._not_capturable(
                'CUDA graphs need CuPy arrays on a CUDA device, got {}'.format(
                    ', '.join(kinds) or 'no arrays'), None, args, kwargs)
        sig = _signature(args, kwargs)
        entry = self._entries.get(sig)
        if entry is None:
            entry = self._entries[sig] = _Entry()
            while len(self._entries) > self.cache_size:
                _, old = self._entries.popitem(last=False)
                if old.graph is not None:
                    backend.synchronize()
                _drop(old)
        else:
            self._entries.move_to_end(sig)
        if any(e.graph is not None for e in self._entries.values()):
            # Before any step, also an eager or capturing one: a capture
            # re-snapshots the host state, which must not hide a stale graph.
            self._still_valid()
        if entry.graph is None:
            if entry.eager < self.warmup:
                out = self._run_eager(args, kwargs)
                entry.eager += 1        # counted once it ran through
                return out
            return self._capture(entry, args, kwargs, arrays)
        return self._replay(entry, arrays)

    def _param_arrays(self):
        return [p.array for opt in self._optimizers for p in opt.target.params()
                if p.array is not None]

    def _body(self, ctx, args, kwargs, report):
        """The step as run in warm-up and capture: advance the device
        counter, then run fn with the context that Adam and dropout read."""
        global _current
        self._backend.increment(ctx.counter)
        ctx.new_run()
        _current = ctx
        try:
            from fastgrad import reporter
            if report is not None and reporter._reporters():
                with reporter.report_scope(report):
                    return self._fn(*args, **kwargs)
            return self._fn(*args, **kwargs)
        finally:
            _current = None

    def _context(self, capturing):
        backend = self._backend
        if self._counter is None:
            self._counter = backend.counter()
        return _StepContext(backend.xp, self._counter, self._count + 1,
                            backend.random_seed(), self._rules(), capturing)

    def _run_eager(self, args, kwargs):
        # The warm-up runs the captured code path (the device step counter,
        # the counter-based dropout) so that its kernels get compiled.
        ctx = self._context(False)
        out = self._backend.warmup(lambda: self._body(ctx, args, kwargs, None))
        self._count += 1
        self.eager_steps += 1
        self._record_t()
        return out

    def _check_deltas(self, ctx, objs, before):
        for obj, t0 in zip(objs, before):
            if id(obj) in ctx.used and obj.t - t0 != 1:
                raise GraphCaptureError(
                    'capture_step: {} was updated {} times in one step; a captured step '
                    'must update each parameter once'.format(type(obj).__name__, obj.t - t0))

    def _capture(self, entry, args, kwargs, arrays):
        backend = self._backend
        pool = backend.new_pool()
        statics = [backend.empty_like(a, pool) for a in arrays]
        for buf, a in zip(statics, arrays):
            backend.copy(buf, a)
        sargs, skwargs = _rebuild(args, kwargs, statics)
        objs = self._t_objects()
        t_before = [obj.t for obj in objs]
        bound = self._bindings()
        grads = [(p, p.grad) for opt in self._optimizers for p in opt.target.params()]
        ctx = self._context(True)
        report = {}
        tracked = [b[2] for b in bound if _is_array(b[2])]
        try:
            graph, out = backend.capture(lambda: self._body(ctx, sargs, skwargs, report),
                                         pool, tracked)
            problem = _rebound(bound, self._bindings())
            if problem:
                raise GraphCaptureError(problem)
            self._check_deltas(ctx, objs, t_before)
        except BaseException as e:
            # Nothing ran on the device: undo the host side of the step.
            _retire(pool)
            for obj, t in zip(objs, t_before):
                obj.t = t
            for p, g in grads:
                p.grad = g
            _restore(bound)
            if not isinstance(e, Exception):
                raise           # KeyboardInterrupt and the like
            return self._not_capturable(_describe(e), e, args, kwargs)
        entry.graph, entry.inputs, entry.output, entry.report, entry.pool = (
            graph, statics, out, report, pool)
        entry.deltas = [obj.t - t0 for obj, t0 in zip(objs, t_before)]
        self.captures += 1
        from fastgrad import optimizer as optimizer_module
        self._hp_gen = optimizer_module._generation
        self._hp_snapshot = self._hyperparams()
        self._record_bindings()
        self._record_t()        # the capture ran the host side of this step
        backend.launch(graph)
        self._count += 1
        for obj, t in zip(self._t_objs, self._t_expected):
            obj.t = t           # a launch runs no host code (an emulated one may)
        self._report(entry)
        return out

    def _replay(self, entry, arrays):
        backend = self._backend
        for buf, a in zip(entry.inputs, arrays):
            if a is not buf:
                backend.copy(buf, a)
        backend.launch(entry.graph)
        self._count += 1
        self.replays += 1
        objs = self._t_objs
        expected = self._t_expected
        deltas = entry.deltas
        for i in range(len(objs)):
            t = expected[i] + deltas[i]
            objs[i].t = t
            expected[i] = t
        if entry.report:
            self._report(entry)
        return entry.output

    def _report(self, entry):
        from fastgrad import reporter
        from fastgrad._core.graph import Variable
        if not entry.report or not reporter._reporters():
            return
        backend = self._backend
        values = {}
        for key, value in entry.report.items():
            # Copies: the next replay overwrites the captured buffers.
            if isinstance(value, Variable):
                value = Variable(backend.copy_array(value.array))
            elif _is_array(value):
                value = backend.copy_array(value)
            values[key] = value
        reporter.get_current_reporter().observation.update(values)

    def _not_capturable(self, reason, exc, args, kwargs):
        msg = ('capture_step: the step {} is not capturable into a CUDA graph: {}'
               .format(getattr(self._fn, '__name__', repr(self._fn)), reason))
        if not self.fallback:
            raise GraphCaptureError(msg) from exc
        warnings.warn(msg + '; running it eagerly from now on', RuntimeWarning, stacklevel=3)
        self._eager_only = True
        if self._backend is not None:
            self._drop_graphs()
        self._entries.clear()
        self.eager_steps += 1
        return self._fn(*args, **kwargs)


def _describe(e):
    if isinstance(e, GraphCaptureError):
        return str(e)
    text = '{}: {}'.format(type(e).__name__, e)
    name = type(e).__name__
    if 'CUDA' in name or 'apture' in str(e):
        text += (' (a host sync inside the step, such as float(loss), .item(), '
                 'cupy.asnumpy or a boolean mask, cannot be captured)')
    return text


def _rebound(before, after):
    """What the step rebound or changed on the host, as a message (or '')."""
    old_values = {(id(o), n): v for o, n, v in before}
    for owner, name, new in after:
        old = old_values.get((id(owner), name))
        if _same(old, new):
            continue
        what = '{} {!r}'.format(type(owner).__name__, getattr(owner, 'name', None) or '')
        if name == 'state' and old is None:
            if not new:
                continue        # an empty state dict (SGD) holds no buffer
            return ('the optimizer state of {} was created during the capture; '
                    'warm up first (warmup >= 1)'.format(what))
        if old is None and name.startswith('state '):
            return ('the optimizer state {} of {} was created during the capture; '
                    'warm up first (warmup >= 1)'.format(name[6:], what))
        if old is None and name == 'array':
            return 'parameter {} was initialized during the capture; warm up first'.format(what)
        if _is_array(old) or _is_array(new):
            return ('the step rebinds {} attribute {} instead of updating it in place: '
                    'a replay would read and write the old buffer'.format(what, name))
        return ('the step changes {} attribute {} on the host ({!r} -> {!r}): a replay '
                'cannot repeat that'.format(what, name, old, new))
    return ''


def _restore(bound):
    for owner, name, value in bound:
        try:
            if name == 'array':
                if owner.array is not value:
                    owner.array = value
            elif name == 'state':
                owner._state = value
            elif name.startswith('state '):
                if value is not None and owner._state is not None:
                    owner._state[name[6:]] = value
            elif name != 'enabled' and getattr(owner, name) is not value:
                setattr(owner, name, value)
        except Exception:
            pass


def _optimizer_list(optimizer):
    from fastgrad.optimizer import Optimizer
    if optimizer is None:
        opts = []
    elif isinstance(optimizer, dict):
        opts = list(optimizer.values())
    elif isinstance(optimizer, (list, tuple)):
        opts = list(optimizer)
    else:
        opts = [optimizer]
    for opt in opts:
        if not isinstance(opt, Optimizer):
            raise TypeError('capture_step: optimizer must be an Optimizer, a list or dict of '
                            'them, or None; got {}'.format(type(opt).__name__))
        if opt.target is None:
            raise RuntimeError('capture_step: the optimizer is not set up (call setup)')
    return opts


def _unwrap(args, kwargs):
    """Variables become their arrays; returns (args, kwargs, arrays)."""
    from fastgrad._core.graph import Variable
    arrays = []

    def conv(a):
        if isinstance(a, Variable):
            a = a.array
        if _is_array(a):
            arrays.append(a)
        return a
    args = tuple(conv(a) for a in args)
    kwargs = {k: conv(kwargs[k]) for k in sorted(kwargs)}
    return args, kwargs, arrays


def _signature(args, kwargs):
    def sig(a):
        if _is_array(a):
            return ('array', type(a), a.shape, a.dtype.str)
        try:
            hash(a)
        except TypeError:
            raise TypeError('capture_step: arguments must be arrays or hashable values '
                            '(frozen into the graph), got {}'.format(type(a).__name__))
        return ('value', type(a), a)
    return (tuple(sig(a) for a in args),
            tuple((k, sig(v)) for k, v in kwargs.items()))


def _rebuild(args, kwargs, statics):
    it = iter(statics)
    args = tuple(next(it) if _is_array(a) else a for a in args)
    kwargs = {k: next(it) if _is_array(v) else v for k, v in kwargs.items()}
    return args, kwargs


def capture_step(fn, optimizer, warmup=1, fallback=False, cache_size=4):
    """Wrap a training step so that it is replayed from a CUDA graph.

    ``fn(*arrays)`` runs one step (``model.cleargrads()``, the loss,
    ``loss.backward()``, ``optimizer.update()``) and returns the loss (or any
    Variables/arrays).  The wrapper runs the first ``warmup`` calls eagerly
    (states get allocated, kernels compiled), captures the next call into a
    CUDA graph and replays it on every later call: each call is one step.
    The arguments are copied into static buffers; the result is the captured
    one, whose arrays every replay overwrites.  A new shape/dtype signature is
    warmed up and captured too (up to ``cache_size`` graphs, least recently
    used dropped); a hyperparameter change (an lr schedule) or a step count
    changed outside the wrapper recaptures.

    Values reported to the current reporter inside the step are reported
    again (copied) after each replay.  Optimizer hooks are captured with
    their attributes frozen.

    Args:
        fn: The step; positional and keyword arguments are arrays (CuPy) or
            hashable values (part of the signature, frozen into the graph).
        optimizer: The optimizer the step updates (a list or dict for
            several, None for none): its hyperparameters are watched and its
            ``t`` advances once per step.
        warmup (int): Eager calls per signature before the capture.
        fallback (bool): When the step cannot be captured (a host sync in it,
            NumPy arrays), warn once and run it eagerly from then on instead
            of raising :class:`GraphCaptureError`.
        cache_size (int): Graphs kept (one per signature).

    Returns:
        CapturedStep: The wrapped step.

    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> def train_step(x):
    ...     loss = F.sum(model(x) ** 2)
    ...     model.cleargrads()
    ...     loss.backward()
    ...     optimizer.update()
    ...     return loss
    >>> step = fastgrad.graph_replay.capture_step(train_step, optimizer)
    >>> step(np.array([[1., 2.]], np.float32))  # NumPy: nothing to capture
    Traceback (most recent call last):
    ...
    fastgrad.graph_replay.GraphCaptureError: capture_step: the step train_step is not capturable into a CUDA graph: CUDA graphs need CuPy arrays on a CUDA device, got numpy.ndarray
    """  # noqa: E501
    return CapturedStep(fn, optimizer, warmup=warmup, fallback=fallback, cache_size=cache_size)
