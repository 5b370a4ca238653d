"""L.BinaryHierarchicalSoftmax: the loss of a label as a product of binary
decisions along its path in a tree (Morin & Bengio 2005)."""
import heapq

import numpy

from fastgrad import initializers, link, utils, variable
from fastgrad.configuration import get_dtype
from fastgrad.device_resident import DeviceResident
from fastgrad.variable import as_array

_NAME = 'BinaryHierarchicalSoftmax'


def _host(a):
    return a if isinstance(a, numpy.ndarray) else a.get()


class _TreeTable(DeviceResident):
    """The paths of a tree ``((0, 1), ((2, 3), 4))`` (tuples are internal
    nodes, the rest leaves = labels), in Chainer's flat layout: the internal
    nodes on label ``i``'s path are ``paths[begins[i]:begins[i + 1]]`` (ids
    in pre-order) and ``codes`` says the branch taken (1.0 left, -1.0 right).
    """

    def __init__(self, tree, dtype):
        super().__init__()
        paths, codes = {}, {}
        self.parser_size = 0
        stack = [(tree, [], [])]            # (node, path so far, codes so far)
        while stack:
            node, path, code = stack.pop()
            if isinstance(node, tuple):
                if len(node) != 2:
                    raise ValueError('{}: every internal node of the tree must have two '
                                     'children; got {!r}'.format(_NAME, node))
                nid = self.parser_size
                self.parser_size += 1
                # the right child is pushed first so the left one is numbered first
                stack.append((node[1], path + [nid], code + [-1.0]))
                stack.append((node[0], path + [nid], code + [1.0]))
            else:
                if not isinstance(node, (int, numpy.integer)) or node < 0:
                    raise ValueError('{}: the leaves of the tree must be non-negative ints '
                                     '(labels); got {!r}'.format(_NAME, node))
                paths[int(node)] = path
                codes[int(node)] = code
        n_vocab = max(paths) + 1
        lengths = [len(paths.get(i, ())) for i in range(n_vocab)]
        self.begins = numpy.concatenate([[0], numpy.cumsum(lengths)]).astype(numpy.int32)
        self.paths = numpy.array([n for i in range(n_vocab) for n in paths.get(i, ())],
                                 numpy.int32)
        self.codes = numpy.array([c for i in range(n_vocab) for c in codes.get(i, ())], dtype)
        self.n_vocab = n_vocab

    def padded(self, t, xp):
        """(N, L) node ids and codes of the labels ``t``, zero-padded (built
        on the host: the tables are small)."""
        begins, paths, codes, t = (_host(a) for a in (self.begins, self.paths, self.codes, t))
        lengths = begins[t + 1] - begins[t]
        width = max(int(lengths.max()) if lengths.size else 0, 1)
        col = numpy.arange(width)
        inside = col[None, :] < lengths[:, None]
        flat = numpy.where(inside, begins[t][:, None] + col[None, :], 0)
        if paths.size == 0:            # a tree of one leaf: no decisions
            return xp.zeros(flat.shape, numpy.int32), xp.zeros(flat.shape, codes.dtype)
        return (xp.asarray(numpy.where(inside, paths[flat], 0)),
                xp.asarray(numpy.where(inside, codes[flat], 0)))

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        self.paths = visitor.visit_array(self.paths)
        self.codes = visitor.visit_array(self.codes)
        self.begins = visitor.visit_array(self.begins)


class BinaryHierarchicalSoftmax(link.Link):
    """``BinaryHierarchicalSoftmax(in_size, tree, dtype=None)``

    ``P(t | x) = prod_i sigmoid(b_i x . W[e_i])`` over the internal nodes
    ``e_i`` on the path from the root to leaf ``t`` (``b_i`` = 1 for a left
    branch, -1 for a right one). ``forward(x, t)`` returns the summed
    negative log-likelihood of the batch (a scalar, as in Chainer).

    Args:
        in_size (int): size of the input vectors.
        tree: nested pairs of labels, e.g. ``((0, 1), ((2, 3), 4))`` (see
            :meth:`create_huffman_tree`).
        dtype: dtype of ``W`` (the default dtype when None).

    ``W`` (number of internal nodes, in_size) starts ``Uniform(1)``. The
    gradient is built from differentiable functions (a gather of the path
    rows of W), so it also has a second derivative (Chainer's has none).

    >>> tree = L.BinaryHierarchicalSoftmax.create_huffman_tree({0: 5, 1: 1, 2: 2})
    >>> tree
    ((1, 2), 0)
    >>> hsm = L.BinaryHierarchicalSoftmax(3, tree)
    >>> hsm.W.array[...] = 0  # every branch then has probability 1/2
    >>> x, t = np.ones((2, 3), np.float32), np.array([0, 2], np.int32)
    >>> round(float(hsm(x, t).array), 4)  # 3 log 2: depths 1 and 2
    2.0794
    """

    def __init__(self, in_size, tree, dtype=None):
        super().__init__()
        dtype = get_dtype(dtype)
        self._func = _TreeTable(tree, dtype)
        with self.init_scope():
            self.W = variable.Parameter(initializers.Uniform(1),
                                        (self._func.parser_size, in_size))

    def device_resident_accept(self, visitor):
        super().device_resident_accept(visitor)
        self._func.device_resident_accept(visitor)

    @staticmethod
    def create_huffman_tree(word_counts):
        """A binary Huffman tree of the keys of ``word_counts`` (key -> count),
        e.g. ``{0: 8, 1: 5, 2: 6, 3: 4}`` -> ``((3, 1), (2, 0))``. Ties go to
        the key inserted first; a merged pair takes its first member's place."""
        if not word_counts:
            raise ValueError('create_huffman_tree: empty vocabulary')
        heap = [(count, order, word) for order, (word, count) in enumerate(word_counts.items())]
        heapq.heapify(heap)
        while len(heap) > 1:
            c1, o1, w1 = heapq.heappop(heap)
            c2, o2, w2 = heapq.heappop(heap)
            heapq.heappush(heap, (c1 + c2, min(o1, o2), (w1, w2)))
        return heap[0][2]

    def forward(self, x, t):
        from fastgrad import functions as F
        xa, ta = as_array(x), as_array(t)
        W = self.W
        for ok, expect, actual in [
                (xa.dtype.kind == 'f' and xa.ndim == 2, "x.dtype.kind == 'f' and x.ndim == 2",
                 'x.dtype = {}, x.ndim = {}'.format(xa.dtype, xa.ndim)),
                (ta.dtype == numpy.int32 and ta.ndim == 1, 't.dtype == int32 and t.ndim == 1',
                 't.dtype = {}, t.ndim = {}'.format(ta.dtype, ta.ndim)),
                (xa.shape[0] == ta.shape[0], 'x.shape[0] == t.shape[0]',
                 '{} != {}'.format(xa.shape[0], ta.shape[0])),
                (W.dtype == xa.dtype, 'W.dtype == x.dtype', '{} != {}'.format(W.dtype, xa.dtype)),
                (W.shape[1] == xa.shape[1], 'W.shape[1] == x.shape[1]',
                 '{} != {}'.format(W.shape[1], xa.shape[1]))]:
            if not ok:
                raise utils.invalid_type(_NAME, expect, actual)
        if ta.size and (int(ta.min()) < 0 or int(ta.max()) >= self._func.n_vocab):
            raise ValueError('{}: labels must be leaves of the tree, 0 <= t < {}; got {}'.format(
                _NAME, self._func.n_vocab, int(ta.min()) if int(ta.min()) < 0
                else int(ta.max())))
        xp = utils.array_module(xa)
        nodes, codes = self._func.padded(ta, xp)
        codes = codes.astype(xa.dtype)
        wx = F.reshape(F.matmul(F.embed_id(nodes, W), F.expand_dims(x, 2)), nodes.shape)
        # log(1 + exp(-code * wx)) on the path; the padding (code 0) is masked out
        loss = F.softplus(-wx * codes) * (codes != 0).astype(xa.dtype)
        return F.sum(loss)
