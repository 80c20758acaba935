package sqlstore

import (
	"context"
	"fmt"
	"regexp"
)

var roleRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// auditTables are append-only: the application role may read and add, never change.
var auditTables = map[string]bool{"audit_events": true, "audit_leaves": true, "audit_checkpoints": true}

// GrantAppRole gives the PostgreSQL role the application runs as exactly what it
// needs: full use of the ordinary tables, but only SELECT and INSERT on the audit
// log, so even with the append-only triggers disabled by an administrator the
// application's own connection cannot rewrite history. Run it as the schema owner
// after Migrate (`renraku migrate --app-role NAME`).
func (d *DB) GrantAppRole(ctx context.Context, role string) error {
	if d.dialect != Postgres {
		return fmt.Errorf("--app-role applies to PostgreSQL only (SQLite has no roles; its triggers guard the audit log)")
	}
	if !roleRe.MatchString(role) {
		return fmt.Errorf("role name %q: use lowercase letters, digits and _", role)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmts := []string{`GRANT USAGE ON SCHEMA public TO ` + role}
	for _, t := range tables {
		switch {
		case auditTables[t]:
			stmts = append(stmts, `REVOKE ALL ON `+t+` FROM `+role, `GRANT SELECT, INSERT ON `+t+` TO `+role)
		case t == "schema_migrations":
			stmts = append(stmts, `GRANT SELECT ON `+t+` TO `+role)
		default:
			stmts = append(stmts, `GRANT SELECT, INSERT, UPDATE, DELETE ON `+t+` TO `+role)
		}
	}
	stmts = append(stmts, `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO `+role)
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return tx.Commit()
}
