package disk

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageRoundTrip(t *testing.T) {
	for _, m := range []message{
		{verb: "enable", site: SiteFsync, text: `sleep("2s")`},
		{verb: "enable", site: SiteWrite, text: "print(\"two\nlines -> \\\" quoted\")"},
		{verb: "disable", site: SiteRead},
		{verb: "ready"},
		{verb: "ok"},
		{verb: "err", text: "bad failpoint term\nterm grammar ..."},
		{verb: "fail", text: "mount: permission denied"},
		{verb: "hit", site: SiteOpen, count: 12345},
	} {
		line := m.String()
		assert.NotContains(t, line, "\n", "one message per line")
		got, err := parseMessage(line)
		require.NoError(t, err, line)
		assert.Equal(t, m, got)
	}
}

func TestParseMessageRejectsGarbage(t *testing.T) {
	for _, line := range []string{"", "hello", "enable nowhere \"pause\"", "enable write pause", "hit write many", "ok extra"} {
		_, err := parseMessage(line)
		assert.Error(t, err, "%q", line)
	}
}

func TestWithoutTrailingOff(t *testing.T) {
	assert.Equal(t, "3*sleep(100)", withoutTrailingOff("3*sleep(100)->off"))
	assert.Equal(t, "pause", withoutTrailingOff("pause->off->off"))
	assert.Equal(t, "off", withoutTrailingOff("off"))
	assert.Equal(t, "2*off->sleep(1)", withoutTrailingOff("2*off->sleep(1)"))
}

func TestUnescapeMountinfo(t *testing.T) {
	assert.Equal(t, "/tmp/a b\tc", unescapeMountinfo(`/tmp/a\040b\011c`))
	assert.Equal(t, `/tmp/x\`, unescapeMountinfo(`/tmp/x\`))
	assert.Equal(t, "/plain", unescapeMountinfo("/plain"))
}
