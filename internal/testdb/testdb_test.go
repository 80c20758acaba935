package testdb_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestEachGivesFreshMigratedDatabases(t *testing.T) {
	ctx := context.Background()
	var dialects []string
	for range 2 {
		testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
			dialects = append(dialects, db.Dialect())
			applied, latest, err := db.MigrationVersion(ctx)
			if err != nil || applied != latest || latest == 0 {
				t.Fatalf("MigrationVersion = %d, %d, %v; want latest applied", applied, latest, err)
			}
			// A row left by the previous round would make this a conflict.
			if _, err := db.SQL().ExecContext(ctx,
				`INSERT INTO leases (name, holder, expires_at) VALUES ('fresh', 'x', CURRENT_TIMESTAMP)`); err != nil {
				t.Fatalf("insert into a fresh database: %v", err)
			}
		})
	}
	want := []string{"sqlite", "postgres", "sqlite", "postgres"}
	if os.Getenv("RENRAKU_TEST_REQUIRE_POSTGRES") != "1" && len(dialects) == 2 {
		want = []string{"sqlite", "sqlite"} // PostgreSQL skipped on this machine
	}
	if !slices.Equal(dialects, want) {
		t.Errorf("dialects run = %v, want %v", dialects, want)
	}
}

func TestURLIsEmpty(t *testing.T) {
	ctx := context.Background()
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			db, err := sqlstore.Open(ctx, testdb.URL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			applied, latest, err := db.MigrationVersion(ctx)
			if err != nil || applied != 0 || latest == 0 {
				t.Fatalf("MigrationVersion of a new database = %d, %d, %v; want 0 applied", applied, latest, err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if applied, _, _ := db.MigrationVersion(ctx); applied != latest {
				t.Fatalf("applied = %d after Migrate, want %d", applied, latest)
			}
		})
	}
}
