package store

import (
	"context"
	"time"

	"renraku/internal/domain"
)

// PKIStore holds each network's certificate authority and its users' signing
// keys. Private keys arrive and leave sealed; the store never sees them in clear.
type PKIStore interface {
	// CreateCA stores a CA generation unless the network already has that
	// generation (a concurrent first use), and reports whether it stored it.
	CreateCA(ctx context.Context, ca *domain.NetworkCA) (bool, error)
	// FindCAs lists a network's CA generations, newest first.
	FindCAs(ctx context.Context, net string) ([]*domain.NetworkCA, error)
	CreateSigningKey(ctx context.Context, k *domain.SigningKey) error
	FindSigningKey(ctx context.Context, net, id string) (*domain.SigningKey, error)
	FindSigningKeyBySerial(ctx context.Context, net, serial string) (*domain.SigningKey, error)
	// FindUserSigningKeys lists a user's keys, revoked ones included, newest first.
	FindUserSigningKeys(ctx context.Context, net, userID string) ([]*domain.SigningKey, error)
	// FindRevokedSigningKeys lists the revoked keys a CA generation issued, oldest
	// revocation first (the CRL).
	FindRevokedSigningKeys(ctx context.Context, net string, caGeneration int) ([]*domain.SigningKey, error)
	// RevokeSigningKey sets the revocation of a key not yet revoked; a key already
	// revoked keeps its first revocation and the call fails with ENOTFOUND.
	RevokeSigningKey(ctx context.Context, net, id string, at time.Time, by, reason string) error
}
