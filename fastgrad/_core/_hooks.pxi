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
