package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// MailConfig is the installation's SMTP relay (RENRAKU_SMTP_ADDR, _FROM, _USER,
// _PASSWORD) and its public URL (RENRAKU_PUBLIC_URL), which the mail links to.
type MailConfig struct {
	Addr     string // host:port of the relay
	From     string // the sender address
	User     string // for SMTP AUTH PLAIN, which is used only over TLS (or to localhost)
	Password string
	BaseURL  string // e.g. https://renraku.example.jp
	// TLS is the STARTTLS configuration (nil: the system's roots and the relay's
	// host name). STARTTLS is used whenever the relay offers it.
	TLS *tls.Config
	// Timeout bounds one delivery (default 30 s).
	Timeout time.Duration
}

// Check reports a configuration that cannot work.
func (c MailConfig) Check() error {
	if c.Addr == "" {
		return errors.New("smtp: no relay address")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("smtp: relay address %q: want host:port", c.Addr)
	}
	if _, err := mail.ParseAddress(c.From); err != nil || c.From == "" {
		return fmt.Errorf("smtp: sender address %q is not an e-mail address", c.From)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("smtp: the public URL %q must be like https://renraku.example.jp (RENRAKU_PUBLIC_URL)", c.BaseURL)
	}
	if (c.User == "") != (c.Password == "") {
		return errors.New("smtp: give both the user and the password, or neither")
	}
	return nil
}

// Message is the one mail renraku sends: that something new is waiting on a
// network, and where. It has no field for content, a person's data or the
// recipient's name, so none can be put into it.
type Message struct {
	To          string
	NetworkID   string
	NetworkName string
}

// Subject is the mail's subject.
func (m Message) Subject() string {
	return "【" + m.NetworkName + "】新しいお知らせがあります"
}

// Body is the mail's text.
func (m Message) Body(baseURL string) string {
	return m.NetworkName + "に新しいお知らせがあります。\r\n\r\n" +
		"内容はログインしてご確認ください（このメールには内容を記載していません）。\r\n" +
		strings.TrimSuffix(baseURL, "/") + "/n/" + m.NetworkID + "/notifications\r\n\r\n" +
		"このメールは送信専用です。メールでの通知が不要になったときは、ログイン後の「アカウント設定」で停止できます。\r\n"
}

// Bytes renders the message as RFC 5322 text: UTF-8, base64, headers encoded.
func (m Message) Bytes(from, baseURL string, at time.Time) []byte {
	var b bytes.Buffer
	host := "renraku.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 {
		host = strings.Trim(from[i+1:], "> ")
	}
	var id [12]byte
	rand.Read(id[:])
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	if a, err := mail.ParseAddress(from); err == nil {
		from = a.String() // a Japanese display name is MIME-encoded
	}
	hdr("From", from)
	hdr("To", m.To)
	hdr("Subject", mime.BEncoding.Encode("UTF-8", m.Subject()))
	hdr("Date", at.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+host+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=UTF-8")
	hdr("Content-Transfer-Encoding", "base64")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body(baseURL)))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// SMTP delivers through the relay of a MailConfig.
type SMTP struct{ cfg MailConfig }

// NewSMTP returns a deliverer over the relay.
func NewSMTP(cfg MailConfig) *SMTP { return &SMTP{cfg: cfg} }

// Send delivers msg to one recipient: STARTTLS when the relay offers it, AUTH
// PLAIN when a user is configured (net/smtp refuses it without TLS except to
// localhost).
func (s *SMTP) Send(ctx context.Context, to string, msg []byte) (err error) {
	timeout := s.cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(helloName(s.cfg.From)); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.cfg.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.cfg.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Password, host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(envelope(s.cfg.From)); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// envelope is the bare address of a From header ("名前 <a@b>" → a@b).
func envelope(from string) string {
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	return from
}

// helloName is the domain of the sender address, for EHLO.
func helloName(from string) string {
	a := envelope(from)
	if i := strings.LastIndex(a, "@"); i >= 0 && i+1 < len(a) {
		return a[i+1:]
	}
	return "localhost"
}

var addressRe = regexp.MustCompile(`[^\s<>"',;:]+@[^\s<>"',;:]+`)

// redact removes e-mail addresses from a relay's error text before it is stored
// or logged.
func redact(s string) string { return addressRe.ReplaceAllString(s, "<address>") }
