package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

func newCA(net string, gen int, created time.Duration) *domain.NetworkCA {
	return &domain.NetworkCA{
		NetworkID: net, Generation: gen, Serial: "0a0b" + string(rune('0'+gen)), CertDER: []byte{0x30, 0x82, byte(gen), 0x00},
		KeySealed: "v1:sealed-ca-" + net, NotBefore: at(created), NotAfter: at(created).AddDate(10, 0, 0),
		CreatedAt: at(created),
	}
}

func newSigningKey(net, id, user, serial string, created time.Duration) *domain.SigningKey {
	return &domain.SigningKey{
		NetworkID: net, ID: id, UserID: user, Serial: serial, CAGeneration: 1, CertDER: []byte("cert-" + id),
		KeySealed: "v1:sealed-" + id, NotBefore: at(created), NotAfter: at(created).AddDate(2, 0, 0), CreatedAt: at(created),
	}
}

func TestContractPKI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)

		// CA generations: a second store of the same generation stores nothing.
		a1, a2, b1 := newCA(netA, 1, 0), newCA(netA, 2, time.Hour), newCA(netB, 1, 0)
		for _, c := range []*domain.NetworkCA{a1, a2, b1} {
			if created := get(t, db, func(tx store.Tx) (bool, error) { return tx.CreateCA(ctx, c) }); !created {
				t.Errorf("CreateCA(%s/%d) = false", c.NetworkID, c.Generation)
			}
		}
		dup := newCA(netA, 1, 2*time.Hour)
		dup.CertDER = []byte("another")
		if created := get(t, db, func(tx store.Tx) (bool, error) { return tx.CreateCA(ctx, dup) }); created {
			t.Error("CreateCA stored a second generation 1")
		}
		cas := get(t, db, func(tx store.Tx) ([]*domain.NetworkCA, error) { return tx.FindCAs(ctx, netA) })
		diff(t, "FindCAs", cas, inUTCAll(a2, a1))
		none := get(t, db, func(tx store.Tx) ([]*domain.NetworkCA, error) { return tx.FindCAs(ctx, "net-none") })
		diff(t, "FindCAs of a network without CA", none, []*domain.NetworkCA{})

		// Signing keys, newest first per user, found by id and serial within their network.
		k1 := newSigningKey(netA, "k1", "u1", "s1", 0)
		k2 := newSigningKey(netA, "k2", "u1", "s2", time.Hour)
		k3 := newSigningKey(netA, "k3", "u2", "s3", 2*time.Hour)
		kb := newSigningKey(netB, "k1", "u1", "s1", 0) // same id, user and serial in another network
		run(t, db, func(tx store.Tx) error {
			for _, k := range []*domain.SigningKey{k2, k1, k3, kb} {
				if err := tx.CreateSigningKey(ctx, k); err != nil {
					return err
				}
			}
			return nil
		})
		diff(t, "FindSigningKey", get(t, db, func(tx store.Tx) (*domain.SigningKey, error) { return tx.FindSigningKey(ctx, netA, "k2") }), inUTC(k2))
		diff(t, "FindSigningKeyBySerial", get(t, db, func(tx store.Tx) (*domain.SigningKey, error) {
			return tx.FindSigningKeyBySerial(ctx, netB, "s1")
		}), inUTC(kb))
		diff(t, "FindUserSigningKeys", get(t, db, func(tx store.Tx) ([]*domain.SigningKey, error) {
			return tx.FindUserSigningKeys(ctx, netA, "u1")
		}), inUTCAll(k2, k1))
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindSigningKey(ctx, netB, "k2")
			return err
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			_, err := tx.FindSigningKeyBySerial(ctx, netB, "s3")
			return err
		})
		wantCode(t, db, domain.ECONFLICT, func(tx store.Tx) error {
			return tx.CreateSigningKey(ctx, newSigningKey(netA, "k9", "u9", "s1", 0))
		})
		// A key must name a CA generation of its network.
		if err := db.Transact(ctx, func(tx store.Tx) error {
			k := newSigningKey(netB, "k8", "u1", "s8", 0)
			k.CAGeneration = 2
			return tx.CreateSigningKey(ctx, k)
		}); err == nil {
			t.Error("a key of a CA generation the network does not have was stored")
		}

		// Revocation happens once and keeps its first time.
		run(t, db, func(tx store.Tx) error {
			return tx.RevokeSigningKey(ctx, netA, "k1", at(3*time.Hour), "u-admin", "紛失")
		})
		run(t, db, func(tx store.Tx) error {
			return tx.RevokeSigningKey(ctx, netA, "k3", at(4*time.Hour), "", "利用停止")
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			return tx.RevokeSigningKey(ctx, netA, "k1", at(5*time.Hour), "u-other", "again")
		})
		wantCode(t, db, domain.ENOTFOUND, func(tx store.Tx) error {
			return tx.RevokeSigningKey(ctx, netB, "k3", at(5*time.Hour), "", "")
		})
		r1 := *k1
		r1.RevokedAt, r1.RevokedBy, r1.RevokeReason = at(3*time.Hour), "u-admin", "紛失"
		r3 := *k3
		r3.RevokedAt, r3.RevokeReason = at(4*time.Hour), "利用停止"
		diff(t, "revoked key", get(t, db, func(tx store.Tx) (*domain.SigningKey, error) { return tx.FindSigningKey(ctx, netA, "k1") }), inUTC(&r1))
		diff(t, "FindRevokedSigningKeys", get(t, db, func(tx store.Tx) ([]*domain.SigningKey, error) {
			return tx.FindRevokedSigningKeys(ctx, netA, 1)
		}), inUTCAll(&r1, &r3))
		diff(t, "FindRevokedSigningKeys of generation 2", get(t, db, func(tx store.Tx) ([]*domain.SigningKey, error) {
			return tx.FindRevokedSigningKeys(ctx, netA, 2)
		}), []*domain.SigningKey{})
		diff(t, "FindRevokedSigningKeys of the other network", get(t, db, func(tx store.Tx) ([]*domain.SigningKey, error) {
			return tx.FindRevokedSigningKeys(ctx, netB, 1)
		}), []*domain.SigningKey{})
	})
}

// The database itself keeps CAs and keys: no removal, no change but a first
// revocation and a re-sealed key (master-key rotation), whoever writes the SQL.
func TestPKIRowsAreKept(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA)
		run(t, db, func(tx store.Tx) error {
			if _, err := tx.CreateCA(ctx, newCA(netA, 1, 0)); err != nil {
				return err
			}
			if err := tx.CreateSigningKey(ctx, newSigningKey(netA, "k1", "u1", "s1", 0)); err != nil {
				return err
			}
			return tx.CreateSigningKey(ctx, newSigningKey(netA, "k2", "u1", "s2", 0))
		})
		run(t, db, func(tx store.Tx) error { return tx.RevokeSigningKey(ctx, netA, "k2", at(time.Hour), "", "") })
		q := func(pg, lite string) string {
			if db.Dialect() == sqlstore.Postgres {
				return pg
			}
			return lite
		}
		refused := []string{
			`DELETE FROM pki_cas`,
			`DELETE FROM signing_keys WHERE id = 'k1'`,
			q(`UPDATE pki_cas SET cert = '\x00'::bytea`, `UPDATE pki_cas SET cert = x'00'`),
			`UPDATE pki_cas SET not_after = created_at`,
			q(`UPDATE signing_keys SET cert = '\x00'::bytea WHERE id = 'k1'`, `UPDATE signing_keys SET cert = x'00' WHERE id = 'k1'`),
			`UPDATE signing_keys SET user_id = 'u2' WHERE id = 'k1'`,
			`UPDATE signing_keys SET serial = 's9' WHERE id = 'k1'`,
			`UPDATE signing_keys SET revoked_at = NULL WHERE id = 'k2'`,
			`UPDATE signing_keys SET revoked_at = created_at WHERE id = 'k2'`,
			`UPDATE signing_keys SET revoke_reason = 'changed' WHERE id = 'k2'`,
		}
		if db.Dialect() == sqlstore.Postgres {
			refused = append(refused, `TRUNCATE signing_keys`, `TRUNCATE pki_cas CASCADE`)
		}
		for _, s := range refused {
			_, err := db.SQL().ExecContext(ctx, s)
			if err == nil {
				t.Errorf("%s: the database allowed it", s)
			} else if m := err.Error(); !strings.Contains(m, "append-only") && !strings.Contains(m, "never") &&
				!strings.Contains(m, "only the sealed key") {
				t.Errorf("%s: refused, but not by the triggers: %v", s, err)
			}
		}
		for _, s := range []string{
			`UPDATE pki_cas SET key_sealed = 'v1:resealed'`,
			`UPDATE signing_keys SET key_sealed = 'v1:resealed' WHERE id IN ('k1', 'k2')`,
		} {
			if _, err := db.SQL().ExecContext(ctx, s); err != nil {
				t.Errorf("%s: %v", s, err)
			}
		}
		keys := get(t, db, func(tx store.Tx) ([]*domain.SigningKey, error) { return tx.FindUserSigningKeys(ctx, netA, "u1") })
		if len(keys) != 2 || !slices.ContainsFunc(keys, func(k *domain.SigningKey) bool { return k.ID == "k2" && !k.RevokedAt.IsZero() }) {
			t.Errorf("keys after the refused changes: %d", len(keys))
		}
	})
}
