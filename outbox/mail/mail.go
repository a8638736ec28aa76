// Package mail sends the instance's few mails (address confirmation, password reset) through
// one SMTP server, with net/smtp. It is a subpackage of outbox because mailing someone is
// an outgoing action, like a delivery: the outbox stores first, then sends.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/netip"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds one whole send: connecting, TLS, and the conversation.
const DefaultTimeout = 15 * time.Second

// Sender sends plain-text mails through one SMTP server.
type Sender struct {
	Addr     string // host:port
	Implicit bool   // smtps: TLS from the first byte; else STARTTLS when the server offers it
	User     string // "" for no AUTH
	Password string
	From     mail.Address // the sender, with the instance's name
	Timeout  time.Duration
	// TLS, when set, is the TLS configuration (tests trust their own certificate with it);
	// nil is the system's roots, for the server's host name.
	TLS *tls.Config
}

// Parse reads --smtp-url (smtp://user:pass@host:587 or smtps://user:pass@host:465) and
// --smtp-from. Its errors never hold the password.
func Parse(raw, from, name string) (*Sender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: not a URL; give smtp://user:password@host:587 or smtps://user:password@host:465")
	}
	shown := u.Redacted()
	s := &Sender{Timeout: DefaultTimeout}
	port := "587"
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.Implicit, port = true, "465"
	default:
		return nil, fmt.Errorf("--smtp-url %q: the scheme is smtp:// (STARTTLS) or smtps:// (TLS from the start)", shown)
	}
	host := u.Hostname()
	if host == "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--smtp-url %q: give only the server, as smtp://user:password@host:587", shown)
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.Addr = net.JoinHostPort(host, port)
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	a, err := mail.ParseAddress(from)
	if err != nil || a.Name != "" {
		return nil, fmt.Errorf("--smtp-from %q: give one address, such as notifications@example.org", from)
	}
	s.From = mail.Address{Name: name, Address: a.Address}
	return s, nil
}

// Loopback reports whether host (without a port) is this machine, where a connection
// without TLS is not overheard.
func Loopback(host string) bool {
	ip, err := netip.ParseAddr(host)
	return host == "localhost" || err == nil && ip.IsLoopback()
}

// Message is one plain-text mail to one address.
type Message struct {
	To      string
	Subject string
	Body    string // plain text, lines ending in \n
}

// Send sends m, within the sender's timeout and ctx. Without implicit TLS it upgrades with
// STARTTLS when the server offers it, and refuses to go on in the clear (where the
// password and the links would travel readable) unless the server is on loopback.
func (s *Sender) Send(ctx context.Context, m Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil || to.Name != "" {
		return fmt.Errorf("mail to %q: not an address", m.To)
	}
	data, err := s.format(m, to.Address, time.Now())
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.send(ctx, to.Address, data); err != nil {
		return fmt.Errorf("mail to %s through %s: %w", to.Address, s.Addr, err)
	}
	return nil
}

func (s *Sender) send(ctx context.Context, to string, data []byte) error {
	host, _, _ := net.SplitHostPort(s.Addr)
	conf := s.TLS
	if conf == nil {
		conf = &tls.Config{ServerName: host}
	}
	d := &net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // a cancelled caller stops the talk
	defer stop()
	if s.Implicit {
		conn = tls.Client(conn, conf)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if !s.Implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(conf); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if !Loopback(host) {
			return errors.New("the server offers no STARTTLS, and it is not on this machine: refusing to send in the clear")
		}
	}
	if s.User != "" {
		// PlainAuth itself refuses to send the password without TLS, but to loopback.
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(s.From.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data() // its writer does the dot-stuffing
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// format writes the mail: headers, then the body as UTF-8 in quoted-printable (every line
// of it 7-bit and short, whatever the server), with CRLF line ends throughout.
func (s *Sender) format(m Message, to string, now time.Time) ([]byte, error) {
	if strings.ContainsAny(to, "\r\n") {
		return nil, fmt.Errorf("mail to %q: not an address", to)
	}
	var id [12]byte
	rand.Read(id[:])
	domain := s.From.Address[strings.LastIndexByte(s.From.Address, '@')+1:]
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	header("From", s.From.String())
	header("To", "<"+to+">")
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}
