package model

import (
	"fmt"

	"github.com/leaderfault/leaderfault/advancer"
)

// New returns the advancer a Config describes. Config errors surface from Run.
func New(cfg Config) advancer.Advancer {
	switch cfg.Design {
	case DesignRobust:
		return &robustAdvancer{cfg: cfg}
	case DesignPD:
		return &pdAdvancer{cfg: cfg}
	}
	return &brAdvancer{cfg: cfg}
}

// prepare checks the config and the Env and registers the fault points: what
// every advancer's Run does first.
func (c Config) prepare(env *advancer.Env) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := env.Validate(); err != nil {
		return fmt.Errorf("advancer %s: %w", c.Name, err)
	}
	if err := RegisterPoints(env.Failpoints); err != nil {
		return fmt.Errorf("advancer %s: %w", c.Name, err)
	}
	return nil
}
