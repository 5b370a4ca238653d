import os
import tempfile

from fastgrad import reporter


def atomic_write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same
    folder and a rename, so readers never see a half-written file."""
    folder = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(prefix='tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def serialize_json(serializer, key, value):
    """Save/load a JSON-able value as a string entry (see
    fastgrad.reporter.serialize_json); keeps ``value`` if nothing usable was
    stored."""
    loaded = reporter.serialize_json(serializer, key, value)
    return value if loaded is None else loaded
