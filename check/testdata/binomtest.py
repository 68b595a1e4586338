#!/usr/bin/env python3
"""Expected values of check's binomial tests (binomial_test.go), exactly.

The exact two-sided ("minlike") binomial p-value of k successes in n trials
at probability p is the sum of P(X = i) over every i with P(X = i) <= P(X = k):
the p-value of scipy.stats.binomtest(k, n, p) and R's binom.test. Here it is
summed in rational arithmetic (no rounding, ties exact), then printed as a
float64; scipy 1.10 (Debian python3-scipy) agrees to 1.4e-14 relative.

Run: python3 check/testdata/binomtest.py
"""
from fractions import Fraction
from math import comb


def pmf(n, p):
    return [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]


def p_value(k, n, p):
    pm = pmf(n, p)
    return min(Fraction(1), sum(x for x in pm if x <= pm[k]))


def accepted(n, p, alpha):
    ks = [k for k in range(n + 1) if p_value(k, n, p) >= alpha]
    return min(ks), max(ks)


def min_runs(p, alpha):
    n = 1
    while p_value(0, n, p) >= alpha and p_value(n, n, p) >= alpha:
        n += 1
    return n


P_VALUES = [(14, 20, 30), (6, 20, 30), (15, 20, 30), (0, 20, 5), (7, 20, 5), (1, 20, 5),
            (10, 20, 90), (11, 20, 90), (20, 20, 90), (3, 10, 50), (5, 10, 50), (0, 1, 30),
            (1, 1, 30), (0, 100, 5), (12, 100, 5), (100, 200, 55), (130, 200, 55),
            (1000, 2000, 50), (1050, 2000, 50), (900, 2000, 50), (0, 1000, 50)]
ALPHA = Fraction(5, 100000)  # check.RateAlpha

if __name__ == "__main__":
    print("p-values: k n rate% p")
    for k, n, rate in P_VALUES:
        print(k, n, rate, "%.17g" % float(p_value(k, n, Fraction(rate, 100))))
    print("accepted at alpha 5e-5, and the fewest runs that can reject: n rate% lo hi min_runs")
    for rate in (5, 30, 55, 60, 70, 90, 95):
        p = Fraction(rate, 100)
        for n in (1, 10, 20):
            lo, hi = accepted(n, p, ALPHA)
            print(n, rate, lo, hi, min_runs(p, ALPHA))
