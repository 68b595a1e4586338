// Package model holds leaderfault's models of the advancers whose recovery
// it judges, each an advancer.Advancer made by New from a Config:
//
//   - DesignBR: TiDB BR's WaitGlobalCheckpointAdvance in the CRR service
//     loop; the presets "legacy" (before PR #69047) and "pr69047" (exactly
//     that PR) are its knob settings (brwait.go, br.go);
//   - DesignPD: tikv/pd's own etcd watch machinery, a LoopWatcher on one
//     client that a health checker re-points (pd.go, pdhealth.go), preset
//     "pd";
//   - DesignRobust: leaderfault's own design, a watch with a quorum-read
//     guard that replaces a stale watch (robust.go), preset "robust".
//
// Config holds every knob that matters for recovery (client, gRPC backoff
// and keepalive, watch options, timeouts). Each knob says which designs
// read it (Knobs, CheckKnobsRead); knobs are settable by name (Config.Set)
// and scalable (Config.Scale) so production constants run at the fast etcd
// profile. Fault points (Points, RegisterPoints) let scenarios skip progress
// requests, drop watch responses and fail reads.
package model
