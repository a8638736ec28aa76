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

// Instance reads the instance's public description.
func (rd *Reader) Instance(ctx context.Context) (*Instance, error) {
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
	return in, nil
}
