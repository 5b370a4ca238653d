"""Row and column index arithmetic shared by the tabular views."""
import numbers

import numpy


def n_rows(indices, length):
    """How many rows ``indices`` (None, a slice or a list) selects."""
    if indices is None:
        return length
    if isinstance(indices, slice):
        return len(range(*indices.indices(length)))
    return len(indices)


def normalize_rows(indices, length):
    """A slice stays a slice; booleans become the positions of True; ints are
    checked and made non-negative."""
    if isinstance(indices, slice) or len(indices) == 0:
        return indices
    if all(isinstance(i, (bool, numpy.bool_)) for i in indices):
        if len(indices) != length:
            raise ValueError('The number of booleans ({}) is different from the '
                             'length of dataset ({})'.format(len(indices), length))
        return [pos for pos, keep in enumerate(indices) if keep]
    out = []
    for i in indices:
        i = int(i)
        j = i + length if i < 0 else i
        if not 0 <= j < length:
            raise IndexError('index {} is out of bounds for dataset with size {}'
                             .format(i, length))
        out.append(j)
    return out


def normalize_keys(keys, names):
    """Column names or positions as a tuple of positions in ``names``."""
    positions = []
    for key in keys:
        if isinstance(key, numbers.Integral):
            pos = key + len(names) if key < 0 else key
            if not 0 <= pos < len(names):
                raise IndexError('index {} is out of bounds for keys with size {}'
                                 .format(key, len(names)))
        else:
            if key not in names:
                raise KeyError('{} does not exists'.format(key))
            pos = names.index(key)
        positions.append(pos)
    return tuple(positions)


def compose_rows(outer, inner, outer_len, inner_len):
    """The parent's rows of ``inner`` (rows of a view) where the view holds
    the parent's rows ``outer``; both None/slice/list."""
    if outer is None:
        return inner
    if inner is None:
        return outer
    if isinstance(outer, slice):
        o_start, _, o_step = outer.indices(outer_len)
        if isinstance(inner, slice):
            i_start, i_stop, i_step = inner.indices(inner_len)
            start = o_start + o_step * i_start
            stop = o_start + o_step * i_stop
            step = o_step * i_step
            # A negative bound would wrap around: it means "past the end".
            return slice(None if (start < 0 and step > 0) else start,
                         None if (stop < 0 and step < 0) else stop, step)
        return [o_start + o_step * i for i in inner]
    if isinstance(inner, slice):
        return outer[inner]
    return [outer[i] for i in inner]


def compose_keys(outer, inner):
    if outer is None:
        return inner
    if inner is None:
        return outer
    return tuple(outer[k] for k in inner)
