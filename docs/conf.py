"""Sphinx configuration for fastgrad's documentation.

The docs are built against the *installed* fastgrad (``pip install ".[docs]"``):
nothing here puts the source tree on ``sys.path``, whose ``_core`` is not
compiled.  No extension fetches anything over the network (no intersphinx).
"""
import importlib
import inspect

import fastgrad

project = 'fastgrad'
author = 'fastgrad developers'
copyright = 'fastgrad developers (MIT License)'
release = fastgrad.__version__
version = '.'.join(release.split('.')[:2])

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.autosummary',
    'sphinx.ext.napoleon',
    'sphinx.ext.doctest',
]

exclude_patterns = ['_build']
templates_path = ['_templates']
html_theme = 'alabaster'
html_static_path = []
# the module index would list only the few modules that have their own page
html_domain_indices = False

autosummary_generate = True
autosummary_imported_members = False
autodoc_member_order = 'bysource'
autodoc_typehints = 'none'  # signatures as written; the core is Cython
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections as fields: the members are documented by autodoc
# (:undoc-members:), and a second description of one would be a duplicate
napoleon_use_ivar = True

# ``>>>`` examples in the pages and in the docstrings pulled in by autodoc run
# under ``sphinx-build -b doctest``; this is in scope for every one of them.
doctest_global_setup = '''
import numpy
import numpy as np
import fastgrad
import fastgrad as chainer
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import Variable
'''

# The modules whose every public name must appear in the API reference: a name
# missing from docs/reference/*.rst is a warning (an error under -W).
API_MODULES = [
    'fastgrad',
    'fastgrad.functions',
    'fastgrad.links',
    'fastgrad.optimizers',
    'fastgrad.optimizer_hooks',
    'fastgrad.initializers',
    'fastgrad.serializers',
    'fastgrad.training',
    'fastgrad.training.extensions',
    'fastgrad.training.triggers',
    'fastgrad.training.updaters',
    'fastgrad.iterators',
    'fastgrad.datasets',
    'fastgrad.dataset',
    'fastgrad.backend',
    'fastgrad.distributions',
    'fastgrad.gradient_check',
    'fastgrad.testing',
    'fastgrad.function_hooks',
    'fastgrad.link_hooks',
    'fastgrad.computational_graph',
    'fastgrad.graph_optimizations',
    'fastgrad.utils',
]
# Public names deliberately left out of the reference (with the reason).
API_EXCLUDED = set()   # public names deliberately left out of the reference


def _public_names(modname):
    """Names a module exports: defined in fastgrad, not private, not modules."""
    module = importlib.import_module(modname)
    for name, value in vars(module).items():
        if name.startswith('_') or inspect.ismodule(value):
            continue
        if not (getattr(value, '__module__', None) or '').startswith('fastgrad'):
            continue
        yield name, value


def _check_api_coverage(app, env):
    from sphinx.util import logging
    logger = logging.getLogger('fastgrad.api')
    objects = env.get_domain('py').objects
    for modname in API_MODULES:
        for name, value in _public_names(modname):
            full = modname + '.' + name
            if full in objects or full in API_EXCLUDED:
                continue
            # documented under another public path (fastgrad.Variable and
            # fastgrad.variable.Variable are one object)
            if any(full_other.rsplit('.', 1)[-1] == name and _resolves(full_other, value)
                   for full_other in objects):
                continue
            logger.warning('%s is public but not in the API reference', full)


def _resolves(dotted, value):
    modname, _, attr = dotted.rpartition('.')
    try:
        return getattr(importlib.import_module(modname), attr, None) is value
    except ImportError:
        return False


# Napoleon reads the first line of an attribute's docstring as "type: text";
# fastgrad's attribute docstrings are prose ("The function that made this
# Variable: the FunctionNode, ..."), so they are kept as written.  Cython's own
# docstrings of typed attributes ("rank: 'int'") say nothing more than the
# signature and are dropped.
_ATTRIBUTE_KINDS = ('attribute', 'property', 'data')
_original_lines = {}


def _keep_attribute_docstring(app, what, name, obj, options, lines):
    if what in _ATTRIBUTE_KINDS:
        _original_lines[name] = list(lines)


def _restore_attribute_docstring(app, what, name, obj, options, lines):
    if what not in _ATTRIBUTE_KINDS or name not in _original_lines:
        return
    original = _original_lines.pop(name)
    text = [line for line in original if line.strip()]
    if len(text) == 1 and text[0].startswith(name.rsplit('.', 1)[-1] + ': '):
        original = []
    lines[:] = original


def setup(app):
    app.connect('env-check-consistency', _check_api_coverage)
    # before and after napoleon's handler (priority 500)
    app.connect('autodoc-process-docstring', _keep_attribute_docstring, priority=400)
    app.connect('autodoc-process-docstring', _restore_attribute_docstring, priority=600)
