package failpoints

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// StretchTerm returns the term with every sleep's duration multiplied by k,
// in the term's own spelling (milliseconds stay milliseconds, a Go duration
// stays one), and everything else as it was. It is how a scenario run in
// another time base (runner.Options.Stretch) keeps its fault points in
// step with the cluster: sleep(50) at the fast profile is sleep(500) at
// production timing. A sleep in whole milliseconds that k would make
// fractional is an error rather than a rounded duration.
func StretchTerm(text string, k float64) (string, error) {
	if k <= 0 || math.IsInf(k, 0) || math.IsNaN(k) {
		return "", fmt.Errorf("stretch %g: want a positive factor", k)
	}
	t, err := ParseTerm(text)
	if err != nil {
		return "", err
	}
	parts := make([]string, 0, len(t.Chain))
	for _, st := range t.Chain {
		if st.Action == "sleep" {
			switch v := st.Value.(type) {
			case int:
				ms := float64(v) * k
				if ms != math.Trunc(ms) {
					return "", fmt.Errorf("sleep(%d) stretched by %g is %g ms, not whole milliseconds", v, k, ms)
				}
				st.Value = int(ms)
			case string:
				d, _ := time.ParseDuration(v) // ParseTerm checked it
				st.Value = time.Duration(math.Round(float64(d) * k)).String()
			}
		}
		parts = append(parts, st.String())
	}
	return strings.Join(parts, "->"), nil
}

// String renders the sub-term in the term grammar; ParseTerm reads it back.
func (s SubTerm) String() string {
	var b strings.Builder
	if s.Percent != 0 {
		b.WriteString(strconv.FormatFloat(s.Percent, 'f', -1, 64) + "%")
	}
	if s.Count != 0 {
		b.WriteString(strconv.Itoa(s.Count) + "*")
	}
	b.WriteString(s.Action)
	if s.HasValue {
		switch v := s.Value.(type) {
		case string:
			b.WriteString("(" + strconv.Quote(v) + ")")
		default:
			fmt.Fprintf(&b, "(%v)", v)
		}
	}
	return b.String()
}
