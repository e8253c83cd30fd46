# SPDX-License-Identifier: GPL-2.0-or-later
"""Xen's own client test program, /usr/lib/xen-4.17/bin/test-xenstore.

It always exits 0; every test prints one line, "<name>: failed (ret = N,
stage S)" on failure, timing figures otherwise.  In random mode (-r) only
failures are printed.  It works below the relative path "xenstore-test",
i.e. /local/domain/0/xenstore-test for a socket (dom0) client, and removes
it at the end.
"""

import re

import pytest

from conftest import TEST_XENSTORE, raises_xs, scaled

TIMEOUT = scaled(30)


@pytest.fixture
def tx_suite(xsd):
    if not TEST_XENSTORE:
        pytest.fail("test-xenstore not found (xen-utils-4.17 installed?)")

    def run(*args):
        r = xsd.run([TEST_XENSTORE] + list(args), timeout=TIMEOUT)
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        assert r.returncode == 0, (r.returncode, out, err)
        assert "could not connect" not in err, err
        failed = [l for l in out.splitlines() if "failed" in l]
        assert not failed, "test-xenstore failures:\n" + "\n".join(failed) + \
            "\n--- full output ---\n" + out + err
        return out
    return run


def _names(run):
    out = run("-l")
    names = [l.split(":", 1)[0].rstrip() for l in out.splitlines() if ":" in l]
    assert len(names) >= 12, out
    return names


def _check_all_ran(out, names):
    ran = {l.split(":", 1)[0].rstrip() for l in out.splitlines() if ":" in l}
    assert set(names) <= ran, "tests without a result line: %s\n%s" % (
        set(names) - ran, out)


def _check_cleaned_up(xs):
    with raises_xs("ENOENT"):
        xs.read("/local/domain/0/xenstore-test")


def test_suite_once(tx_suite, xs):
    names = _names(tx_suite)
    out = tx_suite()
    _check_all_ran(out, names)
    for line in out.splitlines():
        assert re.match(r"^.{10}: \d+ ns$", line), line
    _check_cleaned_up(xs)


def test_suite_20_iterations(tx_suite, xs):
    names = _names(tx_suite)
    out = tx_suite("-i", "20")
    _check_all_ran(out, names)
    for line in out.splitlines():
        assert re.match(r"^.{10}: avg: \d+ ns \(\d+ ns \.\. \d+ ns\)$", line), line
    _check_cleaned_up(xs)


def test_suite_random_3s(tx_suite, xs):
    out = tx_suite("-r", "3")
    # random mode prints nothing but failures
    assert out.strip() == "", out
    _check_cleaned_up(xs)


def test_suite_single_test_with_iterations(tx_suite):
    out = tx_suite("-t", "ta err", "-i", "50")
    assert out.startswith("ta err    : avg: "), out
