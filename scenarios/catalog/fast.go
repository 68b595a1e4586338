package catalog

// fastDiffers says, per "scenario/preset", where a run at the fast profile
// (election 100ms, every duration ÷10) reaches another verdict or another
// mechanism than the same run in production time, and why. The constants
// that do not scale are etcd's request timeout (5s + 2 election timeouts:
// 7 elections in production, 52 at the fast profile) and gRPC's keepalive
// floor (10s), which the presets keep; and budgets that were re-derived in
// production time rather than stretched.
var fastDiffers = map[string]string{
	"leader-disk-stall/legacy":      "stuck until the heal at the fast profile; in production a loop read on the stalled member times out after etcd's 7s request timeout and BR's retry lands elsewhere (~8.5s)",
	"leader-disk-stall/pr69047":     "stuck until the heal at the fast profile; in production a loop read on the stalled member times out after etcd's 7s request timeout and BR's retry lands elsewhere (~8.5s)",
	"leader-isolated/legacy":        "stuck until the heal at the fast profile; out at ~8s in production (etcd's 7s request timeout ends a loop read on the isolated member)",
	"leader-isolated/pr69047":       "out via require-leader now and then at the fast profile; in production a loop read on the isolated member holds it until etcd's 7s request timeout in every run",
	"leader-mute/legacy":            "stuck until the heal at the fast profile; out at ~8.5s in production (etcd's 7s request timeout)",
	"leader-mute/pr69047":           "stuck until the heal at the fast profile; out at ~8.5s in production (etcd's 7s request timeout), or at the heal",
	"leader-deaf/legacy":            "stuck until the heal at the fast profile; out at ~7-10s in production (etcd's 7s request timeout)",
	"leader-deaf/pr69047":           "out via require-leader now and then at the fast profile; in production a loop read holds it until etcd's 7s request timeout",
	"leader-deaf/pd":                "misses 5 election timeouts in 90% of fast runs; in production its ~4.8s (3 leaderless checks, a 1s pause) mostly meets the 6s budget derived for a deaf leader",
	"client-link-blackhole/legacy":  "stuck until the heal at the fast profile (keepalive's 10s floor is 100 elections there); in production keepalive (10s + 3s) closes the link at ~13s, inside the 15s fault",
	"leader-graceful-stop/legacy":   "now and then at the fast profile (robust and pd in one catalog of 2026-12-05, under load) the advancer's watch stream on the stopping leader stays open, and a graceful stop (embed.Etcd.Close) waits up to etcd's request timeout (5s + 2 election timeouts) for open streams before the leader hands over: a new leader after 5.2s, a FAIL; in production the hand-over came within ~0.2s in every run measured",
	"leader-graceful-stop/pr69047":  "now and then at the fast profile (robust and pd in one catalog of 2026-12-05, under load) the advancer's watch stream on the stopping leader stays open, and a graceful stop (embed.Etcd.Close) waits up to etcd's request timeout (5s + 2 election timeouts) for open streams before the leader hands over: a new leader after 5.2s, a FAIL; in production the hand-over came within ~0.2s in every run measured",
	"leader-graceful-stop/robust":   "now and then at the fast profile (robust and pd in one catalog of 2026-12-05, under load) the advancer's watch stream on the stopping leader stays open, and a graceful stop (embed.Etcd.Close) waits up to etcd's request timeout (5s + 2 election timeouts) for open streams before the leader hands over: a new leader after 5.2s, a FAIL; in production the hand-over came within ~0.2s in every run measured",
	"leader-graceful-stop/pd":       "now and then at the fast profile (robust and pd in one catalog of 2026-12-05, under load) the advancer's watch stream on the stopping leader stays open, and a graceful stop (embed.Etcd.Close) waits up to etcd's request timeout (5s + 2 election timeouts) for open streams before the leader hands over: a new leader after 5.2s, a FAIL; in production the hand-over came within ~0.2s in every run measured",
	"client-link-blackhole/pr69047": "stuck until the heal at the fast profile (keepalive's 10s floor is 100 elections there); in production keepalive (10s + 3s) closes the link at ~13s, inside the 15s fault",
}

// FastDiffers says how the fast profile's verdict for a built-in scenario
// and preset differs from production time's, and why; ok is false where
// they agree (as far as measured).
func FastDiffers(scenario, preset string) (why string, ok bool) {
	why, ok = fastDiffers[scenario+"/"+preset]
	return why, ok
}
