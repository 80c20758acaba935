package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"strconv"
	"strings"

	"renraku/internal/domain"
)

// The shared timeline (連絡帳). Entries are listed by thread: a page holds first
// entries, newest first; the replies of the page's threads come in one more query.

const entryCols = `network_id, id, person_id, thread_id, reply_to, category, body, action_required, author_id,
	author_name, author_org, author_occupation, version, created_at, updated_at, deleted_at, deleted_by, deleted_by_name,
	done_at, done_by, done_by_name`

// Limits of one page of FindEntries and FindInbox.
const (
	entryPageDefault = 20
	entryPageMax     = 100
)

func (t *Tx) CreateEntry(ctx context.Context, e *domain.Entry) error {
	if _, err := t.exec(ctx, `INSERT INTO timeline_entries (`+entryCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		e.NetworkID, e.ID, e.PersonID, e.ThreadID, e.ReplyTo, e.Category, e.Body, e.ActionRequired, e.AuthorID,
		e.AuthorName, e.AuthorOrg, e.AuthorOccupation, e.Version, e.CreatedAt.UTC(), e.UpdatedAt.UTC(), nt(e.DeletedAt),
		e.DeletedBy, e.DeletedByName, nt(e.DoneAt), e.DoneBy, e.DoneByName); err != nil {
		return err
	}
	if err := t.AddEntryVersion(ctx, &domain.EntryVersion{NetworkID: e.NetworkID, EntryID: e.ID, Version: e.Version,
		Body: e.Body, EditedBy: e.AuthorID, EditedByName: e.AuthorName, EditedAt: e.CreatedAt}); err != nil {
		return err
	}
	for _, a := range e.Addressees {
		if _, err := t.exec(ctx, `INSERT INTO timeline_addressees (network_id, entry_id, kind, target_id) VALUES ($1, $2, $3, $4)`,
			e.NetworkID, e.ID, a.Kind, a.ID); err != nil {
			return err
		}
	}
	for _, id := range e.Attachments {
		if _, err := t.exec(ctx, `INSERT INTO entry_attachments (network_id, entry_id, attachment_id) VALUES ($1, $2, $3)`,
			e.NetworkID, e.ID, id); err != nil {
			return err
		}
	}
	return nil
}

func scanEntry(sc interface{ Scan(...any) error }) (*domain.Entry, error) {
	var e domain.Entry
	var deleted, done sql.NullTime
	if err := sc.Scan(&e.NetworkID, &e.ID, &e.PersonID, &e.ThreadID, &e.ReplyTo, &e.Category, &e.Body, &e.ActionRequired,
		&e.AuthorID, &e.AuthorName, &e.AuthorOrg, &e.AuthorOccupation, &e.Version, &e.CreatedAt, &e.UpdatedAt, &deleted,
		&e.DeletedBy, &e.DeletedByName, &done, &e.DoneBy, &e.DoneByName); err != nil {
		return nil, normalize(err)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.DeletedAt, e.DoneAt = ut(deleted), ut(done)
	return &e, nil
}

// entries runs a query of entryCols (prefixed as the query needs) and fills in
// the addressees and attachments of what it returns.
func (t *Tx) entries(ctx context.Context, query string, args ...any) ([]*domain.Entry, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, normalize(err)
	}
	var out []*domain.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, normalize(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	return out, t.fillEntries(ctx, out)
}

// fillEntries loads the addressees and attachments of entries of one network in
// one query (a page's entries cost one round trip more, not two).
func (t *Tx) fillEntries(ctx context.Context, es []*domain.Entry) error {
	byID := map[string]*domain.Entry{}
	ids := make([]string, 0, len(es))
	for _, e := range es {
		byID[e.ID] = e
		ids = append(ids, e.ID)
	}
	args := []any{es[0].NetworkID}
	in := entryIn(&args, ids)
	rows, err := t.query(ctx, `SELECT entry_id, kind, target_id FROM timeline_addressees WHERE network_id = $1 AND entry_id IN (`+in+`)
		UNION ALL SELECT entry_id, '', attachment_id FROM entry_attachments WHERE network_id = $1 AND entry_id IN (`+in+`)
		ORDER BY 1, 2, 3`, args...)
	if err != nil {
		return normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, target string
		if err := rows.Scan(&id, &kind, &target); err != nil {
			return normalize(err)
		}
		if kind == "" {
			byID[id].Attachments = append(byID[id].Attachments, target)
		} else {
			byID[id].Addressees = append(byID[id].Addressees, domain.Addressee{Kind: kind, ID: target})
		}
	}
	return normalize(rows.Err())
}

// entryIn binds vals and returns their placeholders, comma-separated.
func entryIn(args *[]any, vals []string) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		*args = append(*args, v)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ", ")
}

func (t *Tx) FindEntry(ctx context.Context, net, id string) (*domain.Entry, error) {
	es, err := t.entries(ctx, `SELECT `+entryCols+` FROM timeline_entries WHERE network_id = $1 AND id = $2`, net, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, domain.ErrNotFound
	}
	return es[0], nil
}

func (t *Tx) UpdateEntry(ctx context.Context, e *domain.Entry) error {
	return mustAffect(t.exec(ctx, `UPDATE timeline_entries SET body = $3, version = $4, updated_at = $5, deleted_at = $6,
		deleted_by = $7, deleted_by_name = $8, done_at = $9, done_by = $10, done_by_name = $11
		WHERE network_id = $1 AND id = $2`,
		e.NetworkID, e.ID, e.Body, e.Version, e.UpdatedAt.UTC(), nt(e.DeletedAt), e.DeletedBy, e.DeletedByName,
		nt(e.DoneAt), e.DoneBy, e.DoneByName))
}

func (t *Tx) AddEntryVersion(ctx context.Context, v *domain.EntryVersion) error {
	_, err := t.exec(ctx, `INSERT INTO timeline_versions (network_id, entry_id, version, body, edited_by, edited_by_name, edited_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, v.NetworkID, v.EntryID, v.Version, v.Body, v.EditedBy, v.EditedByName, v.EditedAt.UTC())
	return err
}

func (t *Tx) FindEntryVersions(ctx context.Context, net, entryID string) ([]*domain.EntryVersion, error) {
	rows, err := t.query(ctx, `SELECT network_id, entry_id, version, body, edited_by, edited_by_name, edited_at
		FROM timeline_versions WHERE network_id = $1 AND entry_id = $2 ORDER BY version`, net, entryID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []*domain.EntryVersion
	for rows.Next() {
		var v domain.EntryVersion
		if err := rows.Scan(&v.NetworkID, &v.EntryID, &v.Version, &v.Body, &v.EditedBy, &v.EditedByName, &v.EditedAt); err != nil {
			return nil, normalize(err)
		}
		v.EditedAt = v.EditedAt.UTC()
		out = append(out, &v)
	}
	return out, normalize(rows.Err())
}

// entryScope returns the SQL condition of a scope on entries aliased x, "" when
// the scope permits nothing. arg binds a value and returns its placeholder.
// inbox: the entry's person is joined as p, whose consent is tested row by row.
func entryScope(x string, s domain.EntryScope, inbox bool, arg func(any) string) string {
	var conds []string
	if !s.AllCategories {
		if len(s.Categories) == 0 {
			return ""
		}
		ph := make([]string, len(s.Categories))
		for i, c := range s.Categories {
			ph[i] = arg(c)
		}
		conds = append(conds, x+`.category IN (`+strings.Join(ph, ", ")+`)`)
	}
	switch {
	case inbox && s.OwnOrg != "":
		conds = append(conds, `(p.consent = 'active' OR `+x+`.author_org = `+arg(s.OwnOrg)+`)`)
	case inbox:
		conds = append(conds, `p.consent = 'active'`)
	case s.Unconsented:
		if s.OwnOrg == "" {
			return ""
		}
		conds = append(conds, x+`.author_org = `+arg(s.OwnOrg))
	}
	if len(conds) == 0 {
		return "TRUE"
	}
	return strings.Join(conds, " AND ")
}

// FindEntries pages over a person's threads. The filter's conditions are tested
// on every entry of a thread that the scope permits, so a thread whose reply
// mentions the words searched for is found; a deleted entry's text is not
// searched.
func (t *Tx) FindEntries(ctx context.Context, net, personID string, scope domain.EntryScope, f domain.EntryFilter) ([]*domain.Entry, int, error) {
	args := []any{net, personID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	perm := entryScope("e", scope, false, arg)
	if perm == "" {
		return nil, 0, nil
	}
	where := []string{"e.network_id = $1", "e.person_id = $2", "e.thread_id = e.id", perm}
	if f.Category != "" {
		where = append(where, "e.category = "+arg(f.Category)) // a reply has its thread's category
	}
	var match []string
	if f.AuthorOrg != "" {
		match = append(match, "x.author_org = "+arg(f.AuthorOrg))
	}
	if !f.Since.IsZero() {
		match = append(match, "x.created_at >= "+arg(f.Since.UTC()))
	}
	if !f.Until.IsZero() {
		match = append(match, "x.created_at < "+arg(f.Until.UTC()))
	}
	if f.Query != "" {
		// LOWER on both sides: SQLite's LIKE ignores ASCII case and PostgreSQL's
		// does not; full-width letters and kana are compared as they are.
		match = append(match, `x.deleted_at IS NULL AND LOWER(x.body) LIKE '%' || LOWER(CAST(`+arg(likeEscape(f.Query))+` AS TEXT)) || '%' ESCAPE '\'`)
	}
	if len(match) > 0 {
		xperm := entryScope("x", scope, false, arg)
		where = append(where, `e.id IN (SELECT x.thread_id FROM timeline_entries x WHERE x.network_id = $1 AND x.person_id = $2 AND `+
			xperm+` AND `+strings.Join(match, " AND ")+`)`)
	}
	cond := strings.Join(where, " AND ")
	var total int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM timeline_entries e WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, normalize(err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = entryPageDefault
	}
	limit = min(limit, entryPageMax)
	if total == 0 || f.Offset >= total {
		return nil, total, nil
	}
	list, err := t.entries(ctx, `SELECT `+prefixed("e.", entryCols)+` FROM timeline_entries e WHERE `+cond+
		` ORDER BY e.created_at DESC, e.id DESC LIMIT `+arg(limit)+` OFFSET `+arg(max(f.Offset, 0)), args...)
	return list, total, err
}

func (t *Tx) FindReplies(ctx context.Context, net, personID string, threadIDs []string, scope domain.EntryScope) ([]*domain.Entry, error) {
	if len(threadIDs) == 0 {
		return nil, nil
	}
	args := []any{net, personID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	perm := entryScope("e", scope, false, arg)
	if perm == "" {
		return nil, nil
	}
	in := entryIn(&args, threadIDs)
	return t.entries(ctx, `SELECT `+prefixed("e.", entryCols)+` FROM timeline_entries e
		WHERE e.network_id = $1 AND e.person_id = $2 AND e.thread_id IN (`+in+`) AND e.thread_id <> e.id AND `+perm+`
		ORDER BY e.created_at, e.id`, args...)
}

func (t *Tx) MarkEntriesRead(ctx context.Context, net string, entryIDs []string, r domain.EntryRead) error {
	if len(entryIDs) == 0 {
		return nil
	}
	args := []any{net, r.UserID, r.UserName, r.OrgID, r.ReadAt.UTC()}
	rows := make([]string, len(entryIDs))
	for i, id := range entryIDs {
		args = append(args, id)
		rows[i] = "($1, $" + strconv.Itoa(len(args)) + ", $2, $3, $4, $5)"
	}
	_, err := t.exec(ctx, `INSERT INTO timeline_reads (network_id, entry_id, user_id, user_name, org_id, read_at)
		VALUES `+strings.Join(rows, ", ")+` ON CONFLICT (network_id, entry_id, user_id) DO NOTHING`, args...)
	return err
}

func (t *Tx) FindEntryReads(ctx context.Context, net string, entryIDs []string) ([]*domain.EntryRead, error) {
	if len(entryIDs) == 0 {
		return nil, nil
	}
	args := []any{net}
	in := entryIn(&args, entryIDs)
	rows, err := t.query(ctx, `SELECT network_id, entry_id, user_id, user_name, org_id, read_at FROM timeline_reads
		WHERE network_id = $1 AND entry_id IN (`+in+`) ORDER BY entry_id, read_at, user_id`, args...)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []*domain.EntryRead
	for rows.Next() {
		var r domain.EntryRead
		if err := rows.Scan(&r.NetworkID, &r.EntryID, &r.UserID, &r.UserName, &r.OrgID, &r.ReadAt); err != nil {
			return nil, normalize(err)
		}
		r.ReadAt = r.ReadAt.UTC()
		out = append(out, &r)
	}
	return out, normalize(rows.Err())
}

// FindInbox starts from the addressee index (a user's and an organization's
// addressed entries are few) and keeps the entries whose person the person scope
// permits (the SQL of FindPeople) and that the entry scope permits.
func (t *Tx) FindInbox(ctx context.Context, net string, people domain.PersonScope, entries domain.EntryScope, f domain.InboxFilter) ([]*domain.InboxItem, int, error) {
	if f.UserID == "" {
		return nil, 0, nil
	}
	args := []any{net}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	user := arg(f.UserID)
	addressed := `(a.kind = 'user' AND a.target_id = ` + user + `)`
	if f.OrgID != "" {
		addressed = `(` + addressed + ` OR (a.kind = 'org' AND a.target_id = ` + arg(f.OrgID) + `))`
	}
	where := []string{"e.network_id = $1", "e.deleted_at IS NULL",
		`e.id IN (SELECT a.entry_id FROM timeline_addressees a WHERE a.network_id = $1 AND ` + addressed + `)`}
	if !people.All {
		cond, err := permitted(people, arg)
		if err != nil {
			return nil, 0, err
		}
		if cond == "" {
			return nil, 0, nil
		}
		where = append(where, cond)
	}
	perm := entryScope("e", entries, true, arg)
	if perm == "" {
		return nil, 0, nil
	}
	where = append(where, perm)
	read := `EXISTS (SELECT 1 FROM timeline_reads r WHERE r.network_id = $1 AND r.entry_id = e.id AND r.user_id = ` + user + `)`
	if f.UnreadOnly {
		where = append(where, "NOT "+read)
	}
	from := ` FROM timeline_entries e JOIN people p ON p.network_id = e.network_id AND p.id = e.person_id WHERE ` +
		strings.Join(where, " AND ")
	var total int
	if err := t.queryRow(ctx, `SELECT COUNT(*)`+from, args...).Scan(&total); err != nil {
		return nil, 0, normalize(err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = entryPageDefault
	}
	limit = min(limit, entryPageMax)
	if total == 0 || f.Offset >= total {
		return nil, total, nil
	}
	rows, err := t.query(ctx, `SELECT `+prefixed("e.", entryCols)+`, p.family_name, p.given_name, CASE WHEN `+read+
		` THEN 1 ELSE 0 END`+from+` ORDER BY e.created_at DESC, e.id DESC LIMIT `+arg(limit)+` OFFSET `+arg(max(f.Offset, 0)),
		args...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	var out []*domain.InboxItem
	var es []*domain.Entry
	for rows.Next() {
		var e domain.Entry
		var deleted, done sql.NullTime
		var it domain.InboxItem
		var read int
		if err := rows.Scan(&e.NetworkID, &e.ID, &e.PersonID, &e.ThreadID, &e.ReplyTo, &e.Category, &e.Body, &e.ActionRequired,
			&e.AuthorID, &e.AuthorName, &e.AuthorOrg, &e.AuthorOccupation, &e.Version, &e.CreatedAt, &e.UpdatedAt, &deleted,
			&e.DeletedBy, &e.DeletedByName, &done, &e.DoneBy, &e.DoneByName, &it.FamilyName, &it.GivenName, &read); err != nil {
			rows.Close()
			return nil, 0, normalize(err)
		}
		e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
		e.DeletedAt, e.DoneAt = ut(deleted), ut(done)
		it.Entry, it.Read = &e, read == 1
		out = append(out, &it)
		es = append(es, &e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	if err := t.fillEntries(ctx, es); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// PurgePersonEntries removes a person's timeline for a purge (sendai §12-3). An
// attachment goes too unless a consent or another person's entry uses the same
// file (attachments are content-addressed, so two records may share one).
func (t *Tx) PurgePersonEntries(ctx context.Context, net, personID string) (int, error) {
	rows, err := t.query(ctx, `SELECT DISTINCT ea.attachment_id FROM entry_attachments ea
		JOIN timeline_entries e ON e.network_id = ea.network_id AND e.id = ea.entry_id
		WHERE ea.network_id = $1 AND e.person_id = $2`, net, personID)
	if err != nil {
		return 0, normalize(err)
	}
	var atts []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, normalize(err)
		}
		atts = append(atts, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, normalize(err)
	}
	sort.Strings(atts)
	ofPerson := `SELECT e.id FROM timeline_entries e WHERE e.network_id = $1 AND e.person_id = $2`
	for _, table := range []string{"timeline_reads", "timeline_addressees", "timeline_versions", "entry_attachments"} {
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE network_id = $1 AND entry_id IN (`+ofPerson+`)`, net, personID); err != nil {
			return 0, err
		}
	}
	res, err := t.exec(ctx, `DELETE FROM timeline_entries WHERE network_id = $1 AND person_id = $2`, net, personID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	for _, id := range atts {
		if _, err := t.exec(ctx, `DELETE FROM attachments WHERE network_id = $1 AND id = $2
			AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.network_id = $1 AND c.attachment_id = $2)
			AND NOT EXISTS (SELECT 1 FROM entry_attachments ea WHERE ea.network_id = $1 AND ea.attachment_id = $2)`, net, id); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}
