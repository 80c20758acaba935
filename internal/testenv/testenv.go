// Package testenv builds the whole application over a test database, for the API,
// web and browser tests: a random master key, a fake clock, the audit log, the
// accounts service and the JSON API on a ServeMux that other surfaces can add
// their routes to.
//
//	func TestX(t *testing.T) {
//		testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
//			env := testenv.New(t, db)
//			op := env.Network(t, "beppu", "beppu")
//			...
//		})
//	}
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"renraku/internal/accounts"
	"renraku/internal/api"
	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/secret"
	"renraku/internal/store/sqlstore"
)

// Start is when every Env's clock starts: a Tuesday morning in Japan, inside
// every profile's service hours.
var Start = time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))

// Password is the password Network and Seed give the accounts they set up. It
// satisfies every profile's password policy.
const Password = "Kiso-Harbor-Lantern-4729"

// Env is one application instance over one test database.
type Env struct {
	Store    *sqlstore.DB
	Accounts *accounts.Service
	People   *people.Service
	Audit    *audit.Log
	Keys     *secret.Keyring
	Clock    *clock.Fake
	// Mux holds the API routes; tests of other surfaces add theirs.
	Mux *http.ServeMux
	// Handler is Mux behind a minimal request-meta middleware (request id and
	// client address for the audit log), standing in for internal/server.
	Handler http.Handler
	Logger  *slog.Logger

	mu      sync.Mutex
	secrets map[string]string // user ID → TOTP secret, for accounts set up by Seed
}

// New builds an Env over db.
func New(t testing.TB, db *sqlstore.DB) *Env {
	t.Helper()
	master := make([]byte, 32)
	rand.Read(master)
	keys, err := secret.New(master)
	if err != nil {
		t.Fatalf("testenv: keyring: %v", err)
	}
	clk := clock.NewFake(Start)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	log := audit.New(keys, clk)
	acc := accounts.New(db, log, keys, clk, accounts.Options{Argon2: accounts.TestArgon2,
		LoginsPerMinutePerAddress: 100000, Logger: logger})
	ppl := people.New(db, log, clk)
	mux := http.NewServeMux()
	api.New(acc, ppl, logger).Routes(mux)
	return &Env{Store: db, Accounts: acc, People: ppl, Audit: log, Keys: keys, Clock: clk, Mux: mux,
		Handler: RequestMeta(mux), Logger: logger, secrets: map[string]string{}}
}

// RequestMeta gives every request an id (also sent back as X-Request-Id, so a
// test can find the audit event of a request) and records the client address.
func RequestMeta(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		addr := r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		ctx := domain.WithRequestMeta(r.Context(), domain.RequestMeta{RemoteAddr: addr, UserAgent: r.UserAgent(), RequestID: id})
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Network creates a network with the profile and sets up its first operator as
// if they had finished first login: the returned credentials carry Password, and
// Secret(creds.UserID) is their TOTP secret.
func (e *Env) Network(t testing.TB, id, profile string) accounts.Credentials {
	t.Helper()
	creds, err := e.Accounts.CreateNetwork(context.Background(), accounts.NewNetwork{ID: id, Profile: profile,
		OperatorName: "運営 太郎", OperatorEmail: "unei@example.jp"})
	if err != nil {
		t.Fatalf("testenv: create network %s: %v", id, err)
	}
	return e.Seed(t, id, creds)
}

// Seed finishes first-login setup of an account directly in the service: a known
// password (Password) and a new TOTP secret, returned by Secret.
func (e *Env) Seed(t testing.TB, network string, creds accounts.Credentials) accounts.Credentials {
	t.Helper()
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "renraku-test", AccountName: creds.LoginID})
	if err != nil {
		t.Fatalf("testenv: totp secret: %v", err)
	}
	if err := e.Accounts.SeedCredentials(context.Background(), network, creds.UserID, "", Password, key.Secret()); err != nil {
		t.Fatalf("testenv: seed credentials of %s: %v", creds.LoginID, err)
	}
	e.mu.Lock()
	e.secrets[creds.UserID] = key.Secret()
	e.mu.Unlock()
	creds.Password = Password
	return creds
}

// Secret returns the TOTP secret Seed gave a user.
func (e *Env) Secret(userID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.secrets[userID]
}

// TOTP returns the current code for secret at the fake clock's time.
func (e *Env) TOTP(secret string) string {
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		panic("testenv: TOTP code: " + err.Error())
	}
	return code
}

// FreshTOTP moves the clock on to the next 30-second step and returns its code.
// A code's step can be used only once, so a test that logs in several times in a
// row takes a fresh one each time.
func (e *Env) FreshTOTP(secret string) string {
	now := e.Clock.Now()
	next := now.Truncate(30 * time.Second).Add(30 * time.Second)
	e.Clock.Advance(next.Sub(now))
	return e.TOTP(secret)
}

// Advance moves the fake clock forward.
func (e *Env) Advance(d time.Duration) { e.Clock.Advance(d) }

// SealAndVerify seals every pending audit event and verifies the network's
// audit log, failing the test on any problem.
func (e *Env) SealAndVerify(t testing.TB, network string) *audit.Report {
	t.Helper()
	ctx := context.Background()
	if _, err := audit.NewSealer(e.Store, e.Keys, e.Clock, "testenv").SealOnce(ctx); err != nil {
		t.Fatalf("testenv: seal: %v", err)
	}
	rep, err := audit.Verify(ctx, e.Store, e.Keys, network)
	if err != nil {
		t.Fatalf("testenv: verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("testenv: audit log of %s does not verify:\n%s", network, rep)
	}
	if rep.Unsealed != 0 {
		t.Fatalf("testenv: %d events of %s left unsealed", rep.Unsealed, network)
	}
	return rep
}
