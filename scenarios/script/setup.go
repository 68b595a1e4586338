package script

import (
	"slices"
	"strings"
	"time"
)

// Parsers of the lines that set the scene: header, cluster, advancer, writer.

// maxElection is etcd's own upper bound on the election timeout.
const maxElection = 50 * time.Second

// maxDataMiB bounds a cluster line's data=: etcd's default backend quota is
// 2 GiB, and every member keeps a copy.
const maxDataMiB = 1024

func (p *parser) scenarioLine(a *args) error {
	if err := a.onlyKeys(); err != nil {
		return err
	}
	if err := a.positional(1, 2); err != nil {
		return err
	}
	name := a.pos[0].text
	if name == "" {
		return a.usageErrorf("empty name")
	}
	p.script.Name = name
	if len(a.pos) == 2 {
		if a.pos[1].kind != tokString {
			return a.usageErrorf("description %s is not quoted", a.ln.quoteTok(a.pos[1]))
		}
		p.script.Description = a.pos[1].text
	}
	return nil
}

func (p *parser) seedLine(a *args) error {
	if err := a.onlyKeys(); err != nil {
		return err
	}
	if err := a.positional(1, 1); err != nil {
		return err
	}
	v, err := a.value(a.pos[0])
	if err != nil {
		return err
	}
	if v.Kind != KindInt {
		return a.usageErrorf("%s is not an integer", a.ln.quoteTok(a.pos[0]))
	}
	p.script.Seed = &v.Int
	return nil
}

func parseCluster(p *parser, a *args) (Action, error) {
	if err := a.positional(0, 0); err != nil {
		return nil, err
	}
	if err := a.onlyKeys("members", "profile", "tick", "election", "disk", "processes", "data"); err != nil {
		return nil, err
	}
	var c ClusterSpec
	if t, ok := a.key("members"); ok {
		v, err := a.value(t)
		if err != nil {
			return nil, err
		}
		if v.Kind != KindInt || v.Int != 1 && v.Int != 3 && v.Int != 5 {
			return nil, a.errorf("%s; expected members=1, members=3 or members=5", a.ln.quoteTok(t))
		}
		c.Members = int(v.Int)
	}
	if t, ok := a.key("profile"); ok {
		if w := t.val.text; t.val.kind != tokWord || w != "fast" && w != "production" {
			return nil, a.errorf("%s; expected profile=fast (tick 10ms, election 100ms) or profile=production (100ms, 1s)", a.ln.quoteTok(t))
		}
		c.Profile = t.val.text
	}
	for _, d := range []struct {
		key   string
		field *time.Duration
	}{{"tick", &c.Tick}, {"election", &c.Election}} {
		key, field := d.key, d.field
		t, ok := a.key(key)
		if !ok {
			continue
		}
		d, err := a.duration(t)
		if err != nil {
			return nil, err
		}
		if d%time.Millisecond != 0 {
			return nil, a.errorf("%s; expected whole milliseconds (etcd counts %s in ms)", a.ln.quoteTok(t), key)
		}
		*field = d
	}
	switch election, _ := a.key("election"); {
	case c.Election > maxElection:
		return nil, a.errorf("%s; expected at most %s (etcd's limit)", a.ln.quoteTok(election), maxElection)
	case c.Tick != 0 && c.Election != 0 && c.Election < 5*c.Tick:
		return nil, a.errorf("election=%s is less than 5 ticks of %s; expected election >= %s (etcd requires 5 ticks)", c.Election, c.Tick, 5*c.Tick)
	}
	if t, ok := a.key("disk"); ok {
		v, err := a.value(t)
		if err != nil {
			return nil, err
		}
		b, ok := v.AsBool()
		if !ok {
			return nil, a.errorf("%s; expected disk=true or disk=false", a.ln.quoteTok(t))
		}
		c.Disk = b
	}
	if t, ok := a.key("processes"); ok {
		v, err := a.value(t)
		if err != nil {
			return nil, err
		}
		b, ok := v.AsBool()
		if !ok {
			return nil, a.errorf("%s; expected processes=true or processes=false", a.ln.quoteTok(t))
		}
		c.Processes = b
	}
	if t, ok := a.key("data"); ok {
		v, err := a.value(t)
		if err != nil {
			return nil, err
		}
		if v.Kind != KindInt || v.Int < 1 || v.Int > maxDataMiB {
			return nil, a.errorf("%s; expected data=N, N MiB of live data from 1 to %d", a.ln.quoteTok(t), maxDataMiB)
		}
		c.DataMiB = int(v.Int)
	}
	return c, nil
}

func parseAdvancer(p *parser, a *args) (Action, error) {
	if err := a.positional(0, 0); err != nil {
		return nil, err
	}
	var adv StartAdvancer
	for _, t := range a.kvs {
		switch t.text {
		case "watch-on":
			target, err := a.target(p, *t.val, true)
			if err != nil {
				return nil, err
			}
			adv.WatchOn = target
		case "scale":
			v, err := a.value(t)
			if err != nil {
				return nil, err
			}
			f, ok := v.AsFloat()
			if !ok || f <= 0 {
				return nil, a.errorf("%s; expected a number above zero, like scale=0.5 or scale=10", a.ln.quoteTok(t))
			}
			adv.Scale = f
		case "endpoints":
			w, err := a.word(t, "endpoint mode")
			if err != nil {
				return nil, err
			}
			switch m := EndpointMode(w); m {
			case EndpointsAll, EndpointsPinned:
				adv.Endpoints = m
			default:
				return nil, a.errorf("endpoints=%s; expected endpoints=all (the advancer's client knows every member) or endpoints=pinned (only the watch-on member)", w)
			}
		default:
			if p.cfg.knobs != nil && !slices.Contains(p.cfg.knobs, t.text) {
				return nil, a.errorf("unknown advancer knob %q%s; known: %s", t.text, didYouMean(t.text, p.cfg.knobs), strings.Join(p.cfg.knobs, ", "))
			}
			v, err := a.value(t)
			if err != nil {
				return nil, err
			}
			adv.Knobs = append(adv.Knobs, Param{Key: t.text, Value: v})
		}
	}
	return adv, nil
}

func parseWriter(p *parser, a *args) (Action, error) {
	if err := a.positional(0, 0); err != nil {
		return nil, err
	}
	if err := a.onlyKeys("every", "via"); err != nil {
		return nil, err
	}
	var w StartWriter
	t, ok := a.key("every")
	if !ok {
		return nil, a.usageErrorf("missing every=")
	}
	d, err := a.duration(t)
	if err != nil {
		return nil, err
	}
	w.Every = d
	if t, ok := a.key("via"); ok {
		if w.Via, err = a.target(p, *t.val, true); err != nil {
			return nil, err
		}
	}
	return w, nil
}
