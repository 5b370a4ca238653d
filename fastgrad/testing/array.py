"""``assert_allclose`` for NumPy/CuPy arrays, Variables and scalars."""
import io

import numpy


def _as_numpy(x):
    """A NumPy array from an array, a Variable, a CuPy array or a scalar."""
    if isinstance(x, numpy.ndarray):
        return x
    # Variable (duck-typed: the core must not be imported here).
    if not isinstance(x, (numpy.generic, int, float, complex, bool, list, tuple)) \
            and hasattr(x, 'array') and hasattr(x, 'grad'):
        x = x.array
    if hasattr(x, 'get') and not isinstance(x, (dict, numpy.ndarray)):
        x = x.get()  # cupy.ndarray -> numpy.ndarray
    return numpy.asarray(x)


def assert_allclose(x, y, atol=1e-5, rtol=1e-4, verbose=True):
    """Assert that ``x`` and ``y`` are elementwise close.

    ``|x - y| <= atol + rtol * |y|`` must hold for every element (``y`` is
    the reference; shapes broadcast as in :func:`numpy.testing.assert_allclose`).
    Arguments may be NumPy or CuPy arrays, Variables (their ``.array`` is
    compared) or scalars.  On failure the AssertionError reports the shapes,
    the dtypes, the worst element (its index, both values, the absolute and
    relative errors) and the indices of all failing elements.

    >>> from fastgrad import gradient_check
    >>> x = np.array([1., 2.], dtype=np.float32)
    >>> gradient_check.assert_allclose(Variable(x), x + 1e-6)
    >>> gradient_check.assert_allclose(x, x + 0.1)
    Traceback (most recent call last):
    ...
    AssertionError: ...
    """
    x = _as_numpy(x)
    y = _as_numpy(y)
    try:
        numpy.testing.assert_allclose(x, y, atol=atol, rtol=rtol, verbose=verbose)
    except AssertionError as e:
        f = io.StringIO()
        f.write(str(e) + '\n\n')
        f.write('assert_allclose failed:\n')
        f.write('  shape: {} {}\n'.format(x.shape, y.shape))
        f.write('  dtype: {} {}\n'.format(x.dtype, y.dtype))
        try:
            xb, yb = numpy.broadcast_arrays(x, y)
        except ValueError:
            xb = yb = None
        if xb is not None and xb.size > 0 \
                and xb.dtype.kind in 'biufc' and yb.dtype.kind in 'biufc':
            xx = numpy.atleast_1d(xb).astype(numpy.complex128 if 'c' in (
                xb.dtype.kind, yb.dtype.kind) else numpy.float64)
            yy = numpy.atleast_1d(yb).astype(xx.dtype)
            with numpy.errstate(invalid='ignore', divide='ignore'):
                err = numpy.abs(xx - yy)
                tol = atol + rtol * numpy.abs(yy)
                bad = ~(err <= tol)
                # NaNs in the same place count as equal (as in numpy).
                bad &= ~(numpy.isnan(xx) & numpy.isnan(yy))
                # Same infinities count as equal.
                bad &= ~(numpy.isinf(xx) & (xx == yy))
                excess = numpy.where(numpy.isnan(err), numpy.inf, err - tol)
                excess = numpy.where(bad, excess, -numpy.inf)
            i = numpy.unravel_index(numpy.argmax(excess), excess.shape)
            if x.ndim == 0 and y.ndim == 0:
                i_str = '()'
            else:
                i_str = str(tuple(int(k) for k in i))
            with numpy.errstate(invalid='ignore', divide='ignore'):
                rel = err[i] / numpy.abs(yy[i]) if yy[i] != 0 else numpy.inf
            f.write('  max error at index {}:\n'.format(i_str))
            f.write('    x[i]: {}\n'.format(xx[i]))
            f.write('    y[i]: {}\n'.format(yy[i]))
            f.write('    abs error: {}\n'.format(err[i]))
            f.write('    rel error: {}\n'.format(rel))
            f.write('    atol + rtol * |y[i]|: {}\n'.format(tol[i]))
            idx = numpy.argwhere(bad.reshape(xb.shape))
            f.write('  {} / {} elements differ'.format(len(idx), bad.size))
            if len(idx) and xb.ndim > 0:
                shown = [str(tuple(int(k) for k in r)) for r in idx[:20]]
                f.write(', at: {}{}'.format(
                    ', '.join(shown), ', ...' if len(idx) > 20 else ''))
            f.write('\n')
        opts = numpy.get_printoptions()
        try:
            numpy.set_printoptions(threshold=10000)
            f.write('x: ' + numpy.array2string(x, prefix='x: ') + '\n')
            f.write('y: ' + numpy.array2string(y, prefix='y: ') + '\n')
        finally:
            numpy.set_printoptions(**opts)
        raise AssertionError(f.getvalue()) from None


def _as_noncontiguous_array(x):
    """A non-contiguous copy of ``x`` (same values), or a tuple/list of them:
    ops must not assume C-contiguous inputs.  None and arrays of fewer than
    two elements are returned as they are."""
    if isinstance(x, (tuple, list)):
        return type(x)(_as_noncontiguous_array(a) for a in x)
    if x is None or x.ndim == 0 or x.size < 2:
        return x
    from fastgrad import backend
    xp = backend.get_array_module(x)
    buf = xp.empty(x.shape[:-1] + (x.shape[-1] * 2,), dtype=x.dtype)
    out = buf[..., ::2]
    out[...] = x
    return out
