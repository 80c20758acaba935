package sqlstore

import (
	"context"

	"renraku/internal/domain"
)

// CreateAttachment stores a content-addressed file. The id is the hash of the
// content, so a second upload of the same file keeps the first row as it is.
func (t *Tx) CreateAttachment(ctx context.Context, a *domain.Attachment) error {
	data := a.Data
	if data == nil {
		data = []byte{}
	}
	_, err := t.exec(ctx, `INSERT INTO attachments (network_id, id, content_type, size, data, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (network_id, id) DO NOTHING`,
		a.NetworkID, a.ID, a.ContentType, a.Size, data, a.CreatedAt.UTC(), a.CreatedBy)
	return err
}

func (t *Tx) FindAttachment(ctx context.Context, net, id string) (*domain.Attachment, error) {
	var a domain.Attachment
	if err := t.queryRow(ctx, `SELECT network_id, id, content_type, size, data, created_at, created_by FROM attachments
		WHERE network_id = $1 AND id = $2`, net, id).
		Scan(&a.NetworkID, &a.ID, &a.ContentType, &a.Size, &a.Data, &a.CreatedAt, &a.CreatedBy); err != nil {
		return nil, normalize(err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// DeleteAttachment is idempotent like CreateAttachment: several consents may name
// one file (the same scan entered twice has one id), and a purge deletes the file
// of each consent, so a file already gone is not an error.
func (t *Tx) DeleteAttachment(ctx context.Context, net, id string) error {
	_, err := t.exec(ctx, `DELETE FROM attachments WHERE network_id = $1 AND id = $2`, net, id)
	return err
}

func (t *Tx) AttachmentInUse(ctx context.Context, net, id, exceptPerson string) (bool, error) {
	// A timeline entry of another person may carry the same file (entry_attachments).
	var n int
	err := t.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM consents WHERE network_id = $1 AND attachment_id = $2 AND person_id <> $3)
		+ (SELECT COUNT(*) FROM entry_attachments ea JOIN timeline_entries e ON e.network_id = ea.network_id AND e.id = ea.entry_id
		   WHERE ea.network_id = $1 AND ea.attachment_id = $2 AND e.person_id <> $3)`,
		net, id, exceptPerson).Scan(&n)
	return n > 0, err
}
