package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"renraku/internal/domain"
)

const userCols = `network_id, id, login_id, org_id, role, operator_role, occupation, display_name, email, password_hash,
	must_change_password, totp_secret, totp_enabled, totp_last_step, status, suspend_reason, failed_logins, locked_until,
	created_at, updated_at, password_changed_at, last_login_at, replaced_by`

func (t *Tx) CreateUser(ctx context.Context, u *domain.User) error {
	_, err := t.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
		$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		u.NetworkID, u.ID, u.LoginID, u.OrgID, string(u.Role), u.OperatorRole, u.Occupation, u.DisplayName, u.Email,
		u.PasswordHash, u.MustChangePassword, u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep, string(u.Status),
		u.SuspendReason, u.FailedLogins, nt(u.LockedUntil), u.CreatedAt.UTC(), u.UpdatedAt.UTC(),
		nt(u.PasswordChangedAt), nt(u.LastLoginAt), u.ReplacedBy)
	return err
}

func scanUser(sc interface{ Scan(...any) error }) (*domain.User, error) {
	var u domain.User
	var role, status string
	var locked, pwChanged, lastLogin sql.NullTime
	if err := sc.Scan(&u.NetworkID, &u.ID, &u.LoginID, &u.OrgID, &role, &u.OperatorRole, &u.Occupation, &u.DisplayName,
		&u.Email, &u.PasswordHash, &u.MustChangePassword, &u.TOTPSecret, &u.TOTPEnabled, &u.TOTPLastStep, &status,
		&u.SuspendReason, &u.FailedLogins, &locked, &u.CreatedAt, &u.UpdatedAt, &pwChanged, &lastLogin, &u.ReplacedBy); err != nil {
		return nil, normalize(err)
	}
	u.Role, u.Status = domain.Role(role), domain.UserStatus(status)
	u.LockedUntil, u.PasswordChangedAt, u.LastLoginAt = ut(locked), ut(pwChanged), ut(lastLogin)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

func (t *Tx) FindUser(ctx context.Context, net, id string) (*domain.User, error) {
	return scanUser(t.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE network_id = $1 AND id = $2`, net, id))
}

func (t *Tx) FindUserByLogin(ctx context.Context, net, loginID string) (*domain.User, error) {
	return scanUser(t.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE network_id = $1 AND login_id = $2`, net, loginID))
}

func (t *Tx) FindUsers(ctx context.Context, net string, f domain.UserFilter) ([]*domain.User, error) {
	rows, err := t.query(ctx, `SELECT `+userCols+` FROM users WHERE network_id = $1
		AND (CAST($2 AS TEXT) = '' OR org_id = $2) AND (CAST($3 AS TEXT) = '' OR role = $3)
		AND (CAST($4 AS TEXT) = '' OR status = $4) AND ($5 = FALSE OR org_id = '')
		ORDER BY org_id, display_name, id`, net, f.OrgID, string(f.Role), string(f.Status), f.NoOrgOnly)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (t *Tx) UpdateUser(ctx context.Context, u *domain.User) error {
	return mustAffect(t.exec(ctx, `UPDATE users SET login_id = $3, org_id = $4, role = $5, operator_role = $6,
		occupation = $7, display_name = $8, email = $9, password_hash = $10, must_change_password = $11,
		totp_secret = $12, totp_enabled = $13, totp_last_step = $14, status = $15, suspend_reason = $16,
		failed_logins = $17, locked_until = $18, updated_at = $19, password_changed_at = $20, last_login_at = $21,
		replaced_by = $22 WHERE network_id = $1 AND id = $2`,
		u.NetworkID, u.ID, u.LoginID, u.OrgID, string(u.Role), u.OperatorRole, u.Occupation, u.DisplayName, u.Email,
		u.PasswordHash, u.MustChangePassword, u.TOTPSecret, u.TOTPEnabled, u.TOTPLastStep, string(u.Status),
		u.SuspendReason, u.FailedLogins, nt(u.LockedUntil), u.UpdatedAt.UTC(), nt(u.PasswordChangedAt),
		nt(u.LastLoginAt), u.ReplacedBy))
}

func (t *Tx) RecordFailedLogin(ctx context.Context, net, id string, lockUntil func(int) time.Time) (int, error) {
	var n int
	if err := t.queryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE network_id = $1 AND id = $2
		RETURNING failed_logins`, net, id).Scan(&n); err != nil {
		return 0, normalize(err)
	}
	if until := lockUntil(n); !until.IsZero() {
		if _, err := t.exec(ctx, `UPDATE users SET locked_until = $3 WHERE network_id = $1 AND id = $2`, net, id, until.UTC()); err != nil {
			return n, err
		}
	}
	return n, nil
}
