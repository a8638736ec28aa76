package httpx

import "testing"

func TestAllows(t *testing.T) {
	for _, c := range []struct {
		granted, required string
		want              bool
	}{
		{"", "write:statuses", true}, // sessions and `refuge token` tokens
		{"", "push", true},
		{"read", "", true}, // any valid token
		{"read", "read", true},
		{"read", "read:statuses", true},
		{"read", "write:statuses", false},
		{"read", "write", false},
		{"read:statuses", "read", false}, // a granular scope does not cover its top one
		{"read:statuses", "read:accounts", false},
		{"write", "write:media", true},
		{"write", "read:statuses", false},
		{"write:media", "write:statuses", false},
		{"read write", "write:statuses", true},
		{"read write", "push", false},
		{"follow", "read:follows", true},
		{"follow", "write:blocks", true},
		{"follow", "write:mutes", true},
		{"follow", "write:statuses", false},
		{"follow", "read:statuses", false},
		{"profile", "profile", true},
		{"profile", "read:accounts", false},
		{"read", "profile", true},
		{"read:accounts", "profile", true},
		{"read:statuses", "profile", false},
		{"write", "profile", false},
		{"push", "push", true},
		{"push", "read", false},
		{"readx", "readx:statuses", false}, // no prefix games
		{"read", "reading", false},
		{"  read  ", "read:search", true},
		{"admin:read", "admin:read:accounts", true},
		{"admin:write", "admin:write:accounts", true},
		{"admin:read:accounts", "admin:read:accounts", true},
		{"admin:read", "admin:write:accounts", false},
		{"read", "admin:read:accounts", false}, // read covers no admin scope
		{"write", "admin:write:accounts", false},
		{"read write follow", "admin:read", false},
		{"admin:read:accounts", "admin:read", false},
	} {
		if got := Allows(c.granted, c.required); got != c.want {
			t.Errorf("Allows(%q, %q) = %v, want %v", c.granted, c.required, got, c.want)
		}
	}
}

func TestParseScopes(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"", "read", true},
		{"read write follow", "read write follow", true},
		{"read+write", "read write", true},
		{"read read:statuses read", "read read:statuses", true},
		{"read admin:everything", "", false},
		{"write:statuses\nread", "write:statuses read", true},
	} {
		got, err := ParseScopes(c.in, "read")
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseScopes(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}
