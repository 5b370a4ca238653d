"""Noise functions: one module per op, as in Chainer; ``fastgrad.functions``
imports each function from its module."""
