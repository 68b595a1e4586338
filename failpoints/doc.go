// Package failpoints is leaderfault's catalog of named fault points, driven by
// pingcap/failpoint terms (sleep(800), pause, 50%return(true), 3*sleep(100)->off).
//
// Every Registry owns its own pingcap/failpoint set, so clusters running side by
// side in one test binary never see each other's faults. Only names in the
// registry's catalog can be enabled (pingcap/failpoint accepts any name, so a
// typo would silently never fire); terms are validated with a grammar-quoting
// error before anything is armed. Each point keeps proof of firing: armed, first
// hit, last hit, healed, hit count — a fault that never fired is visible.
//
// Points may be evaluated in this process (Eval) or in another one, such as the
// FUSE child that serves a member's disk: a Forwarder receives every change of
// term and the remote side reports hits back with Hit.
//
// It is not a code-rewriting tool: nothing here uses failpoint.Inject markers.
package failpoints
