package external

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The exec line protocol: how leaderfault drives an advancer that runs as a
// separate process (Exec) — code that cannot be imported, such as BR's waiter
// built in a TiDB checkout or a client in another language. docs/exec-protocol.md
// has the same with examples.
//
// The harness starts the command in a process group of its own — directly
// when it is a plain word list (words, '…' and "…" quoting, backslashes,
// leading NAME=value assignments), else with /bin/sh -c — and writes one
// line on its standard input, a JSON object (ExecHello):
//
//	{"endpoints":["http://127.0.0.1:40001",...],"pinned":"http://127.0.0.1:40001",
//	 "key":"/tidb/br-stream/checkpoint/leaderfault/central_global","task":"leaderfault"}
//
// endpoints are the client URLs the advancer may know (the scenario's
// endpoints=all|pinned already applied), pinned is the one its watch should
// start on, key is the checkpoint key (its value is an 8-byte big-endian
// uint64, see DecodeCheckpoint). Standard input then stays open until the run
// ends; its end-of-file means "stop now".
//
// The process writes to standard output one JSON object per line (ExecMessage),
// each with exactly one of:
//
//	{"advance":{"value":N,"revision":R}}  the checkpoint reached N, stored at etcd revision R
//	                                      (R optional, 0 = unknown; N an unsigned 64-bit
//	                                      integer, or a decimal string for JSON libraries
//	                                      that lose precision above 2^53)
//	{"error":"..."}                       its wait failed, or its watch restarted
//	{"note":"..."}                        anything else worth a line in the timeline
//
// Report an advance only when the value is larger than the last one reported:
// the invariants (check.Invariants) hold a plug-in to that. Empty lines are
// ignored; any other line — not JSON, an unknown or missing key, a negative
// or fractional value, longer than 64 KiB — is recorded as an advancer error
// quoting the line. Standard error goes to the run's log: each line to
// Env.Logger, and the first lines as notes in the record.
//
// When the run ends the harness closes standard input, sends SIGTERM to the
// process group, waits up to a grace period (1 s), then sends SIGKILL to the
// group. On Linux the process it started (the client itself, or /bin/sh)
// also gets SIGKILL if the harness itself dies without cleaning up; anything
// else in the group must exit when standard input reaches end-of-file. A process that leaves the group (setsid, a daemon) is
// beyond the harness's reach. If the process exits on its own before the end,
// that is recorded as an advancer error and it is not restarted: restarting
// a client is the plug-in's own business (see cmd/etcdctl-adapter).

// Hello is the one line the harness writes on an exec advancer's
// standard input.
type Hello struct {
	Endpoints []string `json:"endpoints"`
	Pinned    string   `json:"pinned"`
	Key       string   `json:"key"`
	Task      string   `json:"task"`
}

// Message is one line an exec advancer writes on its standard output:
// exactly one of the fields is set.
type Message struct {
	Advance *Advance `json:"advance,omitempty"`
	Error   string   `json:"error,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// Advance is an observed checkpoint: its value and the etcd revision it
// was stored at (the key's ModRevision; 0 if unknown).
type Advance struct {
	Value    uint64 `json:"value"`
	Revision int64  `json:"revision,omitempty"`
}

// MarshalLine renders m as one protocol line, newline included.
func (m Message) MarshalLine() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		// Only strings and integers: cannot fail.
		panic(err)
	}
	return append(b, '\n')
}

// ParseLine parses one line of an exec advancer's output. It is strict:
// a line that is not exactly one of the three messages is an error.
func ParseLine(line []byte) (Message, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil || fields == nil {
		return Message{}, errors.New("not a JSON object")
	}
	var (
		m    Message
		keys []string
	)
	for k, raw := range fields {
		keys = append(keys, k)
		switch k {
		case "advance":
			a, err := parseAdvance(raw)
			if err != nil {
				return Message{}, fmt.Errorf("advance: %w", err)
			}
			m.Advance = &a
		case "error", "note":
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return Message{}, fmt.Errorf("%s: want a string", k)
			}
			if k == "error" {
				if s == "" {
					return Message{}, errors.New("error: empty")
				}
				m.Error = s
			} else {
				m.Note = s
			}
		default:
			return Message{}, fmt.Errorf("unknown key %q (want advance, error or note)", k)
		}
	}
	if len(keys) != 1 {
		return Message{}, fmt.Errorf("want exactly one of advance, error, note; got %d keys", len(keys))
	}
	return m, nil
}

func parseAdvance(raw json.RawMessage) (Advance, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return Advance{}, errors.New("want an object {\"value\":N,\"revision\":R}")
	}
	var a Advance
	v, ok := fields["value"]
	if !ok {
		return Advance{}, errors.New("no value")
	}
	n, err := parseUint(v)
	if err != nil {
		return Advance{}, fmt.Errorf("value %s: %w", v, err)
	}
	a.Value = n
	for k, raw := range fields {
		switch k {
		case "value":
		case "revision":
			r, err := parseUint(raw)
			if err != nil || r > 1<<63-1 {
				return Advance{}, fmt.Errorf("revision %s: want a non-negative integer", raw)
			}
			a.Revision = int64(r)
		default:
			return Advance{}, fmt.Errorf("unknown key %q (want value, revision)", k)
		}
	}
	return a, nil
}

// parseUint reads a JSON integer or a string of decimal digits as a uint64.
func parseUint(raw json.RawMessage) (uint64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		raw = []byte(s)
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, errors.New("want an unsigned 64-bit integer")
	}
	return n, nil
}
