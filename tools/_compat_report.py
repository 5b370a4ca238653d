"""What tools/chainer_compat.py and tools/chainermn_compat.py share: the
conftest.py that installs the ``chainer`` alias in the scratch folder, the
reading of a pytest JUnit XML report into pass counts, and the Markdown table
of those counts (one row per directory, then the total)."""
import os
import xml.etree.ElementTree as ET

CONFTEST = '''\
import fastgrad
fastgrad.install_as_chainer()
'''
KEYS = ('passed', 'failed', 'errors', 'skipped')


def count_junit(xml_path):
    """Return ``(counts, failing)`` for a JUnit XML report: counts maps KEYS
    to numbers and failing lists the failed or erroring tests as
    ``classname::name``; counts is None where the report is missing or cut
    short (a run killed at its time limit)."""
    counts = dict.fromkeys(KEYS, 0)
    failing = []
    if not os.path.exists(xml_path):
        return None, failing
    try:
        suite = ET.parse(xml_path).getroot()
    except ET.ParseError:
        return None, failing
    for case in suite.iter('testcase'):
        tags = {child.tag for child in case}
        name = '{}::{}'.format(case.get('classname', ''), case.get('name', ''))
        if 'failure' in tags:
            counts['failed'] += 1
            failing.append(name)
        elif 'error' in tags:
            counts['errors'] += 1
            failing.append(name)
        elif 'skipped' in tags:
            counts['skipped'] += 1
        else:
            counts['passed'] += 1
    for s in suite.iter('testsuite'):
        # collection errors (a module that fails to import) count once each
        counts['errors'] = max(counts['errors'], int(s.get('errors', 0)))
    return counts, failing


def table(rows, first='directory', note_column=False):
    """The Markdown lines of a counts table.

    ``rows`` holds ``(unit, counts, seconds, note)``.  With ``note_column``
    the note has a column of its own; else a non-empty note follows the
    seconds in parentheses.  The last line is the total."""
    total = dict.fromkeys(KEYS, 0)
    head = '| {} | passed | failed | errors | skipped | seconds |'.format(first)
    rule = '|---|---:|---:|---:|---:|---:|'
    lines = [head + ' note |', rule + '---|'] if note_column else [head, rule]
    for unit, c, secs, note in rows:
        for k in KEYS:
            total[k] += c[k]
        if note_column:
            lines.append('| {} | {passed} | {failed} | {errors} | {skipped} | {:.0f} | {} |'
                         .format(unit, secs, note, **c))
        else:
            lines.append('| {} | {passed} | {failed} | {errors} | {skipped} | {:.0f}{} |'
                         .format(unit, secs, ' ({})'.format(note) if note else '', **c))
    lines.append('| **total** | **{passed}** | **{failed}** | **{errors}** | **{skipped}** '
                 '|{}'.format(' | |' if note_column else ' |', **total))
    return lines


def write_report(report, out):
    """Print the report and, when ``out`` is a path, write it there."""
    print(report)
    if out:
        with open(out, 'w') as f:
            f.write(report)
