"""``python -m fastgrad run SCRIPT [ARGS...]``: run an unchanged Chainer
program on fastgrad (the ``chainer`` alias installed first); the script sees
``sys.argv`` and ``__name__ == '__main__'`` as if run directly.
``python -m fastgrad info`` prints the runtime information."""
import os
import runpy
import sys

USAGE = ('usage: fastgrad run SCRIPT [ARGS...]   (or python -m fastgrad run ...)\n'
         '       fastgrad run -m MODULE [ARGS...]\n'
         '       fastgrad info')


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    import fastgrad
    if command == 'info':
        fastgrad.print_runtime_info()
        return 0
    if command != 'run' or not rest:
        print(USAGE, file=sys.stderr)
        return 2
    fastgrad.install_as_chainer()
    if rest[0] == '-m':
        if len(rest) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        sys.argv = rest[1:]
        runpy.run_module(rest[1], run_name='__main__', alter_sys=True)
        return 0
    script = rest[0]
    if not os.path.exists(script):
        print('python -m fastgrad run: no such file: {}'.format(script), file=sys.stderr)
        return 2
    sys.argv = rest
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name='__main__')
    return 0


def console_main():
    """The ``fastgrad`` command."""
    sys.exit(main())


if __name__ == '__main__':
    console_main()
