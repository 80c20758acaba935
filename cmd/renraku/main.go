// Command renraku runs a regional care-information-sharing network: the web UI, the
// JSON API and the audit log, for any number of networks on PostgreSQL or SQLite.
// This file only parses flags and wires the pieces together.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // Asia/Tokyo on machines without zoneinfo

	"renraku/internal/accounts"
	"renraku/internal/audit"
	"renraku/internal/clock"
	"renraku/internal/demo"
	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/people"
	"renraku/internal/profile"
	"renraku/internal/secret"
	"renraku/internal/server"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `usage: renraku <command> [flags]

commands:
  serve            run the web UI and API
  migrate          apply database migrations
  demo             create the five demo networks and serve them (--json: print logins as JSON)
  network create   create a network and its first operator
  audit verify     verify the tamper-evident audit log
  keygen           write a new master key file
  version          print the version

Every flag can also be set by environment: --db is RENRAKU_DB, --addr is RENRAKU_ADDR, ...
Notification e-mail (serve): --smtp-addr, --smtp-from, --smtp-user, --public-url;
the SMTP password only as RENRAKU_SMTP_PASSWORD.
`

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "network" || cmd == "audit") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		err = cmdMigrate(ctx, rest, getenv, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, rest, getenv, stdout, stderr)
	case "network create":
		err = cmdNetworkCreate(ctx, rest, getenv, stdout, stderr)
	case "audit verify":
		err = cmdAuditVerify(ctx, rest, getenv, stdout, stderr)
	case "keygen":
		err = cmdKeygen(rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "renraku", buildVersion())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "renraku: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ve *verifyError
		if !errors.As(err, &ve) {
			fmt.Fprintln(stderr, "renraku:", err)
		}
		return 1
	}
	return 0
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return "dev-" + s.Value
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// common are the flags every command that opens the database shares.
type common struct {
	db, keyFile, keyHex, logLevel string
}

func newFlags(name string, getenv func(string) string, stderr io.Writer, c *common, defaultDB string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.db, "db", env(getenv, "RENRAKU_DB", defaultDB), "database: sqlite:PATH or a postgres:// URL (RENRAKU_DB)")
	fs.StringVar(&c.keyFile, "master-key-file", env(getenv, "RENRAKU_MASTER_KEY_FILE", ""), "file holding the master key (RENRAKU_MASTER_KEY_FILE)")
	fs.StringVar(&c.logLevel, "log-level", env(getenv, "RENRAKU_LOG_LEVEL", "info"), "debug, info, warn or error (RENRAKU_LOG_LEVEL)")
	c.keyHex = getenv("RENRAKU_MASTER_KEY")
	return fs
}

func env(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func (c *common) logger(stderr io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lvl}))
}

func (c *common) keys() (*secret.Keyring, error) {
	switch {
	case c.keyHex != "":
		return secret.Parse(c.keyHex)
	case c.keyFile != "":
		return secret.LoadFile(c.keyFile)
	}
	return nil, errors.New("no master key: set RENRAKU_MASTER_KEY or --master-key-file (create one with `renraku keygen --out PATH`); keep it apart from the database and its backups")
}

func (c *common) open(ctx context.Context) (*sqlstore.DB, error) {
	if c.db == "" {
		return nil, errors.New("no database: set --db sqlite:PATH or a postgres:// URL (RENRAKU_DB)")
	}
	db, err := sqlstore.Open(ctx, c.db)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// keysAndDB loads the master key and opens (and migrates) the database.
func (c *common) keysAndDB(ctx context.Context) (*secret.Keyring, *sqlstore.DB, error) {
	keys, err := c.keys()
	if err != nil {
		return nil, nil, err
	}
	db, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	return keys, db, nil
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("migrate", getenv, stderr, &c, "")
	appRole := fs.String("app-role", env(getenv, "RENRAKU_APP_ROLE", ""), "PostgreSQL: grant this role what the application needs, with no UPDATE or DELETE on the audit log (RENRAKU_APP_ROLE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *appRole != "" {
		if err := db.GrantAppRole(ctx, *appRole); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "granted %s the application's privileges (audit log: SELECT, INSERT only)\n", *appRole)
	}
	applied, latest, err := db.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d of %d (%s)\n", applied, latest, db.Dialect())
	return nil
}

func cmdKeygen(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the key to this file (mode 0600; refuses to overwrite)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("keygen: --out PATH is required")
	}
	if _, err := secret.GenerateFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote a new master key to %s; back it up apart from the database\n", *out)
	return nil
}

func cmdNetworkCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("network create", getenv, stderr, &c, "")
	id := fs.String("id", "", "network id, used in URLs (e.g. beppu)")
	prof := fs.String("profile", "", "profile: "+strings.Join(profile.IDs(), ", "))
	name := fs.String("name", "", "display name (default: the profile's)")
	opName := fs.String("operator-name", "", "the first operator's name")
	opEmail := fs.String("operator-email", "", "the first operator's e-mail (optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	keys, db, err := c.keysAndDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	acc := accounts.New(db, audit.New(keys, clock.Real{}), keys, clock.Real{}, accounts.Options{Logger: c.logger(stderr)})
	creds, err := acc.CreateNetwork(ctx, accounts.NewNetwork{ID: *id, Profile: *prof, Name: *name, OperatorName: *opName, OperatorEmail: *opEmail})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created network %s (profile %s)\nfirst operator: temporary ID %s, temporary password %s\n"+
		"log in at /n/%s/login; the password must be changed and a second factor enrolled at first login.\n",
		*id, *prof, creds.LoginID, creds.Password, *id)
	return nil
}

// describe turns a field error into one line per field for the terminal.
func describe(err error) error {
	if e := domain.AsError(err); e != nil && len(e.Fields) > 0 {
		var b strings.Builder
		b.WriteString(e.Message)
		for k, v := range e.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", k, v)
		}
		return errors.New(b.String())
	}
	return err
}

type verifyError struct{}

func (*verifyError) Error() string { return "audit log verification failed" }

func cmdAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("audit verify", getenv, stderr, &c, "")
	network := fs.String("network", "", "verify only this network (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	keys, db, err := c.keysAndDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	nets := []string{*network}
	if *network == "" {
		nets = nil
		err := db.Transact(ctx, func(tx store.Tx) error {
			var err error
			nets, err = tx.AuditNetworks(ctx)
			return err
		})
		if err != nil {
			return err
		}
	}
	failed := false
	for _, n := range nets {
		r, err := audit.Verify(ctx, db, keys, n)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r.String())
		fmt.Fprintf(stdout, "checkpoint key: %s\n", audit.VerifierKey(keys, n))
		if !r.OK() {
			failed = true
		}
	}
	if failed {
		fmt.Fprintln(stderr, "renraku: audit log verification FAILED")
		return &verifyError{}
	}
	return nil
}

// serveFlags are the flags of commands that serve HTTP.
type serveFlags struct {
	addr, tlsCert, tlsKey string
	trustProxy            bool
}

func addServeFlags(fs *flag.FlagSet, getenv func(string) string, s *serveFlags, defaultAddr string) {
	fs.StringVar(&s.addr, "addr", env(getenv, "RENRAKU_ADDR", defaultAddr), "listen address (RENRAKU_ADDR)")
	fs.StringVar(&s.tlsCert, "tls-cert", env(getenv, "RENRAKU_TLS_CERT", ""), "TLS certificate file (RENRAKU_TLS_CERT)")
	fs.StringVar(&s.tlsKey, "tls-key", env(getenv, "RENRAKU_TLS_KEY", ""), "TLS key file (RENRAKU_TLS_KEY)")
	fs.BoolVar(&s.trustProxy, "trust-proxy", env(getenv, "RENRAKU_TRUST_PROXY", "") == "1", "take the client address from X-Forwarded-For (RENRAKU_TRUST_PROXY=1)")
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c common
	var s serveFlags
	fs := newFlags("serve", getenv, stderr, &c, "")
	addServeFlags(fs, getenv, &s, ":8080")
	mail := addMailFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	mailCfg, err := mail.config()
	if err != nil {
		return err
	}
	keys, db, err := c.keysAndDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	logger := c.logger(stderr)
	slog.SetDefault(logger)
	return serveHTTP(ctx, db, keys, logger, s, server.Config{Logger: logger, TrustProxy: s.trustProxy, Mail: mailCfg}, stdout)
}

// mailFlags configure the SMTP relay of notification e-mail.
type mailFlags struct {
	addr, from, user, publicURL string
	password                    string // from the environment only: a flag would show in the process list
}

func addMailFlags(fs *flag.FlagSet, getenv func(string) string) *mailFlags {
	m := &mailFlags{password: getenv("RENRAKU_SMTP_PASSWORD")}
	fs.StringVar(&m.addr, "smtp-addr", env(getenv, "RENRAKU_SMTP_ADDR", ""), "SMTP relay host:port for notification e-mail; empty: no e-mail (RENRAKU_SMTP_ADDR)")
	fs.StringVar(&m.from, "smtp-from", env(getenv, "RENRAKU_SMTP_FROM", ""), "sender address of notification e-mail (RENRAKU_SMTP_FROM)")
	fs.StringVar(&m.user, "smtp-user", env(getenv, "RENRAKU_SMTP_USER", ""), "SMTP AUTH user, used only over TLS; the password is RENRAKU_SMTP_PASSWORD (RENRAKU_SMTP_USER)")
	fs.StringVar(&m.publicURL, "public-url", env(getenv, "RENRAKU_PUBLIC_URL", ""), "the installation's public URL, which notification e-mail links to, e.g. https://renraku.example.jp (RENRAKU_PUBLIC_URL)")
	return m
}

// config is the relay, nil when none is configured.
func (m *mailFlags) config() (*notify.MailConfig, error) {
	if m.addr == "" {
		if m.from != "" || m.user != "" {
			return nil, errors.New("--smtp-from and --smtp-user need --smtp-addr (RENRAKU_SMTP_ADDR)")
		}
		return nil, nil
	}
	cfg := &notify.MailConfig{Addr: m.addr, From: m.from, User: m.user, Password: m.password, BaseURL: m.publicURL}
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func serveHTTP(ctx context.Context, db *sqlstore.DB, keys *secret.Keyring, logger *slog.Logger, s serveFlags, cfg server.Config, stdout io.Writer) error {
	clk := clock.Real{}
	acc := accounts.New(db, audit.New(keys, clk), keys, clk, accounts.Options{Logger: logger})
	var b [6]byte
	rand.Read(b[:])
	host, _ := os.Hostname()
	sealer := audit.NewSealer(db, keys, clk, fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:])))
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go sealer.Run(sctx, 2*time.Second)
	if cfg.Mail != nil {
		// Notification e-mail goes out from the outbox, after the requests that
		// owed it have committed; one process at a time sends.
		sender := notify.NewSender(db, *cfg.Mail, notify.NewSMTP(*cfg.Mail), clk,
			fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:])), logger)
		go sender.Run(sctx, 30*time.Second)
	}

	ppl := people.New(db, audit.New(keys, clk), clk)
	srv := &http.Server{Addr: s.addr, Handler: server.New(db, acc, ppl, cfg), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	ln.Close()
	scheme := "http"
	if s.tlsCert != "" {
		scheme = "https"
	}
	logger.Info("serving", "addr", s.addr, "scheme", scheme, "dialect", db.Dialect(), "version", buildVersion())
	err = server.Serve(ctx, srv, s.tlsCert, s.tlsKey)
	cancel()
	// One last seal so that events of the final requests are in the signed log.
	if _, serr := sealer.SealOnce(context.WithoutCancel(ctx)); serr != nil {
		logger.Error("final seal", "err", serr)
	}
	return err
}

func cmdDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c common
	var s serveFlags
	fs := newFlags("demo", getenv, stderr, &c, "sqlite:renraku-demo.db")
	addServeFlags(fs, getenv, &s, "localhost:8080")
	asJSON := fs.Bool("json", false, "print the demo logins as JSON (network, login_id, password, role, organization, totp_secret)")
	noServe := fs.Bool("no-serve", false, "create the demo data and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.keyHex == "" {
		// The demo keeps its own key file (created on first use) so that a second
		// run can read the first run's data; production (`serve`) has no such default.
		if c.keyFile == "" {
			c.keyFile = "renraku-demo.key"
		}
		if _, err := os.Stat(c.keyFile); errors.Is(err, os.ErrNotExist) {
			if _, err := secret.GenerateFile(c.keyFile); err != nil {
				return err
			}
		}
	}
	keys, db, err := c.keysAndDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	logger := c.logger(stderr)
	slog.SetDefault(logger)
	seedClock := clock.NewFake(demo.SeedTime(time.Now()))
	seedLog := audit.New(keys, seedClock)
	acc := accounts.New(db, seedLog, keys, seedClock, accounts.Options{Logger: logger})
	logins, err := demo.Seed(ctx, acc, people.New(db, seedLog, seedClock), keys)
	if err != nil {
		return err
	}
	if _, err := audit.NewSealer(db, keys, clock.Real{}, "demo-seed").SealOnce(ctx); err != nil {
		return err
	}
	base := "http://" + s.addr
	if strings.HasPrefix(s.addr, ":") {
		base = "http://localhost" + s.addr
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(logins); err != nil {
			return err
		}
	} else {
		printLogins(stdout, logins, base)
	}
	if *noServe {
		return nil
	}
	cfg := server.Config{Logger: logger, Demo: true, DemoLogins: func(ctx context.Context) []web.DemoLogin {
		now := time.Now()
		out := make([]web.DemoLogin, len(logins))
		for i, l := range logins {
			out[i] = web.DemoLogin{Network: l.Network, NetworkName: l.NetworkName, LoginID: l.LoginID, Password: l.Password,
				Role: l.RoleName, Organization: l.Organization, TOTPSecret: l.TOTPSecret, Code: l.Code(now)}
		}
		return out
	}}
	return serveHTTP(ctx, db, keys, logger, s, cfg, stdout)
}

func printLogins(w io.Writer, logins []demo.Login, base string) {
	fmt.Fprintf(w, "renraku demo: five networks at %s/\n", base)
	fmt.Fprintf(w, "Every demo account's password is %q. The 6-digit code changes every 30 s:\n", demo.Password)
	fmt.Fprintf(w, "open %s/demo/logins for the current codes, or add the TOTP secret to an authenticator app.\n\n", base)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	// Japanese columns last: tabwriter counts characters, not display width.
	fmt.Fprintln(tw, "NETWORK\tLOGIN ID\tTOTP SECRET\tROLE / ORGANIZATION")
	for _, l := range logins {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s / %s\n", l.Network, l.LoginID, l.TOTPSecret, l.RoleName, l.Organization)
	}
	tw.Flush()
	fmt.Fprintln(w)
}
