"""The worker processes of MultiprocessIterator.

Each worker has its own pipe to the main process, and nothing else is
shared: no queue lock, no helper thread.  multiprocessing.Pool shares one
task queue whose lock an idle worker holds while it waits, so a worker
killed at the wrong moment (or an unlucky ``terminate()``) can block the
other workers or the shutdown forever.  Here the main process knows which
tasks each worker holds, so a dead worker costs exactly its own tasks, and
shutting down is: close the pipes, stop the processes.
"""
import multiprocessing.connection
import time


class WorkerDied(Exception):
    """A worker process ended while it held a task; ``process`` is it."""

    def __init__(self, process):
        super().__init__(process.pid, process.exitcode)
        self.process = process


def _worker_main(conn, init, initargs, max_tasks, work):
    init(*initargs)
    done = 0
    while max_tasks is None or done < max_tasks:
        try:
            message = conn.recv()
        except (EOFError, OSError):      # the main process has gone
            return
        task_id, args = message
        try:
            reply = (task_id, True, work(*args))
        except Exception as e:
            reply = (task_id, False, e)
        try:
            conn.send(reply)
        except Exception as e:          # the result or the error won't pickle
            conn.send((task_id, False, RuntimeError(
                'MultiprocessIterator: the worker could not send its result '
                'back: {!r}'.format(e))))
        done += 1


class _Worker(object):
    __slots__ = ('process', 'conn', 'sent', 'pending')

    def __init__(self, process, conn):
        self.process = process
        self.conn = conn
        self.sent = 0
        self.pending = set()      # task ids it holds


class WorkerPool(object):
    """``n`` processes running ``work(*args)``; a worker leaves after
    ``max_tasks`` tasks (None: never) and a fresh one takes its place."""

    def __init__(self, ctx, n, work, init, initargs, max_tasks=None):
        self._ctx = ctx
        self._work = work
        self._init = init
        self._initargs = initargs
        self._max_tasks = max_tasks
        self._results = {}        # task id -> (ok, value)
        self._forgotten = set()   # task ids whose results nobody wants
        self._next_id = 0
        self._accepting = []      # workers that take new tasks
        self._retiring = []       # workers that reached max_tasks
        self._accepting = [self._spawn() for _ in range(n)]

    @property
    def processes(self):
        return [w.process for w in self._accepting + self._retiring]

    def _spawn(self):
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_worker_main, daemon=True,
            args=(child, self._init, self._initargs, self._max_tasks, self._work))
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def submit(self, *args):
        """Queue ``work(*args)`` on the least busy worker; returns a task id."""
        worker = min(self._accepting, key=lambda w: len(w.pending))
        task_id = self._next_id
        self._next_id += 1
        worker.conn.send((task_id, args))
        worker.pending.add(task_id)
        worker.sent += 1
        if self._max_tasks is not None and worker.sent >= self._max_tasks:
            self._accepting.remove(worker)
            self._retiring.append(worker)
            self._accepting.append(self._spawn())
        return task_id

    def get(self, task_id, timeout):
        """``(True, result)`` or ``(False, exception)`` of a task, or None if
        it is not done within ``timeout`` seconds.  Raises WorkerDied if
        the worker holding it (or any other task) has ended."""
        deadline = time.monotonic() + timeout
        while task_id not in self._results:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            workers = self._accepting + self._retiring
            ready = multiprocessing.connection.wait(
                [w.conn for w in workers] + [w.process.sentinel for w in workers],
                remaining)
            for w in workers:
                if w.conn in ready:
                    self._receive(w)
            for w in workers:
                if w.process.sentinel in ready:
                    self._reap(w)
        return self._results.pop(task_id)

    def _receive(self, worker):
        try:
            while worker.conn.poll():
                task_id, ok, value = worker.conn.recv()
                worker.pending.discard(task_id)
                if task_id in self._forgotten:
                    self._forgotten.discard(task_id)
                else:
                    self._results[task_id] = (ok, value)
        except (EOFError, OSError):
            pass                  # it has ended: its sentinel says so

    def _reap(self, worker):
        self._receive(worker)     # what it sent before it ended
        worker.process.join()
        worker.conn.close()
        if worker in self._accepting:
            self._accepting.remove(worker)
            self._accepting.append(self._spawn())
        else:
            self._retiring.remove(worker)
        lost = worker.pending - self._forgotten
        self._forgotten -= worker.pending
        if lost:
            raise WorkerDied(worker.process)

    def forget(self, task_ids):
        """Results of these tasks are no longer wanted."""
        held = set()
        for w in self._accepting + self._retiring:
            held |= w.pending
        for task_id in task_ids:
            self._results.pop(task_id, None)
            if task_id in held:
                self._forgotten.add(task_id)

    def shutdown(self):
        workers = self._accepting + self._retiring
        self._accepting, self._retiring = [], []
        for w in workers:
            w.conn.close()
            if w.process.exitcode is None:
                w.process.terminate()
        for w in workers:
            w.process.join(5)
            if w.process.exitcode is None:
                w.process.kill()
                w.process.join()
