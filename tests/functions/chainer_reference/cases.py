"""The cases compared with Chainer 7.8.1: shared by make_fixtures.py (run
with real Chainer) and test_against_chainer.py (run with fastgrad).

``cases(F)`` maps a name to ``(function, inputs, n_diff)``: the function of
the first ``n_diff`` inputs (float64 arrays, differentiated) and the rest
(constants)."""
import numpy


def _inputs(seed, *specs):
    rng = numpy.random.RandomState(seed)
    out = []
    for spec in specs:
        kind, shape = spec[0], spec[1]
        if kind == 'u':                       # uniform in [lo, hi)
            out.append(rng.uniform(spec[2], spec[3], shape))
        elif kind == 'i':                     # integers in [0, hi)
            out.append(rng.randint(0, spec[2], shape).astype(numpy.int32))
        else:
            out.append(rng.randn(*shape))
    return out


def cases(F):
    c = {}
    unary = {
        'erf': (F.erf, ('u', (3, 4), -2, 2)), 'erfc': (F.erfc, ('u', (3, 4), -2, 2)),
        'erfcx': (F.erfcx, ('u', (3, 4), -1, 3)), 'erfinv': (F.erfinv, ('u', (3, 4), -.9, .9)),
        'erfcinv': (F.erfcinv, ('u', (3, 4), .1, 1.9)), 'ndtr': (F.ndtr, ('n', (3, 4))),
        'ndtri': (F.ndtri, ('u', (3, 4), .05, .95)),
        'log_ndtr': (F.log_ndtr, ('u', (3, 4), -6, 3)),
        'lgamma': (F.lgamma, ('u', (3, 4), .3, 5)), 'digamma': (F.digamma, ('u', (3, 4), .3, 5)),
        'tan': (F.tan, ('u', (3, 4), -1.2, 1.2)), 'arcsin': (F.arcsin, ('u', (3, 4), -.9, .9)),
        'arccos': (F.arccos, ('u', (3, 4), -.9, .9)), 'arctan': (F.arctan, ('n', (3, 4))),
        'sinh': (F.sinh, ('n', (3, 4))), 'cosh': (F.cosh, ('n', (3, 4))),
        'arctanh': (F.arctanh, ('u', (3, 4), -.9, .9)),
        'relu6': (F.relu6, ('u', (3, 4), -3, 9)), 'crelu': (F.crelu, ('n', (2, 3, 2))),
        'fliplr': (F.fliplr, ('n', (3, 4))), 'flipud': (F.flipud, ('n', (3, 4))),
        'depth2space': (lambda x: F.depth2space(x, 2), ('n', (2, 8, 2, 3))),
        'space2depth': (lambda x: F.space2depth(x, 2), ('n', (2, 2, 4, 6))),
        'diagonal': (lambda x: F.diagonal(x, 1, 0, 2), ('n', (3, 4, 5))),
        'decov': (F.decov, ('n', (5, 4))),
        'decov_no': (lambda h: F.decov(h, reduce='no'), ('n', (5, 4))),
    }
    for i, (name, (fn, spec)) in enumerate(sorted(unary.items())):
        c[name] = (fn, _inputs(i, spec), 1)
    c['polygamma'] = (lambda x, n: F.polygamma(n, x),
                      _inputs(50, ('u', (3, 4), .5, 4), ('i', (3, 4), 3)), 1)
    c['zeta'] = (lambda q: F.zeta(3.0, q), _inputs(51, ('u', (3, 4), .5, 4)), 1)
    c['arctan2'] = (F.arctan2, _inputs(52, ('n', (3, 4)), ('n', (3, 4))), 2)
    c['fmod'] = (F.fmod, _inputs(53, ('n', (3, 4)), ('u', (3, 4), .5, 2)), 2)
    c['scale'] = (lambda x, y: F.scale(x, y, axis=1),
                  _inputs(54, ('n', (2, 3, 4)), ('n', (3,))), 2)
    c['bias'] = (lambda x, y: F.bias(x, y, axis=1),
                 _inputs(55, ('n', (2, 3, 4)), ('n', (3, 4))), 2)
    c['linear_interpolate'] = (F.linear_interpolate, _inputs(
        56, ('u', (3, 4), 0, 1), ('n', (3, 4)), ('n', (3, 4))), 3)
    c['absolute_error'] = (F.absolute_error, _inputs(57, ('n', (3, 4)), ('n', (3, 4))), 2)
    c['squared_error'] = (F.squared_error, _inputs(58, ('n', (3, 4)), ('n', (3, 4))), 2)
    c['squared_difference'] = (F.squared_difference,
                               _inputs(59, ('n', (3, 4)), ('n', (3, 4))), 2)
    c['triplet'] = (F.triplet, _inputs(60, ('n', (5, 3)), ('n', (5, 3)), ('n', (5, 3))), 3)
    c['triplet_no'] = (lambda a, p, n: F.triplet(a, p, n, margin=1.0, reduce='no'),
                       _inputs(61, ('n', (5, 3)), ('n', (5, 3)), ('n', (5, 3))), 3)
    c['cross_covariance'] = (F.cross_covariance, _inputs(62, ('n', (5, 3)), ('n', (5, 2))), 2)
    c['cross_covariance_no'] = (lambda y, z: F.cross_covariance(y, z, reduce='no'),
                                _inputs(63, ('n', (5, 3)), ('n', (5, 2))), 2)
    c['dstack'] = (lambda a, b: F.dstack([a, b]), _inputs(64, ('n', (3, 4)), ('n', (3, 4))), 2)
    return c


def metric_cases(F):
    """Non-differentiable metrics: name -> (function, inputs)."""
    rng = numpy.random.RandomState(70)
    y = rng.randn(20, 4)
    t = rng.randint(-1, 4, 20).astype(numpy.int32)
    pred, true = rng.randn(10, 3), rng.randn(10, 3)
    x = rng.randn(3, 4) * 3
    return {
        'classification_summary': (lambda: F.classification_summary(y, t, 4, 0.5), ()),
        'precision': (lambda: F.precision(y, t), ()),
        'recall': (lambda: F.recall(y, t, 4), ()),
        'f1_score': (lambda: F.f1_score(y, t), ()),
        'r2_score': (lambda: (F.r2_score(pred, true),), ()),
        'r2_score_raw': (lambda: (F.r2_score(pred, true, multioutput='raw_values'),), ()),
        'ceil': (lambda: (F.ceil(x),), ()), 'floor': (lambda: (F.floor(x),), ()),
        'fix': (lambda: (F.fix(x),), ()), 'sign': (lambda: (F.sign(x),), ()),
    }
