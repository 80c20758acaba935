// Package testdb gives tests fresh databases of both dialects: SQLite in a temporary
// directory, and PostgreSQL as one database per test on a shared server.
//
// The PostgreSQL server is RENRAKU_TEST_POSTGRES (a postgres:// URL of a role that
// may CREATE DATABASE) when set; otherwise a throwaway cluster that this package
// starts on first use from the server binaries of the machine and stops when the
// tests end. Without either, PostgreSQL tests skip, unless
// RENRAKU_TEST_REQUIRE_POSTGRES=1 (CI), which makes the test binary fail at once.
//
// A package that uses it declares
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"renraku/internal/store/sqlstore"
)

const (
	envURL     = "RENRAKU_TEST_POSTGRES"
	envRequire = "RENRAKU_TEST_REQUIRE_POSTGRES"
)

var (
	mainCalled atomic.Bool
	binDir     string // PostgreSQL server binaries, when found

	startOnce sync.Once
	admin     *sql.DB // connection to the server's maintenance database
	adminURL  *url.URL
	startErr  error
	skipMsg   string
	cluster   *localCluster

	dbSeq  atomic.Int64
	runTag = randomHex(4) // keeps database names of concurrent test binaries apart
)

// Dialects returns the dialects Each runs, in order.
func Dialects() []string { return []string{sqlstore.SQLite, sqlstore.Postgres} }

// Main runs the tests of a package and, if a PostgreSQL cluster was started for
// them, stops it and removes its files before the process exits.
func Main(m *testing.M) {
	mainCalled.Store(true)
	if os.Getenv(envURL) == "" {
		binDir = findServerBinaries()
		if binDir == "" && os.Getenv(envRequire) == "1" {
			fmt.Fprintf(os.Stderr, "testdb: %s=1 but PostgreSQL is not available: %s is unset and no server binaries "+
				"(initdb, pg_ctl, postgres) were found in /usr/lib/postgresql/*/bin or PATH; run scripts/test.sh, "+
				"which installs them\n", envRequire, envURL)
			os.Exit(1)
		}
	}
	code := m.Run()
	shutdown()
	os.Exit(code)
}

func shutdown() {
	if admin != nil {
		admin.Close()
	}
	if cluster != nil {
		if err := cluster.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "testdb:", err)
		}
	}
}

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh migrated
// database. fn may call t.Parallel.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh migrated database of dialect, closed (and for PostgreSQL
// dropped) when the test ends.
func Open(t testing.TB, dialect string) *sqlstore.DB {
	t.Helper()
	dsn := URL(t, dialect)
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("testdb: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrate %s: %v", dialect, err)
	}
	return db
}

// URL returns the DSN of a fresh, empty (unmigrated) database of dialect, removed
// when the test ends (PostgreSQL connections still open then are terminated).
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case sqlstore.SQLite:
		return "sqlite:" + filepath.Join(memDir(t), "renraku.db")
	case sqlstore.Postgres:
		return postgresURL(t)
	}
	t.Fatalf("testdb: unknown dialect %q", dialect)
	return ""
}

func postgresURL(t testing.TB) string {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("testdb: PostgreSQL tests need func TestMain(m *testing.M) { testdb.Main(m) } in the package")
	}
	startOnce.Do(start)
	if skipMsg != "" {
		t.Skip(skipMsg)
	}
	if startErr != nil {
		t.Fatalf("testdb: %v", startErr)
	}
	name := fmt.Sprintf("renraku_test_%s_%d", runTag, dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testdb: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	u := *adminURL
	u.Path = "/" + name
	return u.String()
}

// start connects to the configured server or starts a local cluster. It sets
// exactly one of admin, skipMsg and startErr.
func start() {
	raw := os.Getenv(envURL)
	if raw == "" {
		if binDir == "" {
			skipMsg = fmt.Sprintf("testdb: PostgreSQL not available (set %s or install the server, e.g. by running scripts/test.sh)", envURL)
			return
		}
		var err error
		cluster, err = startCluster(binDir)
		if err != nil {
			startErr = err
			return
		}
		raw = cluster.url
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		startErr = fmt.Errorf("%s must be a postgres:// URL", envURL)
		return
	}
	db, err := sql.Open("pgx", u.String())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		startErr = fmt.Errorf("connect to the PostgreSQL test server: %w", err)
		return
	}
	admin, adminURL = db, u
}

// findServerBinaries returns the directory of initdb, pg_ctl and postgres: the
// newest Debian-style /usr/lib/postgresql/N/bin, else the one on PATH.
func findServerBinaries() string {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return n
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(p)) {
			return filepath.Dir(p)
		}
	}
	return ""
}

// localCluster is a throwaway PostgreSQL cluster. A watchdog process, whose stdin
// is a pipe from this process, stops it and removes its files when the pipe
// closes: normally from stop, otherwise when this process dies in any way
// (panic, test timeout, kill), so no server outlives the tests.
type localCluster struct {
	dir      string
	url      string
	watchdog *exec.Cmd
	pipe     io.WriteCloser
}

// asServerUser prefixes a command so it runs as the postgres OS user when we are
// root: initdb and the server refuse to run as root.
func asServerUser(name string, args ...string) []string {
	if os.Geteuid() != 0 {
		return append([]string{name}, args...)
	}
	return append([]string{"runuser", "-u", "postgres", "--", name}, args...)
}

func startCluster(bin string) (*localCluster, error) {
	dir, err := os.MkdirTemp("", "renraku-pg-")
	if err != nil {
		return nil, err
	}
	c := &localCluster{dir: dir}
	data, run := filepath.Join(dir, "data"), filepath.Join(dir, "run")
	err = func() error {
		for _, d := range []string{data, run} {
			if err := os.Mkdir(d, 0o700); err != nil {
				return err
			}
		}
		if os.Geteuid() == 0 {
			if err := os.Chmod(dir, 0o755); err != nil {
				return err
			}
			uid, gid, err := postgresUser()
			if err != nil {
				return err
			}
			for _, d := range []string{data, run} {
				if err := os.Chown(d, uid, gid); err != nil {
					return err
				}
			}
		}
		if err := c.run(asServerUser(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
			"-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions")); err != nil {
			return err
		}
		if err := c.startWatchdog(bin); err != nil {
			return err
		}
		// A port taken between choosing and binding is retried.
		for attempt := 0; ; attempt++ {
			port, err := freePort()
			if err != nil {
				return err
			}
			opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "+
				"-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300", port, run)
			err = c.run(asServerUser(filepath.Join(bin, "pg_ctl"), "start", "-w", "-t", "60", "-D", data,
				"-l", filepath.Join(run, "server.log"), "-o", opts))
			if err == nil {
				c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
				return nil
			}
			if attempt == 2 {
				return err
			}
		}
	}()
	if err != nil {
		if log, _ := os.ReadFile(filepath.Join(run, "server.log")); len(log) > 0 {
			err = fmt.Errorf("%w\nserver log:\n%s", err, tail(log, 2000))
		}
		if c.pipe != nil {
			c.stop()
		} else {
			os.RemoveAll(dir)
		}
		return nil, fmt.Errorf("start PostgreSQL cluster: %w", err)
	}
	return c, nil
}

// run runs a command in the cluster's directory (readable by the postgres user,
// unlike the caller's working directory perhaps).
func (c *localCluster) run(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, tail(out, 2000))
	}
	return nil
}

func (c *localCluster) startWatchdog(bin string) error {
	stop := asServerUser(filepath.Join(bin, "pg_ctl"), "stop", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "-t", "30")
	// $0 is the cluster directory, "$@" the stop command.
	script := `trap '' INT TERM HUP
cat >/dev/null
if [ -f "$0/data/postmaster.pid" ]; then "$@" >/dev/null; fi
rm -rf "$0"`
	args := append([]string{"-c", script, c.dir}, stop...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Dir = c.dir
	cmd.Stderr = os.Stderr
	// Its own session: a Ctrl-C of go test must not kill it before it cleans up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	pipe, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.watchdog, c.pipe = cmd, pipe
	return nil
}

// stop closes the watchdog's pipe and waits for it to stop the server and remove
// the cluster's files.
func (c *localCluster) stop() error {
	c.pipe.Close()
	if err := c.watchdog.Wait(); err != nil {
		return fmt.Errorf("stop PostgreSQL cluster in %s: %v", c.dir, err)
	}
	return nil
}

func postgresUser() (uid, gid int, err error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("no postgres OS user to run the test server as (install the postgresql package): %w", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// memDir is a temporary directory in memory (/dev/shm) where there is one, so that
// SQLite's synchronous commits cost no disk flush in tests, as the PostgreSQL test
// cluster runs with fsync off; elsewhere t.TempDir.
func memDir(t testing.TB) string {
	dir, err := os.MkdirTemp("/dev/shm", "renraku-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
