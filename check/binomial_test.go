package check

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values are exact (rational arithmetic), printed by
// testdata/binomtest.py; scipy.stats.binomtest agrees with them.
func TestBinomialTest(t *testing.T) {
	cases := []struct {
		k, n, rate int
		want       float64
	}{
		{14, 20, 30, 0.00026104700705946731},
		{6, 20, 30, 1},
		{15, 20, 30, 4.2940021953591721e-05},
		{0, 20, 5, 0.62264639746469241},
		{7, 20, 5, 3.3946165301433772e-05},
		{1, 20, 5, 1},
		{10, 20, 90, 7.1509040210837797e-06},
		{11, 20, 90, 5.985853174036018e-05},
		{20, 20, 90, 0.25452997802490435},
		{3, 10, 50, 0.34375}, // symmetric: the tie at 7 counts
		{5, 10, 50, 1},
		{0, 1, 30, 1},
		{1, 1, 30, 0.29999999999999999},
		{0, 100, 5, 0.010194711686699939},
		{12, 100, 5, 0.0042741824663659134},
		{100, 200, 55, 0.15601026004378385},
		{130, 200, 55, 0.004423132212941462},
		// Binomial coefficients past float64's range, powers below it.
		{1000, 2000, 50, 1},
		{1050, 2000, 50, 0.026824146240280695},
		{900, 2000, 50, 8.4570895355039267e-06},
		{0, 1000, 50, 1.8665272370064378e-301},
	}
	for _, c := range cases {
		got, err := BinomialTest(c.k, c.n, float64(c.rate)/100)
		require.NoError(t, err)
		assert.InEpsilon(t, c.want, got, 1e-9, "k=%d n=%d p=%d%%", c.k, c.n, c.rate)
	}
}

func TestBinomialTestEdges(t *testing.T) {
	p, err := BinomialTest(0, 5, 0)
	require.NoError(t, err)
	assert.Equal(t, 1.0, p, "the only possible outcome")
	p, err = BinomialTest(1, 5, 0)
	require.NoError(t, err)
	assert.Equal(t, 0.0, p, "an impossible outcome")
	p, err = BinomialTest(5, 5, 1)
	require.NoError(t, err)
	assert.Equal(t, 1.0, p)
	p, err = BinomialTest(0, 0, 0.3)
	require.NoError(t, err)
	assert.Equal(t, 1.0, p, "no trials: nothing to reject")

	for _, bad := range []struct {
		k, n int
		p    float64
	}{{-1, 5, 0.5}, {6, 5, 0.5}, {0, -1, 0.5}, {1, 5, -0.1}, {1, 5, 1.1}, {1, 5, math.NaN()}} {
		_, err := BinomialTest(bad.k, bad.n, bad.p)
		assert.Error(t, err, "k=%d n=%d p=%g", bad.k, bad.n, bad.p)
	}
}

// The p-value falls away from the mode on both sides: what accepted's
// scan, and the contiguous range it returns, rely on.
func TestBinomialPValueFallsAwayFromTheMode(t *testing.T) {
	for _, rate := range []int{1, 5, 30, 50, 55, 90, 99} {
		for _, n := range []int{1, 7, 20, 101} {
			b, err := newBinomial(n, float64(rate)/100)
			require.NoError(t, err)
			mode := 0
			for k := range b.logPMF {
				if b.logPMF[k] > b.logPMF[mode] {
					mode = k
				}
			}
			for k := mode; k > 0; k-- {
				assert.LessOrEqual(t, b.pValue(k-1), b.pValue(k), "rate=%d%% n=%d k=%d", rate, n, k)
			}
			for k := mode; k < n; k++ {
				assert.LessOrEqual(t, b.pValue(k+1), b.pValue(k), "rate=%d%% n=%d k=%d", rate, n, k)
			}
			assert.InDelta(t, 1.0, b.pValue(mode), 1e-12)
		}
	}
}
