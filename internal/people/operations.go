package people

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// ClaimsHeader is the first line of a claims file (fukuoka §19-2), UTF-8, comma-
// separated: the person's insured number, the organization's code (事業所番号 /
// 医療機関コード), the insurance (kokuho 国民健康保険, kouki 後期高齢者医療, kaigo 介護保険)
// and the service month (YYYY-MM).
var ClaimsHeader = []string{"insured_no", "org_code", "insurance_kind", "service_month"}

var insuranceKinds = map[string]bool{"kokuho": true, "kouki": true, "kaigo": true}

// MaxClaimsBytes caps one claims file.
const MaxClaimsBytes = 20 << 20

// ClaimsReport says what an import did, line by line.
type ClaimsReport struct {
	ImportID  string         `json:"import_id,omitempty"`
	Lines     int            `json:"lines"`
	Accepted  int            `json:"accepted"`
	Rejected  []RejectedLine `json:"rejected"`  // format errors: when any, nothing is imported
	Unmatched []RejectedLine `json:"unmatched"` // valid lines whose person or organization is unknown
	Granted   int            `json:"granted"`   // access rows created or extended
}

// RejectedLine is one line the import refused, with why (Japanese).
type RejectedLine struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ImportClaims imports insurance claims: organizations where the person used
// national health, later-elderly or care insurance get access (fukuoka §19-2),
// lasting until the profile's months without claims have passed. Every line is
// checked first; a file with any bad line imports nothing and says which lines.
func (s *Service) ImportClaims(ctx context.Context, a policy.Actor, fileName string, data []byte) (*ClaimsReport, error) {
	if d := policy.Decide(a, policy.ImportClaims, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.ImportClaims, "", d.Reason, false)
	}
	errs := domain.FieldErrors{}
	fileName = validate.Text(errs, "file", "ファイル名", fileName, false, 200, false)
	if len(data) == 0 {
		errs.Add("file", "ファイルを選んでください。")
	} else if len(data) > MaxClaimsBytes {
		errs.Add("file", "ファイルは20MB以下にしてください。")
	} else if !utf8.Valid(data) {
		errs.Add("file", "文字コードがUTF-8ではありません（Shift_JISで保存されたファイルは、UTF-8で保存し直してください）。")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	claims, rep := parseClaims(a.NetworkID, data)
	if len(rep.Rejected) > 0 {
		return rep, &domain.Error{Code: domain.EINVALID, Problem: "claims-rejected",
			Message: fmt.Sprintf("%d行に誤りがあるため、取り込みませんでした（何も登録していません）。誤りのある行を直して、もう一度取り込んでください。", len(rep.Rejected))}
	}
	lapse := a.Profile.People.ClaimsLapseMonths
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		rep.Unmatched, rep.Granted = nil, 0
		ci := &domain.ClaimImport{NetworkID: a.NetworkID, ID: domain.NewID(), FileName: fileName, ImportedBy: a.UserID,
			Lines: rep.Lines, Accepted: len(claims), CreatedAt: a.Now.UTC()}
		if err := tx.CreateClaimImport(ctx, ci); err != nil {
			return err
		}
		for i := range claims {
			claims[i].ImportID = ci.ID
		}
		if err := tx.InsertClaims(ctx, claims); err != nil {
			return err
		}
		rep.ImportID = ci.ID
		today := profile.Today(a.Now)
		for _, c := range claims {
			org, err := tx.FindOrganizationByCode(ctx, a.NetworkID, c.OrgCode)
			switch {
			case domain.ErrorCode(err) == domain.ENOTFOUND:
				rep.Unmatched = append(rep.Unmatched, RejectedLine{c.Line, "事業所番号 " + c.OrgCode + " の利用組織が登録されていません。"})
				continue
			case domain.ErrorCode(err) == domain.ECONFLICT:
				// Two active organizations with one code: guessing would open the
				// person to the wrong one, so nothing is imported until it is fixed.
				return domain.Errorf(domain.ECONFLICT, "%d行目: 事業所番号 %s の利用組織が複数あります。利用組織の事業所番号を直してから、もう一度取り込んでください（何も登録していません）。",
					c.Line, c.OrgCode)
			case err != nil:
				return err // a store failure fails the whole import
			case org.Status != domain.OrgActive:
				rep.Unmatched = append(rep.Unmatched, RejectedLine{c.Line, "事業所番号 " + c.OrgCode + " の利用組織「" + org.Name + "」は利用を停止又は廃止しています。"})
				continue
			}
			people, err := tx.FindPeopleByInsuredNo(ctx, a.NetworkID, c.InsuredNo)
			if err != nil {
				return err
			}
			matched := false
			for _, p := range people {
				form := a.Profile.ConsentForm(p.ConsentForm)
				if p.Consent != domain.ConsentActive || form == nil || form.Strategy != "claims" {
					continue
				}
				matched = true
				expires := monthEnd(c.ServiceMonth, lapse)
				if expires < today {
					continue // an old claim gives no access today
				}
				if err := extendClaims(ctx, tx, a, p.ID, org.ID, expires); err != nil {
					return err
				}
				rep.Granted++
			}
			if !matched {
				rep.Unmatched = append(rep.Unmatched, RejectedLine{c.Line, "被保険者番号に該当し、様式第7a号・第7b号の同意がある対象者がいません。"})
			}
		}
		return s.log.Append(ctx, tx, event(ctx, a, "claims.import", "claims_import", ci.ID, "",
			map[string]any{"lines": rep.Lines, "accepted": len(claims), "unmatched": len(rep.Unmatched), "granted": rep.Granted}))
	})
	if err != nil {
		return nil, err
	}
	rep.Accepted = len(claims)
	return rep, nil
}

// monthEnd is the last day of the month `after` months after month "YYYY-MM".
func monthEnd(month string, after int) string {
	t, _ := time.Parse("2006-01", month)
	return t.AddDate(0, after+1, -1).Format("2006-01-02")
}

func extendClaims(ctx context.Context, tx store.Tx, a policy.Actor, personID, orgID, expires string) error {
	rows, err := tx.FindPersonAccess(ctx, a.NetworkID, personID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.OrgID == orgID && r.Kind == domain.AccessClaims && r.EndedAt.IsZero() {
			if r.ExpiresOn >= expires {
				return nil
			}
			r.ExpiresOn = expires
			return tx.UpdateAccess(ctx, r)
		}
	}
	return tx.CreateAccess(ctx, &domain.Access{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: personID, OrgID: orgID,
		Kind: domain.AccessClaims, GrantedBy: a.UserID, ExpiresOn: expires, CreatedAt: a.Now.UTC()})
}

func parseClaims(net string, data []byte) ([]domain.Claim, *ClaimsReport) {
	rep := &ClaimsReport{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM written by spreadsheet software
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out []domain.Claim
	seen := map[string]int{}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		// Report the physical line: the reader skips blank lines and a quoted
		// field may span lines.
		line := n
		if err == nil {
			line, _ = r.FieldPos(0)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			rep.Rejected = append(rep.Rejected, RejectedLine{line, "CSVとして読めません（引用符の対応などを確認してください）。"})
			break
		}
		if n == 1 {
			if strings.Join(rec, ",") != strings.Join(ClaimsHeader, ",") {
				rep.Rejected = append(rep.Rejected, RejectedLine{1, "1行目は見出し「" + strings.Join(ClaimsHeader, ",") + "」にしてください。"})
				break
			}
			continue
		}
		rep.Lines++
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			rep.Rejected = append(rep.Rejected, RejectedLine{line, "空の行です。"})
			continue
		}
		if len(rec) != len(ClaimsHeader) {
			rep.Rejected = append(rep.Rejected, RejectedLine{line, fmt.Sprintf("列の数が%dです（%d列にしてください）。", len(rec), len(ClaimsHeader))})
			continue
		}
		errs := domain.FieldErrors{}
		c := domain.Claim{NetworkID: net, Line: line}
		c.InsuredNo = validate.InsuredSymbol(errs, "insured_no", "被保険者番号", rec[0], true)
		c.OrgCode = validate.Digits(errs, "org_code", "事業所番号", rec[1], true, 10)
		c.InsuranceKind = strings.TrimSpace(rec[2])
		if !insuranceKinds[c.InsuranceKind] {
			errs.Add("insurance_kind", "保険の種類は kokuho・kouki・kaigo のいずれかです。")
		}
		c.ServiceMonth = strings.TrimSpace(rec[3])
		if t, err := time.Parse("2006-01", c.ServiceMonth); err != nil || t.Format("2006-01") != c.ServiceMonth {
			errs.Add("service_month", "サービス提供月は YYYY-MM の形式です。")
		}
		if len(errs) > 0 {
			var msgs []string
			for _, k := range []string{"insured_no", "org_code", "insurance_kind", "service_month"} {
				if m, ok := errs[k]; ok {
					msgs = append(msgs, m)
				}
			}
			rep.Rejected = append(rep.Rejected, RejectedLine{line, strings.Join(msgs, " ")})
			continue
		}
		key := c.InsuredNo + "," + c.OrgCode + "," + c.InsuranceKind + "," + c.ServiceMonth
		if first, ok := seen[key]; ok {
			rep.Rejected = append(rep.Rejected, RejectedLine{line, fmt.Sprintf("%d行目と同じ内容です（重複）。", first)})
			continue
		}
		seen[key] = line
		out = append(out, c)
	}
	if rep.Lines == 0 && len(rep.Rejected) == 0 {
		rep.Rejected = append(rep.Rejected, RejectedLine{2, "データの行がありません。"})
	}
	return out, rep
}

// DisasterInput is a declaration as entered. Start and End are Asia/Tokyo local
// times as an HTML datetime-local input sends them ("2006-01-02T15:04", seconds
// optional) or RFC 3339 with an offset (the API).
type DisasterInput struct {
	Name  string
	Start string // "" = now
	End   string // the planned end; "" = until the operator ends it
}

// A disaster may be declared after it began (the city decides once the damage is
// known) and scheduled ahead (a typhoon on its way), within these bounds.
const (
	disasterStartPast   = 30 * 24 * time.Hour
	disasterStartFuture = 365 * 24 * time.Hour
	disasterMaxLength   = 365 * 24 * time.Hour
)

// States of a disaster, as the operator's list shows them.
const (
	DisasterScheduled = "scheduled" // 予定: declared, not begun
	DisasterActive    = "active"    // 実施中
	DisasterEnded     = "ended"     // 終了: ended by the operator or at its planned end
	DisasterCancelled = "cancelled" // 取消: called off before it began
)

// DisasterState is the state of d at now. A cancelled disaster is stored ending
// when it was called off, before its start, so it is never active.
func DisasterState(d *domain.Disaster, now time.Time) string {
	switch {
	case !d.EndedAt.IsZero() && d.EndedAt.Before(d.StartedAt):
		return DisasterCancelled
	case now.Before(d.StartedAt):
		return DisasterScheduled
	case d.EndedAt.IsZero() || now.Before(d.EndedAt):
		return DisasterActive
	}
	return DisasterEnded
}

// parseDisasterTime reads a datetime of a declaration; ok is false when the field
// is empty or wrong (the error is added).
func parseDisasterTime(errs domain.FieldErrors, field, label, v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, profile.Tokyo()); err == nil {
			return t.UTC(), true
		}
	}
	errs.Add(field, label+"は 2026-11-24T10:00 の形式の正しい日時で入力してください。")
	return time.Time{}, false
}

func jstMinute(t time.Time) string { return t.In(profile.Tokyo()).Format("2006年1月2日 15:04") }

// DeclareDisaster declares disaster mode (joso §21): from its start until it is
// ended (or its planned end passes), designated users read the records of people
// who consented to disaster use; each such read is audited with the disaster. Two
// disasters never overlap, so a read names exactly one.
func (s *Service) DeclareDisaster(ctx context.Context, a policy.Actor, in DisasterInput) (*domain.Disaster, error) {
	if d := policy.Decide(a, policy.ManageDisaster, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.ManageDisaster, "", d.Reason, false)
	}
	errs := domain.FieldErrors{}
	name := validate.Text(errs, "name", "災害の名称", in.Name, true, 100, false)
	now := a.Now.UTC()
	start, startOK := now, true
	if strings.TrimSpace(in.Start) != "" {
		start, startOK = parseDisasterTime(errs, "start", "開始日時", in.Start)
		switch {
		case !startOK:
		case start.Before(now.Add(-disasterStartPast)):
			errs.Add("start", "開始日時は30日前以降にしてください（"+jstMinute(now.Add(-disasterStartPast))+"以降）。")
			startOK = false
		case start.After(now.Add(disasterStartFuture)):
			errs.Add("start", "開始日時は1年以内にしてください。")
			startOK = false
		}
	}
	end, endOK := parseDisasterTime(errs, "end", "終了予定日時", in.End)
	if endOK && startOK {
		switch {
		case !end.After(start):
			errs.Add("end", "終了予定日時は開始日時より後にしてください。")
		case !end.After(now):
			errs.Add("end", "終了予定日時は現在より後にしてください。")
		case end.Sub(start) > disasterMaxLength:
			errs.Add("end", "終了予定日時は開始日時から1年以内にしてください。")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var out *domain.Disaster
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		ds, err := tx.FindDisasters(ctx, a.NetworkID)
		if err != nil {
			return err
		}
		for _, d := range ds {
			st := DisasterState(d, a.Now)
			if st == DisasterCancelled || !overlaps(start, end, d.StartedAt, d.EndedAt) {
				continue
			}
			if st == DisasterActive && d.EndedAt.IsZero() {
				return domain.Errorf(domain.ECONFLICT, "災害「%s」の災害時利用が続いています。終了してから宣言してください。", d.Name)
			}
			until := "終了未定"
			if !d.EndedAt.IsZero() {
				until = jstMinute(d.EndedAt)
			}
			return domain.Errorf(domain.ECONFLICT, "災害「%s」（%s〜%s）と期間が重なります。災害時利用の期間は重ねられません。",
				d.Name, jstMinute(d.StartedAt), until)
		}
		d := &domain.Disaster{NetworkID: a.NetworkID, ID: domain.NewID(), Name: name, StartedAt: start, EndedAt: end, DeclaredBy: a.UserID}
		if err := tx.CreateDisaster(ctx, d); err != nil {
			return err
		}
		out = d
		detail := map[string]any{"name": name, "start": start.Format(time.RFC3339)}
		if !end.IsZero() {
			detail["planned_end"] = end.Format(time.RFC3339)
		}
		return s.log.Append(ctx, tx, event(ctx, a, "disaster.declare", "disaster", d.ID, "", detail))
	})
	return out, err
}

// overlaps reports whether [s1, e1) and [s2, e2) meet; a zero end is open.
func overlaps(s1, e1, s2, e2 time.Time) bool {
	return (e2.IsZero() || s1.Before(e2)) && (e1.IsZero() || s2.Before(e1))
}

// EndDisaster ends disaster mode now; the responders' access ends with it. A
// disaster not yet begun is cancelled instead (it never opens access). id names
// the disaster; "" means the active one or, when none is active, the next
// scheduled one. It returns the disaster as ended or cancelled.
func (s *Service) EndDisaster(ctx context.Context, a policy.Actor, id string) (*domain.Disaster, error) {
	if d := policy.Decide(a, policy.ManageDisaster, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.ManageDisaster, "", d.Reason, false)
	}
	var out *domain.Disaster
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		out = nil
		ds, err := tx.FindDisasters(ctx, a.NetworkID)
		if err != nil {
			return err
		}
		var cur *domain.Disaster
		if id != "" {
			for _, d := range ds {
				if d.ID == id {
					cur = d
				}
			}
			if cur == nil {
				return domain.Errorf(domain.ENOTFOUND, "その災害時利用は見つかりません。")
			}
			if st := DisasterState(cur, a.Now); st == DisasterEnded || st == DisasterCancelled {
				return domain.Errorf(domain.ECONFLICT, "災害「%s」の災害時利用は既に終了しています。", cur.Name)
			}
		} else {
			for _, d := range ds { // newest first: the last scheduled one seen begins first
				switch DisasterState(d, a.Now) {
				case DisasterActive:
					cur = d
				case DisasterScheduled:
					if cur == nil || DisasterState(cur, a.Now) != DisasterActive {
						cur = d
					}
				}
			}
			if cur == nil {
				return domain.Errorf(domain.ECONFLICT, "災害時利用は宣言されていません。")
			}
		}
		action := "disaster.end"
		if DisasterState(cur, a.Now) == DisasterScheduled {
			action = "disaster.cancel" // ending before the start marks it cancelled
		}
		cur.EndedAt, cur.EndedBy = a.Now.UTC(), a.UserID
		if err := tx.UpdateDisaster(ctx, cur); err != nil {
			return err
		}
		out = cur
		return s.log.Append(ctx, tx, event(ctx, a, action, "disaster", cur.ID, "", map[string]any{"name": cur.Name}))
	})
	return out, err
}

// Disasters lists declared disasters, newest first.
func (s *Service) Disasters(ctx context.Context, a policy.Actor) ([]*domain.Disaster, error) {
	if d := policy.Decide(a, policy.ManageDisaster, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.ManageDisaster, "", d.Reason, false)
	}
	var out []*domain.Disaster
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.FindDisasters(ctx, a.NetworkID)
		return err
	})
	return out, err
}

// Matrix is the occupation x record-category grid of a network (beppu §10-1,
// fukuoka §9-1): a cell absent from the database allows reading and writing.
type Matrix map[string]map[string]domain.MatrixEntry

// Allows reports whether occupation may read (or write) category.
func (m Matrix) Allows(occupation, category string, write bool) bool {
	e, ok := m[occupation][category]
	if !ok {
		return true
	}
	if write {
		return e.Write
	}
	return e.Read
}

// LoadMatrix returns the network's matrix (every profile has one; only those with
// Matrix set let the operator change it) to those policy.ViewMatrix allows.
func (s *Service) LoadMatrix(ctx context.Context, a policy.Actor) (Matrix, error) {
	if d := policy.Decide(a, policy.ViewMatrix, policy.Resource{}); !d.Allow {
		return nil, s.deny(ctx, a, policy.ViewMatrix, "", d.Reason, false)
	}
	m := Matrix{}
	err := s.st.Transact(ctx, func(tx store.Tx) error {
		entries, err := tx.FindMatrix(ctx, a.NetworkID)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if m[e.Occupation] == nil {
				m[e.Occupation] = map[string]domain.MatrixEntry{}
			}
			m[e.Occupation][e.Category] = e
		}
		return nil
	})
	return m, err
}

// SetMatrix changes cells of the matrix. Writing implies reading.
func (s *Service) SetMatrix(ctx context.Context, a policy.Actor, cells []domain.MatrixEntry) error {
	if d := policy.Decide(a, policy.EditMatrix, policy.Resource{}); !d.Allow {
		return s.deny(ctx, a, policy.EditMatrix, "", d.Reason, false)
	}
	p := a.Profile
	cats := map[string]bool{}
	for _, c := range p.People.RecordCategories {
		cats[c.Key] = true
	}
	for _, c := range cells {
		if p.Occupation(c.Occupation) == nil || !cats[c.Category] {
			return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
				Fields: map[string]string{"cells": "職種又は記録の種類の指定が正しくありません（" + c.Occupation + " / " + c.Category + "）。"}}
		}
	}
	return s.st.Transact(ctx, func(tx store.Tx) error {
		var changed []string
		for _, c := range cells {
			c.NetworkID = a.NetworkID
			if c.Write {
				c.Read = true
			}
			if err := tx.UpsertMatrixEntry(ctx, c); err != nil {
				return err
			}
			changed = append(changed, fmt.Sprintf("%s/%s:%t/%t", c.Occupation, c.Category, c.Read, c.Write))
		}
		return s.log.Append(ctx, tx, event(ctx, a, "matrix.edit", "matrix", "", "", map[string]any{"cells": changed}))
	})
}
