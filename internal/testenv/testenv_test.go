package testenv_test

import (
	"context"
	"testing"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestEnv: a network's first operator, as Network sets it up, logs in with the
// password and a fresh code, and the audit log of it all verifies.
func TestEnv(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		env := testenv.New(t, db)
		if got := env.Clock.Now(); !got.Equal(testenv.Start) || got.In(testenv.Start.Location()).Weekday().String() != "Tuesday" {
			t.Errorf("clock starts at %v", got)
		}
		op := env.Network(t, "beppu", "beppu")
		if op.Password != testenv.Password || env.Secret(op.UserID) == "" {
			t.Fatalf("operator %+v", op)
		}
		ctx := domain.WithRequestMeta(context.Background(), domain.RequestMeta{RemoteAddr: "192.0.2.1", RequestID: "t"})
		for range 2 { // a fresh code each time: a code's step is accepted once
			res, err := env.Accounts.Login(ctx, accounts.LoginInput{Network: "beppu", LoginID: op.LoginID,
				Password: op.Password, OTP: env.FreshTOTP(env.Secret(op.UserID)), Kind: "api"})
			if err != nil || res.Session.Stage != domain.StageFull {
				t.Fatalf("login: %v", err)
			}
		}
		env.SealAndVerify(t, "beppu")
	})
}
