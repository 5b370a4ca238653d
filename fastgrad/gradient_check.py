"""Numerical gradient checks (Chainer's ``chainer.gradient_check``).

* :func:`numerical_grad` -- finite-difference gradients of an array function.
* :func:`check_backward` -- compare a function's backward with finite
  differences along one random direction.
* :func:`check_double_backward` -- the same for the gradient of the gradient.
"""
import io

import numpy

from fastgrad import configuration
from fastgrad.testing.array import assert_allclose  # NOQA  (re-exported)


class NondifferentiableError(Exception):
    """Raised by :func:`numerical_grad` (``detect_nondifferentiable=True``)
    when the function is not differentiable at the given point.

    >>> from fastgrad import gradient_check
    >>> x = np.zeros(1)
    >>> try:
    ...     gradient_check.numerical_grad(lambda: np.abs(x), (x,), (np.ones(1),),
    ...                                   detect_nondifferentiable=True)
    ... except gradient_check.NondifferentiableError:
    ...     print('|x| is not differentiable at 0')
    |x| is not differentiable at 0
    """
    pass


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _xp(x):
    if isinstance(x, numpy.ndarray):
        return numpy
    from fastgrad import backend
    return backend.get_array_module(x)


def _raw(x):
    """The array of a Variable, or ``x`` itself."""
    if x is None or isinstance(x, numpy.ndarray):
        return x
    import fastgrad
    if isinstance(x, fastgrad.Variable):
        return x.array
    return x


def _to_float64_copy(y):
    if y is None:
        return None
    y = _raw(y)
    if numpy.isscalar(y):
        return numpy.array(y, dtype=numpy.float64)
    return _xp(y).array(y, dtype=numpy.float64, copy=True)


def _float_eps(dtype):
    dtype = numpy.dtype(dtype)
    if dtype.kind in 'fc':
        return float(numpy.finfo(dtype).eps)
    return 0.0


def _derivative_weights(nodes):
    """Weights w with sum(w_k * y(s_k)) = p'(0) for the polynomial p that
    interpolates the samples at the (distinct) offsets ``nodes``."""
    n = len(nodes)
    weights = []
    for k in range(n):
        total = 0.0
        for m in range(n):
            if m == k:
                continue
            term = 1.0 / (nodes[k] - nodes[m])
            for j in range(n):
                if j != k and j != m:
                    term *= (0.0 - nodes[j]) / (nodes[k] - nodes[j])
            total += term
        weights.append(total)
    return weights


def _combine(weights, samples):
    out = None
    for w, y in zip(weights, samples):
        out = w * y if out is None else out + w * y
    return out


# ---------------------------------------------------------------------------
# numerical_grad
# ---------------------------------------------------------------------------

def numerical_grad(f, inputs, grad_outputs, eps=1e-3,
                   detect_nondifferentiable=False, diff_atol=0, diff_rtol=1e-2,
                   center_outputs=None):
    """Gradient of ``sum_j vdot(grad_outputs[j], f()[j])`` w.r.t. each input, by
    finite differences.

    Args:
        f (callable): no arguments; runs the forward computation on the
            current contents of ``inputs`` and returns an output array or a
            tuple of output arrays (``None`` entries are ignored).
        inputs (tuple of arrays): float arrays that ``f`` reads.  Each element
            is perturbed in place in turn (and restored afterwards).
        grad_outputs (tuple of arrays or scalars): upstream gradients, one
            per output of ``f`` (``None`` entries are ignored).
        eps (float): the step of the finite differences.
        detect_nondifferentiable (bool): sample ``f`` at ``x - eps``,
            ``x - eps/2``, ``x``, ``x + eps/2``, ``x + eps`` instead of at
            ``x +- eps``, and raise :class:`NondifferentiableError` when ``f``
            looks non-differentiable in ``[x - eps, x + eps]``.  The gradient
            is then estimated to fourth order in ``eps`` (instead of second).
        diff_atol (float), diff_rtol (float): the tolerances of that
            detection (see below).
        center_outputs (tuple of arrays): the outputs of ``f`` at the
            unperturbed ``inputs``, if already known (saves one evaluation
            per element when detecting non-differentiability).

    Returns:
        tuple of arrays: the gradients, one per input, with the input's
        shape and dtype.

    The arithmetic is done in float64.  The step actually used is the one
    realized in the input's dtype (``float(x + eps) - float(x)``), so the
    differences stay consistent for low-precision inputs; a step that rounds
    to zero raises ``ValueError``.

    Non-differentiability detection: per output element, two one-sided
    derivative estimates are formed, one from ``(x - eps, x - eps/2, x)`` and
    one from ``(x, x + eps/2, x + eps)`` (each second-order accurate, so for a
    smooth function they differ by ``O(eps**2)``).  The point is reported as
    non-differentiable when, for some element,
    ``|left - right| * eps > diff_atol + diff_rtol * (max y - min y) + 64 * e * max|y|``
    over the five samples of that element: the kink is measured against how
    much the output varies across the window (so a large constant offset
    does not hide it), and ``e``, the machine epsilon of the output's dtype,
    keeps rounding noise from being mistaken for one.  An element that is finite at some
    samples and non-finite at others is also reported; one that is
    non-finite at all samples is ignored by the detection.

    >>> x = np.array([1., 2.])
    >>> gx, = fastgrad.gradient_check.numerical_grad(lambda: (x ** 2,), (x,), (np.ones(2),))
    >>> gx.round(6)
    array([2., 4.])
    """
    if eps <= 0:
        raise ValueError('numerical_grad: eps must be positive, got {}'.format(eps))
    inputs = tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    for i, x in enumerate(inputs):
        if not hasattr(x, 'dtype') or not hasattr(x, 'shape'):
            raise TypeError('numerical_grad: inputs[{}] is not an array: {}'
                            .format(i, type(x).__name__))
        if numpy.dtype(x.dtype).kind != 'f':
            raise TypeError('numerical_grad: inputs[{}] has non-float dtype {}; '
                            'it cannot be perturbed'.format(i, x.dtype))
    gys = [None if gy is None else _to_float64_copy(gy) for gy in grad_outputs]

    if detect_nondifferentiable:
        offsets = (-1, -0.5, 0.5, 1)
    else:
        offsets = (-1, 1)

    def evaluate():
        # as Chainer: inputs perturbed in another dtype than the constants
        # they meet (a float64 x, a float32 statistic) are not type errors
        with configuration.using_config('type_check', False):
            ys = _as_tuple(f())
        if len(ys) != len(gys):
            raise ValueError(
                'numerical_grad: f returned {} outputs but {} grad_outputs were '
                'given'.format(len(ys), len(gys)))
        dtypes = [None if y is None else _raw(y).dtype if hasattr(_raw(y), 'dtype')
                  else numpy.dtype(numpy.float64) for y in ys]
        return [_to_float64_copy(y) for y in ys], dtypes

    center = None
    if detect_nondifferentiable and center_outputs is not None:
        center_outputs = _as_tuple(center_outputs)
        center = ([_to_float64_copy(y) for y in center_outputs],
                  [None if y is None else _raw(y).dtype for y in center_outputs])

    grads = []
    for i_in, x in enumerate(inputs):
        xp = _xp(x)
        gx = numpy.zeros(x.shape, dtype=numpy.float64)
        for idx in numpy.ndindex(*x.shape):
            orig = x[idx].copy()
            x0 = float(orig)
            nodes = []
            samples = []
            dtypes = None
            try:
                for k in offsets:
                    x[idx] = x0 + k * eps
                    nodes.append(float(x[idx]) - x0)
                    ys, dtypes = evaluate()
                    samples.append(ys)
            finally:
                x[idx] = orig
            if len(set(nodes)) != len(nodes) or 0.0 in nodes:
                raise ValueError(
                    'numerical_grad: eps={} is too small to change inputs[{}] '
                    '(dtype {}) at index {} (value {}); use a larger eps or a '
                    'wider dtype'.format(eps, i_in, x.dtype, idx, x0))
            if detect_nondifferentiable:
                if center is None:
                    c_ys, _ = evaluate()
                else:
                    c_ys, _ = center
                # Samples ordered by offset: -1, -1/2, 0, +1/2, +1 (times eps).
                nodes5 = [nodes[0], nodes[1], 0.0, nodes[2], nodes[3]]
                samples5 = [samples[0], samples[1], c_ys, samples[2], samples[3]]
                _check_differentiable(nodes5, samples5, dtypes, diff_atol,
                                      diff_rtol, i_in, idx)
                weights = _derivative_weights(nodes5)
                all_samples = samples5
            else:
                weights = _derivative_weights(nodes)
                all_samples = samples
            total = 0.0
            for j, gy in enumerate(gys):
                if gy is None:
                    continue
                ys_j = [s[j] for s in all_samples]
                if any(y is None for y in ys_j):
                    continue
                dy = _combine(weights, ys_j)
                total += float((gy * dy).sum())
            gx[idx] = total
        if xp is not numpy:
            gx = xp.asarray(gx)
        grads.append(gx.astype(x.dtype, copy=False))
    return tuple(grads)


def _check_differentiable(nodes, samples, dtypes, diff_atol, diff_rtol, i_in, idx):
    """Raise NondifferentiableError when the samples of some output element
    show a kink or a jump in finiteness (see :func:`numerical_grad`)."""
    h = max(abs(nodes[0]), abs(nodes[4]))
    w_left = _derivative_weights(nodes[:3])
    w_right = _derivative_weights(nodes[2:])
    n_out = len(samples[0])
    for j in range(n_out):
        ys = [s[j] for s in samples]
        if any(y is None for y in ys):
            continue
        xp = _xp(ys[0])
        finite = [xp.isfinite(y) for y in ys]
        all_finite = finite[0]
        any_finite = finite[0]
        for fin in finite[1:]:
            all_finite = all_finite & fin
            any_finite = any_finite | fin
        if bool((any_finite & ~all_finite).any()):
            raise NondifferentiableError(
                'numerical_grad: output {} is finite at some and non-finite at '
                'other sample points around inputs[{}][{}]'.format(j, i_in, idx))
        # Compare only where all samples are finite.
        safe = [xp.where(all_finite, y, 0.0) for y in ys]
        left = _combine(w_left, safe[:3])
        right = _combine(w_right, safe[2:])
        err = xp.abs(left - right) * h
        top = bottom = safe[0]
        for y in safe[1:]:
            top, bottom = xp.maximum(top, y), xp.minimum(bottom, y)
        size = xp.maximum(xp.abs(top), xp.abs(bottom))
        tol = (diff_atol + diff_rtol * (top - bottom)
               + 64 * _float_eps(dtypes[j] or numpy.float64) * size)
        bad = all_finite & (err > tol)
        if bool(bad.any()):
            k = int(xp.argmax(xp.where(bad, err - tol, -numpy.inf)))
            raise NondifferentiableError(
                'numerical_grad: the function looks non-differentiable at '
                'inputs[{}][{}]: for output {} (element {}) the left and right '
                'derivative estimates are {} and {} (difference * eps = {} > '
                'tolerance {})\nsamples at offsets {}: {}'.format(
                    i_in, idx, j, k, float(left.ravel()[k]), float(right.ravel()[k]),
                    float(err.ravel()[k]), float(tol.ravel()[k]), nodes,
                    [float(y.ravel()[k]) for y in safe]))


# ---------------------------------------------------------------------------
# check_backward
# ---------------------------------------------------------------------------

_identity_cls = None


def _identity():
    """A FunctionNode that passes its inputs through (used so that outputs
    that are inputs, leaves or repeated still get their own gradient)."""
    global _identity_cls
    if _identity_cls is None:
        import fastgrad

        class _Identity(fastgrad.FunctionNode):
            def forward(self, inputs):
                return tuple(x.view() for x in inputs)

            def backward(self, indexes, grad_outputs):
                return tuple(grad_outputs[i] for i in indexes)

        _identity_cls = _Identity
    return _identity_cls()


def _format_arrays(label, arrays):
    f = io.StringIO()
    for i, a in enumerate(arrays):
        f.write('{}[{}]:\n{}\n'.format(label, i, a))
    return f.getvalue()


def check_backward(func, x_data, y_grad, params=(), eps=1e-3, atol=1e-5,
                   rtol=1e-4, no_grads=None, dtype=None,
                   detect_nondifferentiable=False):
    """Check the backward of ``func`` against finite differences.

    ``func(*xs)`` is called with one :class:`fastgrad.Variable` per entry of
    ``x_data`` (an array or a tuple of arrays) and must return a Variable or
    a tuple of Variables (``None`` entries are ignored).  ``y_grad`` gives
    the upstream gradient of each output (an array or a tuple; ``None``
    entries skip an output); ``y_grad=None`` requires a single output of
    size 1 and uses 1 as its gradient.

    As in Chainer, the gradients are compared along one random direction:
    a direction ``r`` (Gaussian, normalized over all checked inputs and
    params together) is drawn; the backward gives ``sum(grad . r)`` and the
    numerical side differentiates ``t -> sum(y_grad . func(x + t r))`` at
    ``t = 0`` with :func:`numerical_grad` (step ``eps``).  They must satisfy
    ``|numeric - backward| <= atol + rtol * |backward|``; else an
    ``AssertionError`` reports both values, the tolerances and the
    directional derivative of each input separately.

    Args:
        params: :class:`fastgrad.Parameter` s (or Variables) used inside
            ``func``; their ``.array`` is perturbed and their ``.grad``
            (cleared first) checked too.
        no_grads (list of bool): per input, True if no gradient is expected
            (default: True for non-float inputs).  Such an input must end
            with ``grad`` None (else ``RuntimeError``); it is not perturbed.
        dtype: if given (a float dtype, e.g. ``'d'``), the float inputs and
            params are cast to it for the numerical differentiation (the
            backward still runs on the original data).
        detect_nondifferentiable (bool): see :func:`numerical_grad`; raises
            :class:`NondifferentiableError` at a non-differentiable point.

    >>> x = np.array([0.5, -1.0, 2.0])
    >>> gy = np.ones(3)
    >>> fastgrad.gradient_check.check_backward(F.tanh, x, gy)   # AssertionError if not
    """
    import fastgrad
    Variable = fastgrad.Variable

    x_data = _as_tuple(x_data)
    x_arrays = [_raw(x) for x in x_data]
    params = _as_tuple(params)
    for p in params:
        if not isinstance(p, Variable):
            raise TypeError('check_backward: params must be Variables (Parameters), '
                            'got {}'.format(type(p).__name__))
    if dtype is not None and numpy.dtype(dtype).kind != 'f':
        raise ValueError('check_backward: dtype must be a float type, got {}'
                         .format(dtype))
    if no_grads is None:
        no_grads = [numpy.dtype(x.dtype).kind != 'f' for x in x_arrays]
    else:
        no_grads = list(no_grads)
        if len(no_grads) != len(x_arrays):
            raise ValueError(
                'check_backward: len(no_grads) ({}) must equal the number of '
                'inputs ({})'.format(len(no_grads), len(x_arrays)))

    # -- forward and backward ------------------------------------------------
    xs = [Variable(x) for x in x_arrays]
    for p in params:
        p.cleargrad()
    with fastgrad.using_config('enable_backprop', True):
        ys = _as_tuple(func(*xs))
    ys = tuple(y if y is None or isinstance(y, Variable) else Variable(y, requires_grad=False)
               for y in ys)

    if y_grad is None:
        live = [y for y in ys if y is not None]
        if len(ys) != 1 or not live or live[0].size != 1:
            raise ValueError(
                'check_backward: y_grad=None needs func to return a single output '
                'of size 1; got {} output(s) with shapes {}'.format(
                    len(ys), [None if y is None else y.shape for y in ys]))
        gys = (_xp(live[0].array).ones_like(live[0].array),)
    else:
        gys = tuple(_raw(g) for g in _as_tuple(y_grad))
        if len(gys) != len(ys):
            raise ValueError(
                'check_backward: func returned {} output(s) but y_grad has {} '
                'element(s)'.format(len(ys), len(gys)))
        for i, (y, gy) in enumerate(zip(ys, gys)):
            if y is None or gy is None:
                continue
            if tuple(y.shape) != tuple(gy.shape) or y.dtype != gy.dtype:
                raise ValueError(
                    'check_backward: output {} has shape {} and dtype {} but its '
                    'y_grad has shape {} and dtype {}'.format(
                        i, y.shape, y.dtype, gy.shape, gy.dtype))

    pairs = [(y, gy) for y, gy in zip(ys, gys) if y is not None and gy is not None]
    y0 = tuple(None if y is None else y.array for y in ys)
    if pairs:
        outs = [y for y, _ in pairs]
        input_ids = {id(x) for x in xs} | {id(p) for p in params}
        need_identity = (
            len({id(y) for y in outs}) != len(outs)
            or any(id(y) in input_ids or getattr(y, 'creator', None) is None
                   for y in outs))
        if need_identity:
            outs = list(_identity().apply(tuple(outs)))
        fastgrad.backward(outs, [gy for _, gy in pairs])
    # The numerical pass calls func again: drop the first graph, so that a
    # FunctionNode instance that func reuses (Chainer's tests do) may be applied anew.
    n_out = len(ys)
    ys = pairs = outs = live = y = None

    # -- gradient sanity -----------------------------------------------------
    for i, (x, no_grad) in enumerate(zip(xs, no_grads)):
        gx = x.grad
        if no_grad:
            if gx is not None:
                raise RuntimeError(
                    'check_backward: input {} is marked as having no gradient '
                    '(no_grads, or a non-float dtype {}) but backward computed one'
                    .format(i, x.dtype))
            continue
        _check_grad_props('input {}'.format(i), x, gx)
    for i, p in enumerate(params):
        _check_grad_props('param {}'.format(i), p, p.grad)

    targets = [('input {}'.format(i), x, False)
               for i, (x, ng) in enumerate(zip(xs, no_grads)) if not ng]
    targets += [('param {}'.format(i), p, True)
                for i, p in enumerate(params) if p.array is not None]
    if not targets:
        return

    # -- one random direction --------------------------------------------------
    directions = []
    for _, v, _ in targets:
        xp = _xp(v.array)
        directions.append(xp.asarray(numpy.random.normal(size=v.shape))
                          if xp is not numpy else numpy.random.normal(size=v.shape))
    norm = numpy.sqrt(sum(float((d * d).sum()) for d in directions))
    if norm == 0:
        return  # only empty arrays: nothing to compare
    directions = [d / norm for d in directions]

    backward_terms = []
    for (_, v, _), d in zip(targets, directions):
        g = v.grad
        backward_terms.append(
            0.0 if g is None else float((g.astype(numpy.float64) * d).sum()))
    gx_backward = sum(backward_terms)

    # -- numerical directional derivative -------------------------------------
    def cast(a):
        if dtype is not None and a is not None and numpy.dtype(a.dtype).kind == 'f':
            return a.astype(dtype, copy=False)
        return a

    base_inputs = [cast(a) for a in x_arrays]
    base_params = [cast(p.array) for p in params]
    def numeric(which):
        """Directional derivative along the directions of ``which`` (a set of
        target indexes); the others stay unperturbed."""
        dirs = {id(targets[k][1]): directions[k] for k in which}
        delta = numpy.zeros((), dtype=numpy.float64)

        def perturb(a, d):
            if d is None:
                return a
            r = (a.astype(numpy.float64) + float(delta) * d).astype(a.dtype)
            return _xp(a).asarray(r)

        def g():
            in_arrays = [perturb(a, dirs.get(id(x))) for a, x in zip(base_inputs, xs)]
            saved = [p.array for p in params]
            try:
                for p, a in zip(params, base_params):
                    if a is not None:
                        p.array = perturb(a, dirs.get(id(p)))
                outs = _as_tuple(func(*[Variable(a) for a in in_arrays]))
            finally:
                for p, a in zip(params, saved):
                    p.array = a
            if len(outs) != n_out:
                raise ValueError('check_backward: func returned {} outputs, then {}'
                                 .format(n_out, len(outs)))
            return tuple(None if y is None else _raw(y) for y in outs)

        center = y0 if dtype is None else None
        gnum, = numerical_grad(
            g, (delta,), gys, eps=eps,
            detect_nondifferentiable=detect_nondifferentiable,
            diff_atol=0, diff_rtol=rtol, center_outputs=center)
        return float(gnum)

    gx_numeric = numeric(range(len(targets)))

    try:
        assert_allclose(gx_numeric, gx_backward, atol=atol, rtol=rtol)
    except AssertionError as e:
        f = io.StringIO()
        f.write('check_backward failed (eps={} atol={} rtol={})\n'.format(
            eps, atol, rtol))
        f.write('directional derivative along a random unit direction:\n')
        f.write('  numeric:  {!r}\n'.format(gx_numeric))
        f.write('  backward: {!r}\n'.format(gx_backward))
        f.write('  |numeric - backward| = {!r} > atol + rtol * |backward| = {!r}\n'
                .format(abs(gx_numeric - gx_backward), atol + rtol * abs(gx_backward)))
        if len(targets) > 1:
            f.write('per input/param (numeric vs backward):\n')
            for k, (label, v, _) in enumerate(targets):
                try:
                    nk = numeric([k])
                except Exception as err:  # diagnostics only
                    nk = 'n/a ({})'.format(err)
                mark = ''
                if not isinstance(nk, str) and \
                        abs(nk - backward_terms[k]) > atol + rtol * abs(backward_terms[k]):
                    mark = '   <-- differs'
                f.write('  {}: {!r} vs {!r}{}\n'.format(label, nk, backward_terms[k], mark))
        f.write(_format_arrays('inputs', x_arrays))
        f.write(_format_arrays('grad_outputs', gys))
        f.write(_format_arrays('directions', directions))
        f.write('\n(x: numeric, y: backward)\n')
        f.write(str(e))
        raise AssertionError(f.getvalue()) from None


def _check_grad_props(label, v, g):
    if g is None:
        return
    if tuple(g.shape) != tuple(v.shape):
        raise ValueError('check_backward: the gradient of {} has shape {} but the '
                         'array has shape {}'.format(label, g.shape, v.shape))
    if g.dtype != v.dtype:
        raise TypeError('check_backward: the gradient of {} has dtype {} but the '
                        'array has dtype {}'.format(label, g.dtype, v.dtype))


# ---------------------------------------------------------------------------
# check_double_backward
# ---------------------------------------------------------------------------

def check_double_backward(func, x_data, y_grad, x_grad_grad, params=(),
                          params_grad_grad=(), eps=1e-3, atol=1e-4, rtol=1e-3,
                          no_grads=None, dtype=None,
                          detect_nondifferentiable=False):
    """Check the second-order gradient of ``func`` (Chainer's semantics).

    A function ``first_order_grad(*x, *gy)`` is built that computes the
    first-order gradients ``gx`` (of the float inputs, then of the params)
    with ``fastgrad.grad(..., enable_double_backprop=True)``; its backward is
    then checked with :func:`check_backward` using ``x_grad_grad`` (one per
    float input) followed by ``params_grad_grad`` (one per param) as the
    upstream gradients.  ``y_grad`` may be None for a single size-1 output.
    ``no_grads`` refers to the inputs of ``first_order_grad``
    (``x_data + y_grad``); a list as long as ``x_data`` is extended with
    False for the ``y_grad`` entries.

    >>> x = np.array([0.5, -1.0, 2.0])
    >>> gy = np.ones(3)
    >>> ggx = np.ones(3)
    >>> fastgrad.gradient_check.check_double_backward(F.tanh, x, gy, ggx)
    """
    import fastgrad

    x_data = _as_tuple(x_data)
    x_arrays = [_raw(x) for x in x_data]
    params = _as_tuple(params)
    n_x = len(x_data)
    y_grad = () if y_grad is None else _as_tuple(y_grad)
    # Outputs without an upstream grad (None) are not inputs of the check.
    gy_given = [g is not None for g in y_grad]
    x_grad_grad = _as_tuple(x_grad_grad)
    params_grad_grad = _as_tuple(params_grad_grad)

    first_no_grads = [numpy.dtype(x.dtype).kind != 'f' for x in x_arrays]
    n_float = sum(not ng for ng in first_no_grads)
    if len(x_grad_grad) == n_x and n_x != n_float:
        x_grad_grad = tuple(g for g, ng in zip(x_grad_grad, first_no_grads) if not ng)
    if len(x_grad_grad) != n_float:
        raise ValueError(
            'check_double_backward: x_grad_grad must have one entry per float '
            'input ({}), got {}'.format(n_float, len(x_grad_grad)))
    if len(params_grad_grad) != len(params):
        raise ValueError(
            'check_double_backward: params_grad_grad must have one entry per '
            'param ({}), got {}'.format(len(params), len(params_grad_grad)))
    if no_grads is not None:
        no_grads = list(no_grads)
        if len(no_grads) == n_x and y_grad:
            no_grads += [False] * sum(gy_given)

    def first_order_grad(*inputs):
        xs = inputs[:n_x]
        given = iter(inputs[n_x:])
        gys = tuple(next(given) if has else None for has in gy_given)
        ys = _as_tuple(func(*xs))
        if gys:
            if len(gys) != len(ys):
                raise ValueError(
                    'check_double_backward: func returned {} output(s) but y_grad '
                    'has {} element(s)'.format(len(ys), len(gys)))
            pairs = [(y, gy) for y, gy in zip(ys, gys)
                     if y is not None and gy is not None]
            outs = [y for y, _ in pairs]
            gouts = [gy for _, gy in pairs]
        else:
            outs = [y for y in ys if y is not None]
            if len(outs) != 1 or outs[0].size != 1:
                raise ValueError('check_double_backward: y_grad=None needs a single '
                                 'output of size 1')
            gouts = None
        targets = [x for x, ng in zip(xs, first_no_grads) if not ng] + list(params)
        if not outs:
            return (None,) * len(targets)
        gxs = fastgrad.grad(outs, targets, grad_outputs=gouts,
                            enable_double_backprop=True)
        return tuple(gxs)

    try:
        check_backward(first_order_grad,
                       tuple(x_arrays) + tuple(_raw(g) for g in y_grad if g is not None),
                       x_grad_grad + params_grad_grad, params=params, eps=eps,
                       atol=atol, rtol=rtol, no_grads=no_grads, dtype=dtype,
                       detect_nondifferentiable=detect_nondifferentiable)
    except AssertionError as e:
        f = io.StringIO()
        f.write('check_double_backward failed (eps={} atol={} rtol={})\n'.format(
            eps, atol, rtol))
        f.write(_format_arrays('input', x_arrays))
        f.write(_format_arrays('grad_output', y_grad))
        f.write(_format_arrays('grad_grad_input', x_grad_grad))
        for i, gg in enumerate(params_grad_grad):
            f.write('grad_grad_param[{}]:\n{}\n'.format(i, gg))
        f.write('\n')
        f.write(str(e))
        raise AssertionError(f.getvalue()) from None
