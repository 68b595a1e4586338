package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/leaderfault/leaderfault/failpoints"
	"github.com/leaderfault/leaderfault/harness/release"
	"github.com/leaderfault/leaderfault/record"
)

// Profile is the raft timing of a cluster.
type Profile struct {
	Name     string
	Tick     time.Duration // heartbeat interval
	Election time.Duration // election timeout; at least 5 ticks
}

var (
	// ProfileFast is etcd's integration-test timing: tick 10 ms, election 100 ms.
	ProfileFast = Profile{Name: "fast", Tick: 10 * time.Millisecond, Election: 100 * time.Millisecond}
	// ProfileProduction is etcd's default timing: tick 100 ms, election 1 s.
	ProfileProduction = Profile{Name: "production", Tick: 100 * time.Millisecond, Election: time.Second}
)

// ProfileByName returns a named profile ("fast" or "production").
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "fast", "":
		return ProfileFast, nil
	case "production":
		return ProfileProduction, nil
	}
	return Profile{}, fmt.Errorf("unknown timing profile %q; known: fast, production", name)
}

// Validate checks the etcd constraints on a profile.
func (p Profile) Validate() error {
	if p.Tick <= 0 || p.Election <= 0 {
		return fmt.Errorf("profile %q: tick and election must be positive (tick=%v election=%v)", p.Name, p.Tick, p.Election)
	}
	if p.Tick%time.Millisecond != 0 || p.Election%time.Millisecond != 0 {
		return fmt.Errorf("profile %q: tick and election must be whole milliseconds", p.Name)
	}
	if p.Election < 5*p.Tick {
		return fmt.Errorf("profile %q: election %v must be at least 5 ticks (tick %v)", p.Name, p.Election, p.Tick)
	}
	return nil
}

// Options configures a Cluster. The zero value is a 3-member fast cluster.
type Options struct {
	Members int     // 1, 3 or 5; 0 means 3
	Profile Profile // zero means ProfileFast
	// Disk puts every member's data dir on a FUSE loopback mount served by a
	// child process, enabling disk faults. Start fails with the reason when
	// FUSE cannot be mounted here (see DiskAvailable).
	Disk bool
	// Release runs every member as a child process of that etcd release
	// ("3.6.16"; 3.5.0 or later), its own etcdmain built from the module
	// proxy on first use (package release; a cold build takes a minute or
	// two, so call PrepareRelease with a long enough context first). Empty
	// runs the members in this process, on the etcd this binary links
	// (EtcdVersion). Members as processes can be paused (Pause) and can hang
	// on page faults (DiskStall.PageFaults); they have no etcd internals to
	// reach, so Member.Server is nil.
	Release string
	// Seed drives every random choice of the harness (jitter, follower
	// choice, leader-transfer targets). 0 means 1.
	Seed int64
	// Recorder receives every event; nil means a new one.
	Recorder *record.Recorder
	// Failpoints is the fault-point registry; nil means a new one on Recorder.
	Failpoints *failpoints.Registry
	// Logf receives etcd's warnings and errors when the cluster closes after a
	// failure (StartT wires it to the test log); nil discards them.
	Logf func(format string, args ...any)
}

func (o Options) withDefaults() (Options, error) {
	if o.Members == 0 {
		o.Members = 3
	}
	switch o.Members {
	case 1, 3, 5:
	default:
		return o, fmt.Errorf("cluster size %d: want 1, 3 or 5 members", o.Members)
	}
	if o.Profile == (Profile{}) {
		o.Profile = ProfileFast
	}
	if o.Profile.Name == "" {
		o.Profile.Name = "custom"
	}
	if err := o.Profile.Validate(); err != nil {
		return o, err
	}
	if o.Release != "" {
		v, err := release.Parse(o.Release)
		if err != nil {
			return o, err
		}
		o.Release = v
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Recorder == nil {
		if o.Failpoints != nil {
			o.Recorder = o.Failpoints.Recorder()
		} else {
			o.Recorder = record.New()
		}
	}
	if o.Failpoints == nil {
		o.Failpoints = failpoints.New(o.Recorder)
	}
	return o, nil
}

// PrepareRelease makes sure the etcd release's binary is built (see
// Options.Release) and returns its path: the build can take minutes, more
// than a cluster start should wait.
func PrepareRelease(ctx context.Context, version string) (string, error) {
	return release.Binary(ctx, version)
}
