package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

var binary string

// TestMain builds the real binary once (without -race: the demo hashes dozens of
// passwords with production argon2id cost) and runs every CLI test against it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "renraku-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "renraku")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build renraku: %v\n%s", err, out)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	testdb.Main(m)
}

func masterKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// cli runs the binary and returns its exit code, stdout and stderr.
func cli(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

type demoLogin struct {
	Network      string `json:"network"`
	LoginID      string `json:"login_id"`
	Password     string `json:"password"`
	Role         string `json:"role"`
	Organization string `json:"organization"`
	TOTPSecret   string `json:"totp_secret"`
}

// TestDemoAndAuditVerify: `renraku demo` creates the five networks and prints
// logins as JSON; `renraku audit verify` passes on that data and fails, naming
// the event, after a row is altered, inserted or deleted by hand in SQL
// (beppu §10-3, fukuoka §9-3: the log of who did what cannot be changed unseen).
func TestDemoAndAuditVerify(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			url := testdb.URL(t, dialect)
			env := []string{"RENRAKU_DB=" + url, "RENRAKU_MASTER_KEY=" + masterKey()}
			code, out, errOut := cli(t, env, "demo", "--no-serve", "--json")
			if code != 0 {
				t.Fatalf("demo exited %d: %s", code, errOut)
			}
			var logins []demoLogin
			if err := json.Unmarshal([]byte(out), &logins); err != nil {
				t.Fatalf("demo --json output: %v\n%s", err, out)
			}
			nets := map[string]map[string]int{}
			for _, l := range logins {
				if l.LoginID == "" || l.Password == "" || len(l.TOTPSecret) != 32 || l.Organization == "" {
					t.Errorf("incomplete demo login %+v", l)
				}
				if nets[l.Network] == nil {
					nets[l.Network] = map[string]int{}
				}
				nets[l.Network][l.Role]++
			}
			for _, n := range []string{"katori", "joso", "sendai-izumi", "beppu", "fukuoka"} {
				if nets[n]["operator"] == 0 || nets[n]["admin"] < 2 || nets[n]["staff"] < 2 {
					t.Errorf("demo network %s has %v accounts, want operators, admins and staff", n, nets[n])
				}
			}
			if nets["fukuoka"]["auditor"] != 1 || nets["beppu"]["municipal"] != 1 {
				t.Errorf("fukuoka auditor / beppu municipal staff missing: %v %v", nets["fukuoka"], nets["beppu"])
			}
			// Running the demo again adds nothing twice and prints the same logins.
			if code, out2, errOut := cli(t, env, "demo", "--no-serve", "--json"); code != 0 || out2 != out {
				t.Fatalf("second demo run: exit %d, same output %v: %s", code, out2 == out, errOut)
			}

			verify := func() (int, string) {
				code, out, errOut := cli(t, env, "audit", "verify")
				return code, out + errOut
			}
			if code, out := verify(); code != 0 || strings.Count(out, ": OK") != 5 {
				t.Fatalf("verify on the demo data: exit %d\n%s", code, out)
			}

			db, err := sqlstore.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			raw := db.SQL()
			bypassTriggers(t, dialect, raw)
			exec := func(q string, args ...any) {
				t.Helper()
				if dialect == sqlstore.SQLite {
					q = strings.ReplaceAll(strings.ReplaceAll(q, "$1", "?1"), "$2", "?2")
				}
				if _, err := raw.Exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var id int64
			var login string
			if err := raw.QueryRow(`SELECT id, actor_login FROM audit_events WHERE network_id = 'beppu' AND action = 'application.approve' ORDER BY id LIMIT 1`).Scan(&id, &login); err != nil {
				t.Fatal(err)
			}

			// Altered: an approval attributed to someone else.
			exec(`UPDATE audit_events SET actor_login = 'someone-else' WHERE id = $1`, id)
			if code, out := verify(); code == 0 || !strings.Contains(out, fmt.Sprintf("event %d ", id)) {
				t.Errorf("verify after altering event %d: exit %d\n%s", id, code, out)
			}
			exec(`UPDATE audit_events SET actor_login = $2 WHERE id = $1`, id, login)
			if code, out := verify(); code != 0 {
				t.Fatalf("verify after restoring event %d: exit %d\n%s", id, code, out)
			}

			// Inserted by hand.
			exec(`INSERT INTO audit_events (network_id, at, actor_user_id, actor_login, actor_org_id, actor_role, action,
				target_type, target_id, person_id, reason, outcome, remote_addr, request_id, detail, mac)
				VALUES ('beppu', $1, 'x', 'intruder', '', 'operator', 'login', 'session', 'x', '', '', 'ok', '', '', '{}', 'forged')`,
				time.Now().UTC())
			var forged int64
			if err := raw.QueryRow(`SELECT MAX(id) FROM audit_events`).Scan(&forged); err != nil {
				t.Fatal(err)
			}
			if code, out := verify(); code == 0 || !strings.Contains(out, fmt.Sprintf("event %d", forged)) {
				t.Errorf("verify after inserting event %d: exit %d\n%s", forged, code, out)
			}
			exec(`DELETE FROM audit_events WHERE id = $1`, forged)

			// Deleted.
			exec(`DELETE FROM audit_events WHERE id = $1`, id)
			if code, out := verify(); code == 0 || !strings.Contains(out, fmt.Sprintf("event %d deleted", id)) {
				t.Errorf("verify after deleting event %d: exit %d\n%s", id, code, out)
			}
		})
	}
}

// bypassTriggers lets the test do what the application cannot: change audit rows.
func bypassTriggers(t *testing.T, dialect string, raw *sql.DB) {
	t.Helper()
	stmts := []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`}
	if dialect == sqlstore.SQLite {
		stmts = []string{`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`}
	}
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestServeHealthAndShutdown starts `renraku serve`, checks /healthz, /readyz and
// /metrics, and stops it with SIGTERM: it exits 0 after a graceful shutdown.
func TestServeHealthAndShutdown(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			url := testdb.URL(t, dialect)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			cmd := exec.Command(binary, "serve", "--addr", addr)
			cmd.Env = append(os.Environ(), "RENRAKU_DB="+url, "RENRAKU_MASTER_KEY="+masterKey())
			var logs bytes.Buffer
			cmd.Stderr = &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			get := func(path string) (int, string) {
				resp, err := http.Get("http://" + addr + path)
				if err != nil {
					return 0, err.Error()
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if code, _ := get("/healthz"); code == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("serve did not answer /healthz\n%s", logs.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			if code, body := get("/readyz"); code != 200 || body != "ready\n" {
				t.Errorf("/readyz = %d %q", code, body)
			}
			if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "renraku_http_requests_total") {
				t.Errorf("/metrics = %d, missing renraku_http_requests_total", code)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve exited with %v after SIGTERM\n%s", err, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop after SIGTERM")
			}
			// The access log carries the route pattern and request id, never a query string.
			if !strings.Contains(logs.String(), `"route":"GET /readyz"`) || !strings.Contains(logs.String(), `"request_id"`) {
				t.Errorf("access log lacks route or request id:\n%s", logs.String())
			}
		})
	}
}

// TestNetworkCreateAndMigrate: `renraku migrate` brings an empty database to the
// latest schema; `renraku network create` refuses bad input with field messages
// and creates a network whose first operator has a temporary password.
func TestNetworkCreateAndMigrate(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			env := []string{"RENRAKU_DB=" + testdb.URL(t, dialect), "RENRAKU_MASTER_KEY=" + masterKey()}
			if code, out, errOut := cli(t, env, "migrate"); code != 0 || !strings.Contains(out, "schema version") {
				t.Fatalf("migrate: %d %s %s", code, out, errOut)
			}
			code, _, errOut := cli(t, env, "network", "create", "--id", "Bad ID", "--profile", "nowhere")
			if code != 1 || !strings.Contains(errOut, "id:") || !strings.Contains(errOut, "profile:") || !strings.Contains(errOut, "operator_name:") {
				t.Errorf("bad network create: exit %d\n%s", code, errOut)
			}
			code, out, errOut := cli(t, env, "network", "create", "--id", "beppu", "--profile", "beppu", "--operator-name", "別府 一郎")
			if code != 0 || !strings.Contains(out, "temporary password") {
				t.Fatalf("network create: %d %s %s", code, out, errOut)
			}
			if code, _, errOut := cli(t, env, "network", "create", "--id", "beppu", "--profile", "beppu", "--operator-name", "別府 一郎"); code != 1 || !strings.Contains(errOut, "既に存在します") {
				t.Errorf("second create of the same network: exit %d %s", code, errOut)
			}
			if code, out, _ := cli(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "renraku ") {
				t.Errorf("version: %d %q", code, out)
			}
			if code, _, errOut := cli(t, []string{"RENRAKU_DB=" + testdb.URL(t, dialect), "RENRAKU_MASTER_KEY="}, "serve"); code != 1 || !strings.Contains(errOut, "no master key") {
				t.Errorf("serve without a master key: exit %d %s", code, errOut)
			}
		})
	}
}
