// Package sqlstore implements store.Store on PostgreSQL (pgx through database/sql)
// and on SQLite (modernc.org/sqlite, pure Go). SQL is written once in the common
// subset with $N placeholders, rewritten to ?N for SQLite; the few real differences
// are switched on the dialect here and in the per-dialect migrations.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"renraku/internal/domain"
	"renraku/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// DB is a store.Store on one database.
type DB struct {
	db      *sql.DB
	dialect string
	mu      sync.Mutex
	rewrite map[string]string
}

var _ store.Store = (*DB)(nil)

// Open opens "sqlite:PATH" or a "postgres://" / "postgresql://" URL. It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var d *DB
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("sqlite: empty path")
		}
		// WAL for concurrent readers, foreign keys on, a busy timeout for writers
		// waiting on each other, and BEGIN IMMEDIATE so a transaction takes the
		// write lock up front instead of failing on upgrade.
		// The path goes into a file: URI, where "#" would end it (and drop every
		// pragma) and "?" or "%" would be misread: escape them.
		conn := "file:" + uriPath.Replace(path) + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)" +
			"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"
		db, err := sql.Open("sqlite", conn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(8)
		d = &DB{db: db, dialect: SQLite}
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		d = &DB{db: db, dialect: Postgres}
	default:
		return nil, fmt.Errorf("unsupported database %q: use sqlite:PATH or a postgres:// URL", redact(dsn))
	}
	d.rewrite = map[string]string{}
	if err := d.Ping(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	return d, nil
}

var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// redact hides a password in a URL so it never reaches a log line.
func redact(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 {
		if j := strings.Index(dsn, "://"); j > 0 && j < i {
			return dsn[:j+3] + "…" + dsn[i:]
		}
	}
	return dsn
}

func (d *DB) Dialect() string { return d.dialect }

// SQL exposes the handle for tests and tools that must go around the store (the
// tamper tests of the audit log). The application never uses it.
func (d *DB) SQL() *sql.DB { return d.db }

func (d *DB) Close() error { return d.db.Close() }

func (d *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return d.db.PingContext(ctx)
}

// q rewrites $N placeholders for SQLite (which numbers them ?N).
func (d *DB) q(query string) string {
	if d.dialect != SQLite {
		return query
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.rewrite[query]; ok {
		return r
	}
	var b strings.Builder
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '$' && i+1 < len(query) && query[i+1] >= '0' && query[i+1] <= '9' {
			b.WriteByte('?')
			continue
		}
		b.WriteByte(c)
	}
	r := b.String()
	d.rewrite[query] = r
	return r
}

// Transact runs fn in a transaction and retries on serialization failures,
// deadlocks and SQLite busy errors, with jittered backoff.
func (d *DB) Transact(ctx context.Context, fn func(store.Tx) error) error {
	const attempts = 8
	var err error
	for i := 0; i < attempts; i++ {
		err = d.transactOnce(ctx, fn)
		if err == nil || !retryable(err) {
			return normalize(err)
		}
		backoff := time.Duration(5<<i)*time.Millisecond + time.Duration(rand.IntN(5))*time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return normalize(err)
}

func (d *DB) transactOnce(ctx context.Context, fn func(store.Tx) error) (err error) {
	sqltx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			sqltx.Rollback()
			panic(p)
		}
		if err != nil {
			sqltx.Rollback()
		}
	}()
	if err = fn(&Tx{d: d, tx: sqltx}); err != nil {
		return err
	}
	return sqltx.Commit()
}

func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// normalize maps driver errors to the domain vocabulary.
func normalize(err error) error {
	if err == nil {
		return nil
	}
	if domain.AsError(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &domain.Error{Code: domain.ENOTFOUND, Message: "見つかりません。", Err: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &domain.Error{Code: domain.ECONFLICT, Message: "既に登録されています。", Err: err}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) && (sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return &domain.Error{Code: domain.ECONFLICT, Message: "既に登録されています。", Err: err}
	}
	return err
}

// likeEscape makes s a literal LIKE pattern under ESCAPE '\', so user input such
// as "100%" or "staff_request" matches itself only. SQLite has no default escape
// character; PostgreSQL's is the same backslash.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

type migration struct {
	version int
	name    string
	sql     string
}

func (d *DB) migrations() ([]migration, error) {
	dir := "migrations/" + d.dialect
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		b, err := migrationsFS.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations of %s are not numbered 1..n: %s", d.dialect, m.name)
		}
	}
	return ms, nil
}

func (d *DB) ensureMigrationTable(ctx context.Context) error {
	// Look before creating: the application's PostgreSQL role has no CREATE
	// privilege and must still be able to start against a current schema.
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if d.dialect == Postgres {
		exists = `SELECT COUNT(*) FROM pg_class WHERE oid = to_regclass('schema_migrations')`
	}
	var n int
	if err := d.db.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
	return err
}

func (d *DB) MigrationVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := d.migrations()
	if err != nil {
		return 0, 0, err
	}
	if err := d.ensureMigrationTable(ctx); err != nil {
		return 0, 0, err
	}
	var v sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, 0, err
	}
	return int(v.Int64), len(ms), nil
}

// Migrate applies pending migrations, each in its own transaction. On PostgreSQL an
// advisory lock keeps two starting processes from migrating at once.
func (d *DB) Migrate(ctx context.Context) error {
	ms, err := d.migrations()
	if err != nil {
		return err
	}
	if err := d.ensureMigrationTable(ctx); err != nil {
		return err
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727274)`)
	}
	for _, m := range ms {
		var n int
		if err := conn.QueryRowContext(ctx, d.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = $1`), m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`),
			m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// Tx is one transaction; it implements store.Tx.
type Tx struct {
	d  *DB
	tx *sql.Tx
}

var _ store.Tx = (*Tx)(nil)

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := t.tx.ExecContext(ctx, t.d.q(query), args...)
	return r, normalize(err)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.d.q(query), args...)
}

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.d.q(query), args...)
}

// mustAffect turns "no row updated" into not found.
func mustAffect(r sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// nt stores the zero time as NULL; times are always UTC.
func nt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// ut converts a scanned nullable time to UTC.
func ut(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
