package sqlstore

import (
	"context"

	"renraku/internal/domain"
)

func (t *Tx) CreateHousehold(ctx context.Context, h *domain.Household) error {
	_, err := t.exec(ctx, `INSERT INTO households (network_id, id, name, created_at) VALUES ($1, $2, $3, $4)`,
		h.NetworkID, h.ID, h.Name, h.CreatedAt.UTC())
	return err
}

func (t *Tx) FindHousehold(ctx context.Context, net, id string) (*domain.Household, error) {
	var h domain.Household
	if err := t.queryRow(ctx, `SELECT network_id, id, name, created_at FROM households WHERE network_id = $1 AND id = $2`, net, id).
		Scan(&h.NetworkID, &h.ID, &h.Name, &h.CreatedAt); err != nil {
		return nil, normalize(err)
	}
	h.CreatedAt = h.CreatedAt.UTC()
	return &h, nil
}

func (t *Tx) FindHouseholdMembers(ctx context.Context, net, householdID string) ([]*domain.Person, error) {
	// "" is "no household", not a household of everyone without one.
	if householdID == "" {
		return nil, nil
	}
	return t.people(ctx, `SELECT `+personCols+` FROM people WHERE network_id = $1 AND household_id = $2
		ORDER BY family_kana, given_kana, id`, net, householdID)
}
