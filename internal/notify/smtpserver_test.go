package notify_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// smtpServer is a tiny in-process SMTP server for the tests: EHLO, STARTTLS
// (when it has a certificate), AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
// It records every accepted mail, and can refuse the next RCPTs with 451.
type smtpServer struct {
	t    *testing.T
	ln   net.Listener
	tls  *tls.Config // nil: no STARTTLS
	user string      // "" : AUTH not required
	pass string

	mu       sync.Mutex
	mails    []received
	failRcpt int // refuse this many RCPTs with 451
	sessions int
}

type received struct {
	From   string
	To     []string
	Data   string
	TLS    bool
	Authed string
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, ln: ln}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

// withTLS gives the server a self-signed certificate for 127.0.0.1 and returns
// the client configuration that trusts it.
func (s *smtpServer) withTLS() *tls.Config {
	s.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		s.t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	s.mu.Lock()
	s.tls = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.mu.Unlock()
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func (s *smtpServer) requireAuth(user, pass string) {
	s.mu.Lock()
	s.user, s.pass = user, pass
	s.mu.Unlock()
}

func (s *smtpServer) refuseNext(n int) {
	s.mu.Lock()
	s.failRcpt = n
	s.mu.Unlock()
}

func (s *smtpServer) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

func (s *smtpServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *smtpServer) session(c net.Conn) {
	defer func() { c.Close() }()
	s.mu.Lock()
	s.sessions++
	tlsCfg, user, pass := s.tls, s.user, s.pass
	s.mu.Unlock()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	reply := func(lines ...string) {
		for i, l := range lines {
			sep := " "
			if i < len(lines)-1 {
				sep = "-"
			}
			c.Write([]byte(l[:3] + sep + l[4:] + "\r\n"))
		}
	}
	reply("220 smtp.test ESMTP")
	var cur received
	secure, authed := false, ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250 smtp.test"}
			if tlsCfg != nil && !secure {
				ext = append(ext, "250 STARTTLS")
			}
			ext = append(ext, "250 AUTH PLAIN", "250 8BITMIME")
			reply(ext...)
		case "STARTTLS":
			if tlsCfg == nil || secure {
				reply("502 not here")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(c, tlsCfg)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if strings.ToUpper(mech) != "PLAIN" || err != nil || len(parts) != 3 || parts[1] != user || parts[2] != pass {
				reply("535 authentication failed")
				continue
			}
			authed = parts[1]
			reply("235 ok")
		case "MAIL":
			if user != "" && authed == "" {
				reply("530 authentication required")
				continue
			}
			from, _, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:<"), ">") // then parameters such as BODY=8BITMIME
			cur = received{From: from, TLS: secure, Authed: authed}
			reply("250 ok")
		case "RCPT":
			s.mu.Lock()
			fail := s.failRcpt > 0
			if fail {
				s.failRcpt--
			}
			s.mu.Unlock()
			to, _, _ := strings.Cut(strings.TrimPrefix(arg, "TO:<"), ">")
			if fail {
				reply("451 4.3.0 <" + to + ">: try again later")
				continue
			}
			cur.To = append(cur.To, to)
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			cur = received{}
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 unknown")
		}
	}
}
