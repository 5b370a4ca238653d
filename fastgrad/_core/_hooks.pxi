# Function hooks.  The hot path pays one test of a C int: _hook_count is the
# number of hooks registered anywhere (thread-local global hooks entered with
# ``with hook:`` and hooks added to single functions); only when it is non-zero
# does the engine call into Python (fastgrad.function_hook._run).

cdef Py_ssize_t _hook_count = 0
cdef object _hook_runner = None


def _hooks_registered(Py_ssize_t delta):
    """Called by fastgrad.function_hook when hooks are entered or exited."""
    global _hook_count
    _hook_count += delta
    if _hook_count < 0:
        _hook_count = 0


cdef _run_hooks(str kind, FunctionNode f, tuple in_data, object out_grad):
    global _hook_runner
    if _hook_runner is None:
        from fastgrad.function_hook import _run
        _hook_runner = _run
    _hook_runner(kind, f, in_data, out_grad, f._local_hooks)


# Debug mode is ``config.debug`` as the current thread sees it (set_debug,
# DebugMode, using_config('debug', ...) or a direct write): the engine then checks
# every output and gradient for NaN and names the function that produced it.
# ``_debug_nan`` is a C flag, set while any thread may be in debug mode, so that
# the check costs one test when none is; where it is set, the thread's config decides.
cdef bint _debug_nan = False


def _set_debug_nan(bint on):
    global _debug_nan
    _debug_nan = on


cdef inline bint _debug_here():
    return _debug_nan and bool(_config.debug)


cdef _check_nan(FunctionNode f, object arrays, str where):
    for a in arrays:
        if a is None:
            continue
        if isinstance(a, Variable):
            a = (<Variable>a)._data
        if a.dtype.kind not in 'fc':
            continue
        if isinstance(a, _ndarray):
            bad = numpy.isnan(a).any()
        else:
            import cupy
            bad = cupy.isnan(a).any()
        if bad:
            raise RuntimeError('NaN is detected on {} computation of {}'.format(
                where, f.label))
