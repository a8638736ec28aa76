package reader

import (
	"context"

	"refuge/storage"
)

// Instance is what every visitor and app may read about the instance: its settings, with
// the domain for a name never set, and its rules in order.
type Instance struct {
	storage.Settings
	Rules []storage.Rule
}

// keptInstance is the Instance as read after commit number commits.
type keptInstance struct {
	commits int64
	in      *Instance
}

// Instance reads the instance's public description. Every page shows its name, so it is
// kept until the next commit anywhere (storage.DB.Commits) rather than read each time. The
// answer is shared: callers must not change it.
func (rd *Reader) Instance(ctx context.Context) (*Instance, error) {
	commits := rd.DB.Commits()
	if k := rd.instance.Load(); k != nil && k.commits == commits {
		return k.in, nil
	}
	s, err := rd.DB.GetSettings(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := rd.DB.ListRules(ctx)
	if err != nil {
		return nil, err
	}
	in := &Instance{Settings: *s, Rules: rules}
	if in.Name == "" {
		in.Name = rd.Domain
	}
	rd.instance.Store(&keptInstance{commits: commits, in: in})
	return in, nil
}
