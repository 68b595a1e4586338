package model

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// designFiles are the files of each design's code; client.go builds every
// design's etcd client.
var designFiles = map[string][]Design{
	"br.go": {DesignBR}, "brwait.go": {DesignBR},
	"robust.go": {DesignRobust},
	"pd.go":     {DesignPD}, "pdhealth.go": {DesignPD},
	"client.go": designs,
}

// knobField is the name of the Config field knob k sets.
func knobField(t *testing.T, k knob) string {
	var c Config
	var p unsafe.Pointer
	switch k.kind {
	case kindDuration:
		p = unsafe.Pointer(k.dur(&c))
	case kindDurations:
		p = unsafe.Pointer(k.durs(&c))
	case kindBool:
		p = unsafe.Pointer(k.flag(&c))
	case kindFloat:
		p = unsafe.Pointer(k.num(&c))
	case kindString:
		p = unsafe.Pointer(k.str(&c))
	}
	v := reflect.ValueOf(&c).Elem()
	for i := range v.NumField() {
		if unsafe.Pointer(v.Field(i).Addr().Pointer()) == p {
			return v.Type().Field(i).Name
		}
	}
	t.Fatalf("knob %s sets no field of Config", k.name)
	return ""
}

// Every knob says which designs read it, and it is true: the designs whose
// files select the knob's Config field are exactly its ReadBy.
func TestKnobsSayWhichDesignsReadThem(t *testing.T) {
	fset := token.NewFileSet()
	read := map[string][]Design{} // field -> designs whose files read it
	for file, ds := range designFiles {
		f, err := parser.ParseFile(fset, filepath.Clean(file), nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				for _, d := range ds {
					if !slices.Contains(read[sel.Sel.Name], d) {
						read[sel.Sel.Name] = append(read[sel.Sel.Name], d)
					}
				}
			}
			return true
		})
	}
	for _, k := range knobs {
		if k.name == "design" {
			continue
		}
		field := knobField(t, k)
		got := read[field]
		slices.Sort(got)
		want := slices.Clone(k.designs())
		slices.Sort(want)
		assert.Equal(t, want, got, "knob %s (Config.%s): the designs that read it", k.name, field)
	}
}

func TestSettingAKnobTheDesignIgnoresIsAnError(t *testing.T) {
	assert.NoError(t, CheckKnobsRead(DesignBR, []string{"backoff-max", "idle-timeout"}))
	err := CheckKnobsRead(DesignBR, []string{"backoff-max", "guard-interval"})
	require.Error(t, err)
	assert.Equal(t, "advancer knob guard-interval is not read by design br (only by robust): setting it changes nothing", err.Error())
	assert.ErrorContains(t, CheckKnobsRead(DesignRobust, []string{"request-timeouts"}), "only by br, pd")
	assert.True(t, strings.HasPrefix(CheckKnobsRead(DesignPD, []string{"nope"}).Error(), `unknown advancer knob "nope"`))
}
