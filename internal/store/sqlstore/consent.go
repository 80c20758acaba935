package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"renraku/internal/domain"
)

const consentCols = `network_id, id, person_id, kind, signer_name, relationship, consented_on, form_version, scopes,
	legal_basis, attachment_id, entered_by, entered_org, created_at, withdrawn_at, withdrawn_by, withdraw_note`

func (t *Tx) CreateConsent(ctx context.Context, c *domain.Consent) error {
	scopes, err := json.Marshal(nonNil(c.Scopes))
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO consents (`+consentCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		c.NetworkID, c.ID, c.PersonID, c.Kind, c.SignerName, c.Relationship, c.ConsentedOn, c.FormVersion, string(scopes),
		c.LegalBasis, c.AttachmentID, c.EnteredBy, c.EnteredOrg, c.CreatedAt.UTC(), nt(c.WithdrawnAt), c.WithdrawnBy, c.WithdrawNote)
	return err
}

func scanConsent(sc interface{ Scan(...any) error }) (*domain.Consent, error) {
	var c domain.Consent
	var scopes string
	var withdrawn sql.NullTime
	if err := sc.Scan(&c.NetworkID, &c.ID, &c.PersonID, &c.Kind, &c.SignerName, &c.Relationship, &c.ConsentedOn,
		&c.FormVersion, &scopes, &c.LegalBasis, &c.AttachmentID, &c.EnteredBy, &c.EnteredOrg, &c.CreatedAt, &withdrawn,
		&c.WithdrawnBy, &c.WithdrawNote); err != nil {
		return nil, normalize(err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.WithdrawnAt = ut(withdrawn)
	if err := json.Unmarshal([]byte(scopes), &c.Scopes); err != nil {
		return nil, err
	}
	return &c, nil
}

func (t *Tx) FindConsents(ctx context.Context, net, personID string) ([]*domain.Consent, error) {
	rows, err := t.query(ctx, `SELECT `+consentCols+` FROM consents WHERE network_id = $1 AND person_id = $2
		ORDER BY created_at DESC, id`, net, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateConsent records a withdrawal. A consent is the record of a signed form:
// what was signed, by whom and when is never rewritten, so only the withdrawal
// fields are written.
func (t *Tx) UpdateConsent(ctx context.Context, c *domain.Consent) error {
	return mustAffect(t.exec(ctx, `UPDATE consents SET withdrawn_at = $3, withdrawn_by = $4, withdraw_note = $5
		WHERE network_id = $1 AND id = $2`, c.NetworkID, c.ID, nt(c.WithdrawnAt), c.WithdrawnBy, c.WithdrawNote))
}

// PurgeConsents is the one rewrite of a consent: a purge (sendai §12-3) deletes the
// personal data it names.
func (t *Tx) PurgeConsents(ctx context.Context, net, personID string) error {
	_, err := t.exec(ctx, `UPDATE consents SET signer_name = '', relationship = '', attachment_id = '', withdraw_note = ''
		WHERE network_id = $1 AND person_id = $2`, net, personID)
	return err
}
