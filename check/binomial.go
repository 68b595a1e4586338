package check

import (
	"fmt"
	"math"
)

// tieTolerance is the relative slack under which two outcomes count as
// equally likely in the two-sided binomial test: R's binom.test and scipy's
// binomtest use the same 1+1e-7, so that outcomes that tie exactly (p = 1/2,
// symmetric tails) are not split by rounding.
const tieTolerance = 1e-7

// binomial is the distribution of the number of successes in n independent
// trials that each succeed with probability p, held as log probabilities:
// the probabilities of the far tails are below float64's range long before
// their logarithms are.
type binomial struct {
	n      int
	p      float64
	logPMF []float64 // logPMF[k] = log P(X = k); -Inf where P(X = k) = 0
}

func newBinomial(n int, p float64) (binomial, error) {
	if n < 0 {
		return binomial{}, fmt.Errorf("binomial: %d trials; want 0 or more", n)
	}
	if !(p >= 0 && p <= 1) {
		return binomial{}, fmt.Errorf("binomial: probability %g; want one from 0 to 1", p)
	}
	b := binomial{n: n, p: p, logPMF: make([]float64, n+1)}
	logN, _ := math.Lgamma(float64(n + 1))
	for k := range b.logPMF {
		switch {
		case p == 0 && k > 0, p == 1 && k < n:
			b.logPMF[k] = math.Inf(-1)
		case p == 0 || p == 1:
			b.logPMF[k] = 0
		default:
			lk, _ := math.Lgamma(float64(k + 1))
			lnk, _ := math.Lgamma(float64(n - k + 1))
			b.logPMF[k] = logN - lk - lnk + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p)
		}
	}
	return b, nil
}

// pValue is the exact two-sided p-value of k successes: the probability of
// every outcome no more likely than k (the "minlike" p-value of R's
// binom.test and scipy.stats.binomtest). The sum is taken relative to
// P(X = k), each term at most 1+tieTolerance, so that neither tiny terms
// nor a tiny result underflow before the end.
func (b binomial) pValue(k int) float64 {
	ref := b.logPMF[k]
	if math.IsInf(ref, -1) {
		return 0
	}
	bound := ref + math.Log1p(tieTolerance)
	var sum float64
	for _, l := range b.logPMF {
		if l <= bound {
			sum += math.Exp(l - ref)
		}
	}
	return math.Min(1, math.Exp(ref+math.Log(sum)))
}

// accepted is the range of success counts whose p-value is at least alpha:
// the counts a test at significance alpha accepts. The p-value falls
// monotonically away from the mode, so the range is contiguous.
func (b binomial) accepted(alpha float64) (lo, hi int) {
	lo, hi = 0, b.n
	for lo < b.n && b.pValue(lo) < alpha {
		lo++
	}
	for hi > lo && b.pValue(hi) < alpha {
		hi--
	}
	return lo, hi
}

// BinomialTest is the exact two-sided binomial test: the p-value of k
// successes in n independent trials that each succeed with probability p,
// the probability of every outcome no more likely than k. It is the
// p-value of scipy.stats.binomtest(k, n, p) and of R's binom.test.
func BinomialTest(k, n int, p float64) (float64, error) {
	b, err := newBinomial(n, p)
	if err != nil {
		return 0, err
	}
	if k < 0 || k > n {
		return 0, fmt.Errorf("binomial: %d successes in %d trials; want 0 to %d", k, n, n)
	}
	return b.pValue(k), nil
}
