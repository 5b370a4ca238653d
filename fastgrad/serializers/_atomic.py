"""Writing a file so that it is never seen half-written: the data goes to a
new file in the same folder, which then replaces the target in one rename.
A crash (even kill -9) mid-save leaves the old file as it was."""
import contextlib
import os
import secrets


@contextlib.contextmanager
def replacing(path):
    """``with replacing(path) as tmp:`` write ``tmp`` (an empty new file in
    ``path``'s folder, made with the usual permissions); on leaving the block
    it is flushed to disk and renamed onto ``path``; on an error it is
    removed and ``path`` is untouched."""
    path = os.fspath(path)
    folder, base = os.path.split(path)
    tmp = os.path.join(folder, '.{}.{}.tmp'.format(base, secrets.token_hex(4)))
    open(tmp, 'xb').close()
    try:
        yield tmp
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
