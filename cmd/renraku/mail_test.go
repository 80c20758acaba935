package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// mailSink is a minimal SMTP server (no TLS, no AUTH) that records the DATA of
// each mail.
type mailSink struct {
	ln    net.Listener
	mu    sync.Mutex
	mails []string
}

func newMailSink(t *testing.T) *mailSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

func (s *mailSink) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	c.Write([]byte("220 sink ESMTP\r\n"))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch verb := strings.ToUpper(strings.Fields(line + " x")[0]); verb {
		case "EHLO", "HELO":
			c.Write([]byte("250-sink\r\n250 8BITMIME\r\n"))
		case "DATA":
			c.Write([]byte("354 go\r\n"))
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.mails = append(s.mails, b.String())
			s.mu.Unlock()
			c.Write([]byte("250 ok\r\n"))
		case "QUIT":
			c.Write([]byte("221 bye\r\n"))
			return
		default:
			c.Write([]byte("250 ok\r\n"))
		}
	}
}

func (s *mailSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mails)
}

// The SMTP configuration is checked before anything starts.
func TestServeMailFlags(t *testing.T) {
	env := []string{"RENRAKU_DB=sqlite:" + t.TempDir() + "/x.db", "RENRAKU_MASTER_KEY=" + masterKey()}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--smtp-addr", "smtp.example.jp:587"}, "sender address"},
		{[]string{"serve", "--smtp-addr", "smtp.example.jp", "--smtp-from", "a@example.jp"}, "host:port"},
		{[]string{"serve", "--smtp-addr", "smtp.example.jp:587", "--smtp-from", "a@example.jp"}, "RENRAKU_PUBLIC_URL"},
		{[]string{"serve", "--smtp-from", "a@example.jp"}, "need --smtp-addr"},
		{[]string{"serve", "--smtp-addr", "smtp.example.jp:587", "--smtp-from", "a@example.jp", "--public-url", "https://r.example.jp",
			"--smtp-user", "u"}, "both the user and the password"},
	} {
		if code, _, errOut := cli(t, env, c.args...); code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %s, want %q", c.args, code, errOut, c.want)
		}
	}
}

// `renraku serve` with a relay sends what the outbox owes, from its own
// goroutine, saying only that something new is waiting.
func TestServeSendsNotificationMail(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			dbURL := testdb.URL(t, dialect)
			env := []string{"RENRAKU_DB=" + dbURL, "RENRAKU_MASTER_KEY=" + masterKey()}
			code, out, errOut := cli(t, env, "network", "create", "--id", "beppu", "--profile", "beppu",
				"--operator-name", "別府 一郎", "--operator-email", "ichiro@example.jp")
			if code != 0 {
				t.Fatalf("network create: %s %s", out, errOut)
			}
			login := regexp.MustCompile(`temporary ID (\S+),`).FindStringSubmatch(out)
			if login == nil {
				t.Fatalf("no login in %q", out)
			}
			// The operator chose e-mail and something is owed (as a notification
			// would leave it).
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Transact(ctx, func(tx store.Tx) error {
				u, err := tx.FindUserByLogin(ctx, "beppu", login[1])
				if err != nil {
					return err
				}
				if err := tx.SetMailEnabled(ctx, "beppu", u.ID, true, time.Now()); err != nil {
					return err
				}
				return tx.QueueMail(ctx, "beppu", []string{u.ID}, time.Now())
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}

			sink := newMailSink(t)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			cmd := exec.Command(binary, "serve", "--addr", addr)
			cmd.Env = append(os.Environ(), append(env, "RENRAKU_SMTP_ADDR="+sink.ln.Addr().String(),
				"RENRAKU_SMTP_FROM=noreply@example.jp", "RENRAKU_PUBLIC_URL=https://renraku.example.jp")...)
			var logs bytes.Buffer
			cmd.Stderr = &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			deadline := time.Now().Add(20 * time.Second)
			for sink.count() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("no mail within 20 s\n%s", logs.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			m := sink.mails[0]
			if !strings.Contains(m, "To: ichiro@example.jp") || strings.Contains(m, "別府 一郎") {
				t.Errorf("mail:\n%s", m)
			}
			if strings.Contains(logs.String(), "ichiro@example.jp") {
				t.Errorf("the log names the address:\n%s", logs.String())
			}
		})
	}
}
