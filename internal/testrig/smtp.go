package testrig

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// MailServer is an SMTP receiver on loopback that keeps every mail it is given, for tests
// of what the instance mails. It speaks what a sender needs (EHLO, STARTTLS when given a
// certificate, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and nothing more. It is our
// own, some 200 lines, rather than a library's server: the standard library has the pieces
// (textproto's dot reader, crypto/tls), and the tests then depend on nothing new.
type MailServer struct {
	t    testing.TB
	ln   net.Listener
	Addr string // 127.0.0.1:PORT
	// User and Password, when User is set, are what AUTH PLAIN must give; a sender that
	// does not authenticate is then refused. Fixed at the start.
	User, Password string
	tls            *tls.Config // nil: no TLS
	implicit       bool        // TLS from the first byte, not STARTTLS

	mu     sync.Mutex
	mails  []ReceivedMail
	refuse bool
	wg     sync.WaitGroup
}

// ReceivedMail is one mail as the receiver got it.
type ReceivedMail struct {
	From   string   // MAIL FROM
	To     []string // RCPT TO
	Data   string   // the message as sent, after un-dot-stuffing, with its line ends
	TLS    bool     // it came over TLS
	Header mail.Header
	Body   string // decoded from quoted-printable when so encoded
}

// Subject is the mail's decoded subject.
func (m ReceivedMail) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return m.Header.Get("Subject")
	}
	return s
}

var mailLink = regexp.MustCompile(`https?://[^\s]+`)

// Link is the first link in the mail's body, or "".
func (m ReceivedMail) Link() string { return mailLink.FindString(m.Body) }

// MailTLS is how a MailServer offers TLS.
type MailTLS int

// The ways of TLS a MailServer has: none, STARTTLS, or TLS from the first byte (smtps).
const (
	MailPlain MailTLS = iota
	MailStartTLS
	MailImplicitTLS
)

// StartMailServer starts a receiver on a loopback port, closed when the test ends. With
// TLS, its certificate is for 127.0.0.1, and ClientTLS trusts it. With a user, AUTH PLAIN
// must give that user and password.
func StartMailServer(t testing.TB, mode MailTLS, user, password string) *MailServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &MailServer{t: t, ln: ln, Addr: ln.Addr().String(), implicit: mode == MailImplicitTLS,
		User: user, Password: password}
	if mode != MailPlain {
		s.tls = testCertificate()
	}
	if s.implicit {
		s.ln = tls.NewListener(ln, s.tls)
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// testCertificate borrows httptest's certificate for 127.0.0.1 and example.com.
func testCertificate() *tls.Config {
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	defer ts.Close()
	return &tls.Config{Certificates: ts.TLS.Certificates}
}

// ClientTLS is the TLS configuration with which a sender trusts the receiver's certificate.
func (s *MailServer) ClientTLS() *tls.Config {
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(s.tls.Certificates[0].Certificate[0])
	if err != nil {
		s.t.Fatal(err)
	}
	pool.AddCert(leaf)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// URL is the --smtp-url that reaches the receiver.
func (s *MailServer) URL() string {
	u := &url.URL{Scheme: "smtp", Host: s.Addr}
	if s.implicit {
		u.Scheme = "smtps"
	}
	if s.User != "" {
		u.User = url.UserPassword(s.User, s.Password)
	}
	return u.String()
}

// Refuse makes the receiver answer every mail with a temporary failure (or take them
// again).
func (s *MailServer) Refuse(on bool) {
	s.mu.Lock()
	s.refuse = on
	s.mu.Unlock()
}

// Close stops the receiver; a send after it finds nobody listening.
func (s *MailServer) Close() {
	s.ln.Close()
	s.wg.Wait()
}

// Mails are the mails received so far.
func (s *MailServer) Mails() []ReceivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReceivedMail(nil), s.mails...)
}

// WaitMail waits for the n-th mail (counting from 1) and returns it; the test fails when it
// does not arrive within seconds.
func (s *MailServer) WaitMail(n int) ReceivedMail {
	s.t.Helper()
	var got []ReceivedMail
	Eventually(s.t, 5*time.Second, "mail arrives", func() bool { got = s.Mails(); return len(got) >= n })
	return got[n-1]
}

func (s *MailServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			s.converse(c)
		}()
	}
}

// converse holds one SMTP conversation.
func (s *MailServer) converse(c net.Conn) {
	tp := textproto.NewConn(c)
	reply := func(code int, text string) { tp.PrintfLine("%d %s", code, text) }
	reply(220, "127.0.0.1 test receiver")
	var m ReceivedMail
	authed, secure := s.User == "", s.implicit
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"127.0.0.1", "8BITMIME", "AUTH PLAIN"}
			if s.tls != nil && !secure && !s.implicit {
				ext = append(ext, "STARTTLS")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, e)
			}
		case "STARTTLS":
			if s.tls == nil || secure {
				reply(502, "no")
				continue
			}
			reply(220, "go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			tp = textproto.NewConn(tc)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			raw, _ := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if strings.ToUpper(mech) == "PLAIN" && len(parts) == 3 && parts[1] == s.User && parts[2] == s.Password {
				authed = true
				reply(235, "welcome")
			} else {
				reply(535, "bad credentials")
			}
		case "MAIL":
			if !authed {
				reply(530, "authenticate first")
				continue
			}
			m = ReceivedMail{From: addrOf(arg), TLS: secure}
			reply(250, "ok")
		case "RCPT":
			m.To = append(m.To, addrOf(arg))
			reply(250, "ok")
		case "DATA":
			if m.From == "" || len(m.To) == 0 {
				reply(503, "MAIL and RCPT first")
				continue
			}
			reply(354, "go on")
			data, err := readData(tp.R)
			if err != nil {
				return
			}
			s.mu.Lock()
			refuse := s.refuse
			s.mu.Unlock()
			if refuse {
				reply(451, "try again later")
				continue
			}
			m.Data = string(data)
			m.parse()
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			m = ReceivedMail{}
			reply(250, "queued")
		case "RSET":
			m = ReceivedMail{}
			reply(250, "ok")
		case "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "not here")
		}
	}
}

// readData reads DATA up to the line with one dot, un-dot-stuffed but with its line ends
// as sent, so that a test sees a bare LF (textproto's dot reader would turn CRLF into LF).
func readData(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line == ".\r\n" || line == ".\n" {
			return b.String(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

// addrOf is the address in "FROM:<a@b>" or "TO:<a@b>".
func addrOf(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, '>'); strings.HasPrefix(a, "<") && i > 0 {
		return a[1:i]
	}
	return a
}

// parse reads the headers and decodes the body.
func (m *ReceivedMail) parse() {
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(m.Data)))
	if err != nil {
		return
	}
	m.Header = msg.Header
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	b, _ := io.ReadAll(body)
	m.Body = strings.ReplaceAll(string(b), "\r\n", "\n")
}

// StartSilentListener listens on a loopback port, accepts connections and never answers:
// a server that hangs. It returns the address.
func StartSilentListener(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
