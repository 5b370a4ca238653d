"""Chainer-reference cases of the recurrent cells slstm and tree_lstm (and
zoneout, with its mask fixed by seeding NumPy's RNG inside the function).
Chainer's tree_lstm rejects inputs of more than 2 axes (its shape check
compares the wrong axes), so those are checked in tests/functions/rnn only.
Format as in cases.py."""
import numpy


def _randn(seed, *shapes):
    rng = numpy.random.RandomState(seed)
    return [rng.randn(*s) for s in shapes]


def cases(F):
    def both(c, h):
        # one Variable from the two outputs
        return F.concat((F.reshape(c, (-1,)), F.reshape(h, (-1,))), axis=0)

    def slstm(*args):
        return both(*F.slstm(*args))

    def tree(*args):
        return both(*F.tree_lstm(*args))

    def zoneout(h, x):
        numpy.random.seed(2)
        return F.zoneout(h, x, 0.4)

    return {
        'slstm': (slstm, _randn(0, (3, 4), (3, 4), (3, 16), (3, 16)), 4),
        'slstm_3d': (slstm, _randn(1, (2, 3, 2), (2, 3, 2), (2, 12, 2), (2, 12, 2)), 4),
        'slstm_h_only': (lambda *a: F.slstm(*a)[1], _randn(2, (2, 3), (2, 3), (2, 12), (2, 12)), 4),
        'slstm_c_only': (lambda *a: F.slstm(*a)[0], _randn(3, (2, 3), (2, 3), (2, 12), (2, 12)), 4),
        'tree_lstm_1': (tree, _randn(4, (3, 4), (3, 16)), 2),
        'tree_lstm_2': (tree, _randn(5, (3, 4), (3, 4), (3, 20)), 3),
        'tree_lstm_3': (tree, _randn(6, (2, 3), (2, 3), (2, 3), (2, 18)), 4),
        'tree_lstm_h_only': (lambda *a: F.tree_lstm(*a)[1], _randn(8, (2, 3), (2, 3), (2, 15)), 3),
        'zoneout': (zoneout, _randn(9, (3, 5), (3, 5)), 2),
    }
