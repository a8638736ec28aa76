package outbox

import (
	"errors"
	"testing"

	"refuge/storage"
)

// TestParseRegistrations: the four modes in any case, "" as closed, anything else refused.
func TestParseRegistrations(t *testing.T) {
	for in, want := range map[string]Registrations{"": RegistrationsClosed, "closed": RegistrationsClosed, "Open": RegistrationsOpen,
		" approval ": RegistrationsApproval, "INVITE": RegistrationsInvite} {
		if got, err := ParseRegistrations(in); err != nil || got != want {
			t.Errorf("ParseRegistrations(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"none", "everyone", "open,approval"} {
		if _, err := ParseRegistrations(in); err == nil {
			t.Errorf("ParseRegistrations(%q): no error", in)
		}
	}
}

// TestSignUpProblems: every problem of a sign-up at once, with Mastodon's codes, found by
// errors.As through the Invalid error; the command line's rules are the same.
func TestSignUpProblems(t *testing.T) {
	r := newRig(t)
	r.s.Registrations = RegistrationsOpen
	if _, err := r.s.CreateAccount(r.ctx, "alice", "long enough", false); err != nil {
		t.Fatal(err)
	}
	again := "something else"
	_, err := r.s.SignUp(r.ctx, SignUpInput{Username: "Alice", Email: "no", Password: "short", PasswordConfirmation: &again,
		Reason: string(make([]rune, 421))})
	var p Problems
	if storage.KindOf(err) != storage.Invalid || !errors.As(err, &p) {
		t.Fatalf("SignUp: %v", err)
	}
	want := []Problem{{"username", "ERR_TAKEN", "is taken"}, {"password", "ERR_TOO_SHORT", "is too short (at least 8 characters)"},
		{"email", "ERR_INVALID", "is not an e-mail address"}, {"password_confirmation", "ERR_INVALID", "doesn't match the password"},
		{"agreement", "ERR_ACCEPTED", "must be accepted"}, {"reason", "ERR_TOO_LONG", "is too long (at most 420 characters)"}}
	if len(p) != len(want) {
		t.Fatalf("problems %v, want %v", p, want)
	}
	for i := range want {
		if p[i] != want[i] {
			t.Errorf("problem %d: %v, want %v", i, p[i], want[i])
		}
	}
	if msg := storage.Message(err); msg != "Validation failed: Username is taken, Password is too short (at least 8 characters), "+
		"Email is not an e-mail address, Password confirmation doesn't match the password, Agreement must be accepted, "+
		"Reason is too long (at most 420 characters)" {
		t.Errorf("message %q", msg)
	}
	if _, err := r.s.CreateAccount(r.ctx, "", "", false); storage.Message(err) != "Validation failed: Username can't be blank, Password can't be blank" {
		t.Errorf("CreateAccount with nothing: %v", err)
	}
}
