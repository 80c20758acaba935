package storetest

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// TestAppRoleCannotRewriteAudit: on PostgreSQL the application's role gets SELECT
// and INSERT on the audit tables and nothing more, so even with the append-only
// triggers switched off by an administrator its connection cannot alter or delete
// an audit event (beppu §10-3, fukuoka §9-3).
func TestAppRoleCannotRewriteAudit(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.URL(t, sqlstore.Postgres)
	owner, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := owner.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	role := "renraku_app_" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "_"))[:8] + time.Now().Format("150405")
	if _, err := owner.SQL().Exec(`CREATE ROLE ` + role + ` LOGIN`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		owner.SQL().Exec(`DROP OWNED BY ` + role)
		owner.SQL().Exec(`DROP ROLE ` + role)
	})
	if err := owner.GrantAppRole(ctx, role); err != nil {
		t.Fatal(err)
	}
	if err := owner.GrantAppRole(ctx, "Robert'); DROP TABLE users;--"); err == nil {
		t.Error("a malformed role name was accepted")
	}

	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	app, err := sqlstore.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	// The application's role can start (migrations current) and do its work.
	if err := app.Migrate(ctx); err != nil {
		t.Fatalf("migrate as the app role with nothing to do: %v", err)
	}
	now := time.Now().UTC()
	if err := app.Transact(ctx, func(tx store.Tx) error {
		if err := tx.CreateNetwork(ctx, &domain.Network{ID: "beppu", Profile: "beppu", Name: "別府", CreatedAt: now}); err != nil {
			return err
		}
		return tx.InsertAuditEvent(ctx, &domain.AuditEvent{NetworkID: "beppu", At: now, Action: "network.create", Outcome: "ok", Detail: "{}", MAC: "m"})
	}); err != nil {
		t.Fatalf("app role work: %v", err)
	}
	if _, err := owner.SQL().Exec(`ALTER TABLE audit_events DISABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_events SET actor_login = 'someone-else'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
		`DELETE FROM audit_leaves`,
		`UPDATE audit_checkpoints SET note = ''`,
	} {
		_, err := app.SQL().Exec(q)
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as the app role: %v, want permission denied", q, err)
		}
	}
	var n int
	if err := owner.SQL().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE actor_login = ''`).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit event after the attempts: %d rows unchanged, err %v", n, err)
	}
}
