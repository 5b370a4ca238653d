"""Summarise a pytest JUnit XML file from a GPU run: totals, then the failures
grouped by test file and first error line, so that a few hundred failures fit
in one screen.

    python tools/gpu_summary.py gpu_tests.xml [--top 60]
"""
import argparse
import collections
import xml.etree.ElementTree as ET


def _first_line(text):
    for line in (text or '').splitlines():
        line = line.strip()
        if line.startswith('E ') or 'Error' in line or 'error' in line:
            return line.lstrip('E ').strip()[:200]
    return (text or '').strip().splitlines()[0][:200] if text and text.strip() else ''


def summarise(path, top=60):
    root = ET.parse(path).getroot()
    counts = collections.Counter()
    groups = collections.defaultdict(list)
    for case in root.iter('testcase'):
        bad = case.find('failure')
        if bad is None:
            bad = case.find('error')
        if bad is not None:
            counts['failed' if bad.tag == 'failure' else 'error'] += 1
            where = case.get('classname', '').replace('.', '/')
            message = bad.get('message') or ''
            key = (where.split('/Test')[0], _first_line(message) or _first_line(bad.text))
            groups[key].append(case.get('name'))
        elif case.find('skipped') is not None:
            counts['skipped'] += 1
        else:
            counts['passed'] += 1
    print('gpu tests: {}'.format(', '.join('{} {}'.format(v, k)
                                            for k, v in sorted(counts.items()))))
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))
    for (where, message), names in ranked[:top]:
        print('{:4d}  {}  {}\n      e.g. {}'.format(len(names), where, message, names[0]))
    if len(ranked) > top:
        print('... {} more groups'.format(len(ranked) - top))


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('xml')
    p.add_argument('--top', type=int, default=60)
    a = p.parse_args()
    summarise(a.xml, a.top)
