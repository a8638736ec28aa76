package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/outbox/mail"
)

// TestParse: the URLs --smtp-url takes, their default ports, and errors that name the
// problem without the password.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		url, from       string
		addr, user, err string
		implicit        bool
	}{
		{url: "smtp://me:secret@mail.example:2525", from: "n@refuge.example", addr: "mail.example:2525", user: "me"},
		{url: "smtp://mail.example", from: "n@refuge.example", addr: "mail.example:587"},
		{url: "smtps://me:secret@mail.example", from: "n@refuge.example", addr: "mail.example:465", user: "me", implicit: true},
		{url: "smtp://me:p%40ss@[::1]:25", from: "n@refuge.example", addr: "[::1]:25", user: "me"},
		{url: "http://me:secret@mail.example", from: "n@refuge.example", err: "scheme"},
		{url: "smtp://me:secret@", from: "n@refuge.example", err: "only the server"},
		{url: "smtp://me:secret@mail.example/path?x=1", from: "n@refuge.example", err: "only the server"},
		{url: "mail.example:587", from: "n@refuge.example", err: "scheme"},
		{url: "smtp://me:secret@mail.example", from: "not an address", err: "--smtp-from"},
		{url: "smtp://me:secret@mail.example", from: "Name <n@refuge.example>", err: "--smtp-from"},
		{url: "smtp://me:sec ret@mail.example\x7f", from: "n@refuge.example", err: "not a URL"},
	} {
		s, err := mail.Parse(tc.url, tc.from, "Refuge")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q, %q) = %v, want an error with %q", tc.url, tc.from, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("Parse(%q): the error shows the password: %v", tc.url, err)
			}
			continue
		}
		if err != nil || s.Addr != tc.addr || s.User != tc.user || s.Implicit != tc.implicit {
			t.Errorf("Parse(%q) = %+v, %v", tc.url, s, err)
		}
	}
}

// TestSend sends through a receiver on loopback in each of its ways: in the clear (allowed
// on loopback only), with STARTTLS and with TLS from the start, authenticating; the mail
// arrives whole, with its headers, its UTF-8 subject and body, CRLF lines and a line that
// starts with a dot.
func TestSend(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mode testrig.MailTLS
	}{{"plain on loopback", testrig.MailPlain}, {"STARTTLS", testrig.MailStartTLS}, {"implicit TLS", testrig.MailImplicitTLS}} {
		t.Run(tc.name, func(t *testing.T) {
			rx := testrig.StartMailServer(t, tc.mode, "me", "p@ss word")
			s, err := mail.Parse(rx.URL(), "notifications@refuge.example", "Réfuge")
			if err != nil {
				t.Fatal(err)
			}
			if tc.mode != testrig.MailPlain {
				s.TLS = rx.ClientTLS()
			}
			body := "Héllo,\n.a line with a dot\nhttps://refuge.example/auth/password/edit?reset_password_token=abc\n"
			if err := s.Send(ctx, mail.Message{To: "alice@example.org", Subject: "Réinitialiser ✓", Body: body}); err != nil {
				t.Fatal(err)
			}
			m := rx.WaitMail(1)
			if m.From != "notifications@refuge.example" || len(m.To) != 1 || m.To[0] != "alice@example.org" {
				t.Errorf("envelope: from %q to %q", m.From, m.To)
			}
			if m.TLS != (tc.mode != testrig.MailPlain) {
				t.Errorf("over TLS: %v", m.TLS)
			}
			if m.Subject() != "Réinitialiser ✓" || m.Body != body {
				t.Errorf("subject %q, body %q", m.Subject(), m.Body)
			}
			for _, h := range []string{"Date", "Message-Id", "From", "To", "Mime-Version", "Content-Type"} {
				if m.Header.Get(h) == "" {
					t.Errorf("no %s header", h)
				}
			}
			if _, err := m.Header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if strings.Contains(strings.ReplaceAll(m.Data, "\r\n", ""), "\n") {
				t.Error("a line ends without CR")
			}
			if !strings.Contains(m.Header.Get("From"), "notifications@refuge.example") {
				t.Errorf("From: %q", m.Header.Get("From"))
			}
		})
	}
}

// TestSendRefused: a wrong password, a refused mail, nobody listening and a server that
// never answers each give an error within the timeout.
func TestSendRefused(t *testing.T) {
	ctx := context.Background()
	rx := testrig.StartMailServer(t, testrig.MailPlain, "me", "right")
	send := func(url string, timeout time.Duration) error {
		s, err := mail.Parse(url, "n@refuge.example", "")
		if err != nil {
			t.Fatal(err)
		}
		s.Timeout = timeout
		return s.Send(ctx, mail.Message{To: "a@example.org", Subject: "x", Body: "x\n"})
	}
	if err := send("smtp://me:wrong@"+rx.Addr, time.Second); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("wrong password: %v", err)
	}
	rx.Refuse(true)
	if err := send(rx.URL(), time.Second); err == nil {
		t.Error("a refused mail gave no error")
	}
	if err := send("smtp://"+testrig.FreeAddr(t), time.Second); err == nil {
		t.Error("nobody listening gave no error")
	}
	// Silent: accepts the connection and never greets.
	silent := testrig.StartSilentListener(t)
	start := time.Now()
	if err := send("smtp://"+silent, 300*time.Millisecond); err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("a silent server: %v after %s", err, time.Since(start))
	}
	if n := len(rx.Mails()); n != 0 {
		t.Errorf("%d mails arrived", n)
	}
}
