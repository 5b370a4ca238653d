"""einsum: Einstein summation over any number of operands."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'


class EinSum(Op):
    """``y = einsum(in_subs -> out_sub)`` with explicit letters only (no
    ``...``: einsum() names the ellipsis axes).

    ``out_sub`` may repeat a letter (``'ii'``: the result is zero off that
    diagonal) or hold letters of no input (their sizes from ``out_shape``:
    the result is broadcast along them); both occur in gradients.  The
    gradient of operand ``i`` is the einsum of the other operands and the
    output's gradient, with operand ``i``'s subscripts as the output."""
    __slots__ = ('in_subs', 'out_sub', 'out_shape')
    checks = Checks('*xs', "all(x.dtype.kind == 'f' for x in xs)",
                    'len(xs) == len(self.in_subs)')

    def __init__(self, in_subs, out_sub, out_shape=None):
        if isinstance(in_subs, str):            # Chainer's form: 'ij,jk'
            in_subs = in_subs.split(',')
        self.in_subs = tuple(in_subs)
        self.out_sub = out_sub
        self.out_shape = out_shape

    @property
    def label(self):
        return 'einsum'

    def forward(self, inputs):
        self.retain_inputs(tuple(range(len(inputs))))
        xp = utils.array_module(inputs[0])
        dtype = numpy.result_type(*inputs)
        present = set(''.join(self.in_subs))
        unique = ''.join(dict.fromkeys(self.out_sub))
        if unique == self.out_sub and present.issuperset(unique):
            return _einsum(xp, self.in_subs, self.out_sub, inputs, dtype),
        # write the einsum of the letters at hand into the (diagonal, broadcast)
        # positions of a zero array: index arrays over the grid of distinct letters
        direct = ''.join(c for c in unique if c in present)
        z = _einsum(xp, self.in_subs, direct, inputs, dtype)
        z = z[tuple(slice(None) if c in present else None for c in unique)]
        y = xp.zeros(self.out_shape, dtype)
        index = []
        for c, size in zip(self.out_sub, self.out_shape):
            shape = [1] * len(unique)
            shape[unique.index(c)] = size
            index.append(xp.arange(size).reshape(shape))
        y[tuple(index)] = z
        return y,

    def gradient(self, ns, indexes, grad_outputs):
        xs = ns.inputs(self)
        g, = grad_outputs
        out = []
        for i in indexes:
            subs = list(self.in_subs)
            subs[i] = self.out_sub
            args = list(xs)
            args[i] = g
            gx, = ns.call(EinSum(subs, self.in_subs[i], tuple(xs[i].shape)), args)
            if gx.dtype != xs[i].dtype:
                gx = ns.cast(gx, xs[i].dtype)
            out.append(gx)
        return tuple(out)


# Chainer's name for the form with an out_shape
DiagEinSum = EinSum


_INTERMEDIATE = 1 << 22                   # elements: 16 MB in float32


def _einsum(xp, in_subs, out_sub, inputs, dtype):
    spec = '{}->{}'.format(','.join(in_subs), out_sub)
    # NumPy's optimize picks the contraction order and hands pairs to BLAS
    # (3x faster for a batched matmul of two operands).  Its default caps an
    # intermediate at the largest operand, which for three or more operands
    # often leaves one loop over every index: 'ij,ik,jkl->il' at (256, 32),
    # (256, 32), (32, 32, 16) took 4.5 ms that way and 0.44 ms through a
    # (256, 32, 32) intermediate.  Intermediates of up to _INTERMEDIATE
    # elements (or the largest operand, if larger) are allowed.
    kwargs = {}
    if xp is numpy:
        largest = max([x.size for x in inputs])
        kwargs['optimize'] = ('greedy', max(largest, _INTERMEDIATE))
    return utils.force_array(xp.einsum(spec, *inputs, **kwargs), dtype)


def _parse(operands):
    """(input subscripts, output subscript or None, arrays); '...' as '@'."""
    if not operands:
        raise ValueError('einsum: no input operands')
    if isinstance(operands[0], str):
        spec = operands[0].replace(' ', '')
        arrays = list(operands[1:])
        for ch in spec:
            if ch not in _LETTERS and ch not in '.,->':
                raise ValueError('einsum: character {} is not a valid symbol'.format(ch))
        out = None
        if '-' in spec or '>' in spec:
            if spec.count('->') != 1 or spec.count('-') != 1 or spec.count('>') != 1:
                raise ValueError("einsum: subscripts can only contain one '->'")
            spec, out = spec.split('->')
        spec = spec.replace('...', '@')
        out = None if out is None else out.replace('...', '@')
        if '.' in spec or (out is not None and '.' in out):
            raise ValueError('einsum: invalid ellipses')
        return spec.split(','), out, arrays

    def letters(sub):
        text = ''
        for s in sub:
            if s is Ellipsis:
                text += '@'
            elif isinstance(s, (int, numpy.integer)) and 0 <= s < len(_LETTERS):
                text += _LETTERS[s]
            else:
                raise TypeError('einsum: sublists must contain ints in [0, 52) '
                                'or Ellipsis, got {!r}'.format(s))
        return text
    items = list(operands)
    arrays, subs = items[0:len(items) // 2 * 2:2], items[1:len(items) // 2 * 2:2]
    out = letters(items[-1]) if len(items) % 2 else None
    return [letters(s) for s in subs], out, arrays


def _expand(in_subs, out, arrays):
    """Replace '@' by fresh letters; check ndims and sizes (Chainer's rules:
    the ellipsis stands for the same axes in every operand)."""
    if len(in_subs) != len(arrays):
        raise ValueError('einsum: {} subscripts for {} operands'.format(
            len(in_subs), len(arrays)))
    used = set(''.join(in_subs))
    if out is None:
        # implicit output: the ellipsis, then the letters seen once, sorted
        flat = ''.join(in_subs)
        out = ('@' if '@' in used else '') + ''.join(
            c for c in sorted(used - {'@'}) if flat.count(c) == 1)
    else:
        for ch in out:
            if ch not in used:
                raise ValueError('einsum: output character {} did not appear in the '
                                 'input'.format('...' if ch == '@' else ch))
        if len(set(out)) != len(out):
            raise ValueError('einsum: output subscript {!r} repeats a letter'.format(out))
    free = [c for c in _LETTERS if c not in used]
    ell_shape = None
    expanded = []
    for k, (sub, x) in enumerate(zip(in_subs, arrays)):
        if sub.count('@') > 1:
            raise ValueError('einsum: more than one ellipsis in {!r}'.format(sub))
        n_named = len(sub) - sub.count('@')
        if x.ndim < n_named or ('@' not in sub and x.ndim != n_named):
            raise utils.invalid_type(
                'einsum', 'x{0}.ndim == {1}'.format(k, n_named if '@' not in sub
                                                     else '>= {}'.format(n_named)),
                'x{}.ndim = {} (subscripts {!r})'.format(k, x.ndim, sub.replace('@', '...')))
        if '@' in sub:
            at = sub.index('@')
            shape = tuple(x.shape[at:at + x.ndim - n_named])
            if ell_shape is not None and shape != ell_shape:
                raise utils.invalid_type('einsum', 'the same shape for ... in every operand',
                                         '{} != {}'.format(shape, ell_shape))
            ell_shape = shape
            sub = sub.replace('@', ''.join(free[:len(shape)]))
        expanded.append(sub)
    n_ell = 0 if ell_shape is None else len(ell_shape)
    if '@' in out:
        out = out.replace('@', ''.join(free[:n_ell]))
    elif n_ell:
        raise ValueError('einsum: summing over the ellipsis is not supported (as in '
                         'Chainer); name those axes')
    sizes = {}
    for k, (sub, x) in enumerate(zip(expanded, arrays)):
        for axis, ch in enumerate(sub):
            if sizes.setdefault(ch, x.shape[axis]) != x.shape[axis]:
                raise utils.invalid_type(
                    'einsum', 'the same size for every {!r}'.format(ch),
                    'x{}.shape[{}] = {} but {} before'.format(k, axis, x.shape[axis],
                                                             sizes[ch]))
    return expanded, out


def einsum(*operands):
    """Einstein summation, as :func:`numpy.einsum`.

    Two forms: ``einsum('ij,jk->ik', a, b)`` and
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.  ``...`` stands for the same
    axes in every operand (shapes must be equal); it cannot be summed
    over.  Without ``->`` the output is the ellipsis followed by the
    letters seen once, sorted.

    Args:
        operands: The subscripts and the arrays or variables (float).

    Returns:
        ~fastgrad.Variable: The result.

    >>> a = np.arange(6, dtype=np.float32).reshape(2, 3)
    >>> F.einsum('ij,kj->ik', a, a).array  # a @ a.T
    array([[ 5., 14.],
           [14., 50.]], dtype=float32)
    >>> F.einsum(a, [0, 1], [1]).array  # the column sums, sublist form
    array([3., 5., 7.], dtype=float32)
    """
    in_subs, out, arrays = _parse(operands)
    in_subs, out = _expand(in_subs, out, arrays)
    y, = EinSum(in_subs, out).apply(tuple(arrays))
    return y
