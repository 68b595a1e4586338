package script

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// everyDuration uses every construct of the language that carries a
// duration, once each.
const everyDuration = `scenario every-duration "every construct with a duration"
cluster members=3 profile=fast tick=10ms election=100ms
writer every=20ms
advancer watch-on=leader scale=10 backoff-max=3s
fault peer-delay target=leader delay=50ms jitter=10ms for=2s as=slow
fault client-reset target=follower every=250ms
failpoint leader-transfer '3*sleep(100)->50%sleep("15ms")->return("follower")'
wait 150ms
wait leader-change within 1s
expect advance within 500ms
expect no-stall for 1s from=300ms
known stall for 1s bug=b rate=50% [legacy]
heal slow
repeat 3 every=300ms move-leader to=follower
repeat 2 {
    wait 40ms
    expect leader-change within 200ms
}
failpoint leader-transfer off
`

const everyDurationTimes10 = `scenario every-duration "every construct with a duration"
cluster members=3 profile=fast tick=10ms election=100ms
writer every=200ms
advancer watch-on=leader scale=1 backoff-max=3s
fault peer-delay target=leader delay=500ms jitter=100ms for=20s as=slow
fault client-reset target=follower every=2.5s
failpoint leader-transfer '3*sleep(1000)->50%sleep("150ms")->return("follower")'
wait 1.5s
wait leader-change within 10s
expect advance within 5s
expect no-stall for 10s from=3s
known stall for 10s bug=b rate=50% [legacy]
heal slow
repeat 3 every=3s move-leader to=follower
repeat 2 {
    wait 400ms
    expect leader-change within 2s
}
failpoint leader-transfer off
`

func TestStretchMultipliesEveryDurationOnce(t *testing.T) {
	sc, err := Parse("every.scn", []byte(everyDuration))
	require.NoError(t, err)
	got, err := sc.Stretch(10)
	require.NoError(t, err)
	assert.Equal(t, everyDurationTimes10, got.Format(), "the canonical text of the stretched script")
	// The cluster line is the runner's to stretch (it resolves profiles);
	// knobs are production units.
	assert.Equal(t, sc.Steps[0], got.Steps[0])
	// Step texts quote what runs.
	assert.Equal(t, "expect advance within 5s", got.Steps[8].Text)
	assert.Equal(t, "wait 400ms", got.Steps[13].Action.(Repeat).Steps[0].Text)
	// The original is untouched.
	assert.Equal(t, everyDuration, sc.Format())
}

// TestStretchCoversEveryDurationField walks every step's action by
// reflection: each time.Duration field outside the cluster line must come
// out multiplied by the factor, so a duration added to the language later
// fails here until Stretch handles it (and everyDuration uses it).
func TestStretchCoversEveryDurationField(t *testing.T) {
	sc, err := Parse("every.scn", []byte(everyDuration))
	require.NoError(t, err)
	const k = 7
	got, err := sc.Stretch(k)
	require.NoError(t, err)
	seen := map[string]bool{}
	var walk func(path string, a, b reflect.Value)
	walk = func(path string, a, b reflect.Value) {
		switch {
		case a.Type() == reflect.TypeOf(time.Duration(0)):
			seen[path] = seen[path] || a.Int() != 0
			assert.Equal(t, k*a.Int(), b.Int(), "%s", path)
		case strings.HasSuffix(path, "StartAdvancer.Knobs"):
			// production units, as written
		case a.Type() == reflect.TypeOf(Value{}):
			if a.Interface().(Value).Kind == KindDuration {
				seen[path] = true
				assert.Equal(t, k*a.FieldByName("Duration").Int(), b.FieldByName("Duration").Int(), "%s", path)
			}
		case a.Kind() == reflect.Interface:
			walk(path+"."+a.Elem().Type().Name(), a.Elem(), b.Elem())
		case a.Kind() == reflect.Struct:
			for i := range a.NumField() {
				walk(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		case a.Kind() == reflect.Slice:
			require.Equal(t, a.Len(), b.Len(), path)
			for i := range a.Len() {
				walk(path, a.Index(i), b.Index(i))
			}
		}
	}
	for i, st := range sc.Steps {
		if _, ok := st.Action.(ClusterSpec); ok {
			continue
		}
		walk("Step", reflect.ValueOf(st), reflect.ValueOf(got.Steps[i]))
	}
	var missing []string
	for _, typ := range []reflect.Type{reflect.TypeOf(StartWriter{}), reflect.TypeOf(Inject{}), reflect.TypeOf(Wait{}),
		reflect.TypeOf(Expect{}), reflect.TypeOf(Known{}), reflect.TypeOf(Repeat{})} {
		for i := range typ.NumField() {
			if f := typ.Field(i); f.Type == reflect.TypeOf(time.Duration(0)) && !anySeen(seen, typ.Name()+"."+f.Name) {
				missing = append(missing, typ.Name()+"."+f.Name)
			}
		}
	}
	assert.Empty(t, missing, "duration fields everyDuration never sets to a non-zero value: the test cannot see whether they are stretched")
	assert.True(t, anySeen(seen, "Inject.Params"), "a fault's duration parameter")
	assert.Equal(t, 10.0/k, got.Steps[2].Action.(StartAdvancer).Scale, "the advancer's scale is divided by the factor")
}

func anySeen(seen map[string]bool, part string) bool {
	for p, ok := range seen {
		if ok && strings.Contains(p, part) {
			return true
		}
	}
	return false
}

func TestStretchRejects(t *testing.T) {
	sc, err := Parse("s.scn", []byte("scenario s\nfailpoint leader-transfer 'sleep(3)'\n"))
	require.NoError(t, err)
	_, err = sc.Stretch(0.5)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "s.scn:2:", "a failpoint sleep that would not be whole milliseconds, with its line")
	for _, k := range []float64{0, -1} {
		_, err := sc.Stretch(k)
		assert.Error(t, err, "factor %g", k)
	}
	one, err := sc.Stretch(1)
	require.NoError(t, err)
	assert.Equal(t, sc.Format(), one.Format())
}
