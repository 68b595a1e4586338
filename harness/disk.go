package harness

import (
	"context"
	"errors"
)

var diskSites = []string{"write", "fsync"}

func diskPointName(member, site string) string { return member + "/disk-" + site }

func (c *Cluster) mountDisks(ctx context.Context) error {
	return errors.New("disk faults: not wired yet")
}

func (c *Cluster) unmountDisks() error { return nil }
