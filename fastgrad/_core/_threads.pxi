# The thread pool of a compiled module's loops (fg_parallel.h) and the count
# its entry points pass down.  Set by fastgrad.set_num_threads
# (fastgrad/_threads.py) on every such module; 1 until then.

cdef extern from "fg_parallel.h":
    int fg_pool_init()

cdef int _num_threads = 1

if fg_pool_init() != 0:
    raise MemoryError('could not allocate the thread pool\'s lock')


def _set_num_threads(int n):
    """The number of threads this module's loops may use (>= 1)."""
    global _num_threads
    if n < 1:
        raise ValueError('set_num_threads: n must be >= 1, got {}'.format(n))
    _num_threads = n


def _after_fork_in_child():
    """Forget the parent's workers (fork copies none): new ones start on demand."""
    if fg_pool_init() != 0:
        raise MemoryError('could not allocate the thread pool\'s lock')
