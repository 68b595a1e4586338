package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestJudge(t *testing.T) {
	req := func(line, ref int, held bool) Judgement {
		return Judgement{Line: line, Text: "expect", Ref: ref, Held: held, Figure: "1s"}
	}
	known := func(line, ref int, held bool, rate int) Judgement {
		return Judgement{Line: line, Text: "known", Ref: ref, Known: true, Bug: "bug#1", Rate: rate, Held: held, Figure: "1s"}
	}
	cluster := Judgement{Line: 3, Text: "expect leader-change", Ref: 2, Cluster: true, Held: false}
	cases := []struct {
		name      string
		js        []Judgement
		failures  []string
		want      Verdict
		sometimes bool
	}{
		{"every requirement met", []Judgement{req(3, 2, true), req(5, 4, true)}, nil, Pass, false},
		{"a requirement missed", []Judgement{req(3, 2, false), req(5, 4, true)}, nil, Fail, false},
		{"an invariant broken", []Judgement{req(3, 2, true)}, []string{"invariant: backwards"}, Fail, false},
		{"missed as known", []Judgement{req(3, 2, false), known(4, 2, true, 0), req(7, 6, true)}, nil, KnownBug, false},
		{"missed, but not as known", []Judgement{req(3, 2, false), known(4, 2, false, 0)}, nil, Fail, false},
		{"known line of another phase excuses nothing", []Judgement{req(3, 2, false), known(8, 6, true, 0), req(7, 6, false)}, nil, Fail, false},
		{"a cluster requirement is never excused", []Judgement{cluster, req(4, 2, false), known(5, 2, true, 0)}, nil, Fail, false},
		{"met what it is known to miss", []Judgement{req(3, 2, true), known(4, 2, true, 0)}, nil, NotReproduced, false},
		{"a sometimes line not shown, alone", []Judgement{req(3, 2, true), known(4, 2, false, 30)}, nil, NotReproduced, true},
		{"a sometimes line not shown does not hide a reproduced bug",
			[]Judgement{req(3, 2, false), known(4, 2, true, 0), req(7, 6, true), known(8, 6, false, 10)}, nil, KnownBug, false},
		{"an always line not shown wins over a reproduced one",
			[]Judgement{req(3, 2, false), known(4, 2, true, 0), req(7, 6, true), known(8, 6, true, 0)}, nil, NotReproduced, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Judge(c.js, c.failures)
			assert.Equal(t, c.want, o.Verdict, o.Why)
			assert.Equal(t, c.sometimes, o.Sometimes)
		})
	}
}

// One run neither passes nor fails a known line with a rate: it observes
// it, shown or not, and the count over repeats is judged (JudgeRate).
// Missing the line's own bound still fails the run, as for any known line.
func TestJudgeObservesRateLines(t *testing.T) {
	req := func(held bool) Judgement {
		return Judgement{Line: 15, Text: "expect advance within 500ms", Ref: 14, Held: held, Figure: "900ms"}
	}
	rate := func(held bool) Judgement {
		return Judgement{Line: 16, Text: "known advance within 1.5s", Ref: 14, Known: true, Bug: "pingcap/tidb#58574", Rate: 30, Held: held, Figure: "900ms"}
	}
	heal := Judgement{Line: 19, Text: "expect advance within 1s", Ref: 18, Held: true, Figure: "80ms"}
	cases := []struct {
		name    string
		js      []Judgement
		verdict Verdict
		shown   []bool // the observations of line 16; nil: none
	}{
		{"shown: missed within the bound", []Judgement{req(false), rate(true), heal}, KnownBug, []bool{true}},
		{"not shown: met", []Judgement{req(true), rate(true), heal}, NotReproduced, []bool{false}},
		{"missed beyond the bound", []Judgement{req(false), rate(false), heal}, Fail, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Judge(c.js, nil)
			assert.Equal(t, c.verdict, o.Verdict, o.Why)
			assert.NotEqual(t, Pass, o.Verdict)
			var shown []bool
			for _, r := range o.Rates {
				assert.Equal(t, 16, r.Line)
				assert.Equal(t, 30, r.Rate)
				shown = append(shown, r.Shown)
			}
			assert.Equal(t, c.shown, shown)
			if c.verdict == NotReproduced {
				assert.True(t, o.Sometimes, "a rate line not shown is expected now and then")
			}
		})
	}
}

// An every-run known line is judged as before, and observed by no rate.
func TestJudgeEveryRunLinesHaveNoRate(t *testing.T) {
	o := Judge([]Judgement{
		{Line: 3, Ref: 2, Held: true},
		{Line: 4, Ref: 2, Known: true, Bug: "b", Held: true},
	}, nil)
	assert.Equal(t, NotReproduced, o.Verdict)
	assert.False(t, o.Sometimes)
	assert.Empty(t, o.Rates)
}
