package people

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"

	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/store"
	"renraku/internal/validate"
)

// ConsentInput is the consent entry form (同意書の登録).
type ConsentInput struct {
	Kind         string   `json:"kind"` // "self", "proxy_writer", "family", "legal"
	SignerName   string   `json:"signer_name"`
	Relationship string   `json:"relationship"`
	ConsentedOn  string   `json:"consented_on"`
	FormVersion  string   `json:"form_version"`
	Scopes       []string `json:"scopes"`
	LegalBasis   string   `json:"legal_basis"`
	// CarePlanOrg is the office that writes the care plan (beppu §17-1, fukuoka §19
	// under form 7); "" = the actor's own organization.
	CarePlanOrg string `json:"care_plan_org"`
	// Form is the scanned signed form (PDF, JPEG or PNG), optional.
	Form []byte `json:"-"`
}

// kindName names a way of consenting in a message.
func kindName(kind string) string {
	switch kind {
	case "proxy_writer":
		return "代筆"
	case "family":
		return "家族等の代理"
	}
	return kind
}

// MaxFormBytes caps a scanned consent form.
const MaxFormBytes = 10 << 20

var formTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

func checkConsent(p *profile.Profile, today string, in ConsentInput) (ConsentInput, *profile.ConsentForm, string, error) {
	errs := domain.FieldErrors{}
	kind := in.Kind
	// Who may sign for the person is the network's rule: katori §13-1 takes the
	// person's own consent only; joso §17-1 and sendai §12-1 also the family's;
	// beppu §15 and fukuoka §17 also a proxy writer's.
	if (kind == "proxy_writer" || kind == "family") && !p.HasConsentKind(kind) {
		errs.Add("kind", "このネットワークでは"+kindName(kind)+"による同意を登録しません（"+p.People.ConsentArticle+"）。")
		kind = "" // refused: its other fields are not checked
	}
	switch kind {
	case "self":
		in.SignerName, in.Relationship = "", ""
	case "proxy_writer": // 代筆: the person agrees but cannot write (beppu §15-1, fukuoka §17)
		in.SignerName = validate.Text(errs, "signer_name", "代筆者の氏名", in.SignerName, true, 100, false)
		in.Relationship = validate.Text(errs, "relationship", "代筆者と本人の関係", in.Relationship, false, 50, false)
	case "family": // 代理同意: the person cannot agree (beppu §15-2, joso §17-1, sendai §12-1)
		in.SignerName = validate.Text(errs, "signer_name", "同意した家族等の氏名", in.SignerName, true, 100, false)
		in.Relationship = validate.Text(errs, "relationship", "本人との続柄", in.Relationship, true, 50, false)
	case "legal": // katori §13-3: sharing required by law, recorded with its basis
		if !p.People.LegalSharing {
			errs.Add("kind", "このネットワークでは法令に基づく共有を登録しません。")
		}
		in.LegalBasis = validate.Text(errs, "legal_basis", "根拠となる法令", in.LegalBasis, true, 200, false)
	default:
		errs.Add("kind", "同意の方法を選んでください。")
	}
	if in.Kind != "legal" {
		in.LegalBasis = "" // only a sharing required by law carries a legal basis
	}
	in.ConsentedOn = validate.Date(errs, "consented_on", "同意日", in.ConsentedOn, true, "2000-01-01", today)
	form := p.ConsentForm(in.FormVersion)
	if form == nil {
		errs.Add("form_version", "同意書の様式を選んでください。")
	} else if errs["consented_on"] == "" && in.ConsentedOn != "" {
		// fukuoka §17: form 7 for consents up to 2018-05-31, then 7a or 7b.
		if form.ValidUntil != "" && in.ConsentedOn > form.ValidUntil {
			errs.Add("form_version", form.Name+"は"+form.ValidUntil+"までの同意にのみ使えます。")
		}
		if form.ValidFrom != "" && in.ConsentedOn < form.ValidFrom {
			errs.Add("form_version", form.Name+"は"+form.ValidFrom+"以降の同意に使います。")
		}
	}
	if len(in.Scopes) == 0 {
		in.Scopes = []string{"sharing"}
	}
	known := map[string]bool{}
	for _, sc := range p.People.ConsentScopes {
		known[sc.Key] = true
	}
	var scopes []string
	for _, sc := range in.Scopes {
		if !known[sc] {
			errs.Add("scopes", "同意の範囲の指定が正しくありません。")
			break
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if !slices.Contains(scopes, "sharing") {
		errs.Add("scopes", "情報共有への同意は必須です。")
	}
	in.Scopes = scopes
	ctype := ""
	if len(in.Form) > 0 {
		ctype = http.DetectContentType(in.Form)
		if len(in.Form) > MaxFormBytes {
			errs.Add("form", "同意書の画像・PDFは10MB以下にしてください。")
		} else if !formTypes[ctype] {
			errs.Add("form", "同意書はPDF・JPEG・PNGのいずれかで添付してください。")
		}
	}
	return in, form, ctype, errs.Err()
}

// RecordConsent records a consent. On consent, in the care-plan strategy the office
// that writes the care plan gets access (beppu §17-1, fukuoka §19); a consent on
// record is enough for every organization (sendai §12-1: no second consent).
func (s *Service) RecordConsent(ctx context.Context, a policy.Actor, personID string, in ConsentInput) (*domain.Consent, error) {
	in, form, ctype, err := checkConsent(a.Profile, profile.Today(a.Now), in)
	if err != nil {
		return nil, err
	}
	var out *domain.Consent
	err = s.withPerson(ctx, a, policy.RecordConsent, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		now := a.Now.UTC()
		c := &domain.Consent{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: p.ID, Kind: in.Kind, SignerName: in.SignerName,
			Relationship: in.Relationship, ConsentedOn: in.ConsentedOn, FormVersion: in.FormVersion, Scopes: in.Scopes,
			LegalBasis: in.LegalBasis, EnteredBy: a.UserID, EnteredOrg: a.OrgID, CreatedAt: now}
		if len(in.Form) > 0 {
			sum := sha256.Sum256(in.Form)
			att := &domain.Attachment{NetworkID: a.NetworkID, ID: hex.EncodeToString(sum[:]), ContentType: ctype,
				Size: int64(len(in.Form)), Data: in.Form, CreatedAt: now, CreatedBy: a.UserID}
			if err := tx.CreateAttachment(ctx, att); err != nil {
				return err
			}
			c.AttachmentID = att.ID
		}
		if err := tx.CreateConsent(ctx, c); err != nil {
			return err
		}
		p.Consent, p.ConsentForm, p.ConsentScopes, p.UpdatedAt = domain.ConsentActive, c.FormVersion, c.Scopes, now
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		detail := map[string]any{"kind": c.Kind, "form": c.FormVersion, "scopes": c.Scopes, "strategy": form.Strategy}
		// Access rows of the other model end: a person re-consenting on form 7a/7b
		// leaves the care-plan model, and the reverse (fukuoka §19, §19の2).
		if err := endOtherModel(ctx, tx, a, p.ID, form.Strategy); err != nil {
			return err
		}
		if form.Strategy == "careplan" {
			// beppu §17-1, fukuoka §19: on consent the office that writes the care
			// plan gets access: the one named, else the office already recorded,
			// else the office that registered the person.
			org := in.CarePlanOrg
			if org == "" {
				current, err := carePlanOffice(ctx, tx, a, p.ID)
				if err != nil {
					return err
				}
				org = current
			}
			if org == "" {
				org = p.RegisteredOrg
			}
			if org != "" {
				if err := setCarePlan(ctx, tx, a, p.ID, org); err != nil {
					return err
				}
				detail["care_plan_org"] = org
			}
		}
		out = c
		return s.log.Append(ctx, tx, event(ctx, a, "consent.record", "consent", c.ID, p.ID, detail))
	})
	return out, err
}

// endOtherModel ends access rows that belong to another access model than strategy.
func endOtherModel(ctx context.Context, tx store.Tx, a policy.Actor, personID, strategy string) error {
	other := map[string]string{"careplan": domain.AccessClaims, "claims": domain.AccessCarePlan}[strategy]
	if other == "" {
		return nil
	}
	rows, err := tx.FindPersonAccess(ctx, a.NetworkID, personID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Kind == other && r.EndedAt.IsZero() {
			r.EndedAt, r.EndedBy, r.EndReason = a.Now.UTC(), a.UserID, "consent on a form of another access model"
			if err := tx.UpdateAccess(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// carePlanOffice is the organization holding the person's care-plan access, or "".
func carePlanOffice(ctx context.Context, tx store.Tx, a policy.Actor, personID string) (string, error) {
	rows, err := tx.FindPersonAccess(ctx, a.NetworkID, personID)
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		if r.Kind == domain.AccessCarePlan && r.EndedAt.IsZero() {
			return r.OrgID, nil
		}
	}
	return "", nil
}

// setCarePlan makes org the person's care-plan office, ending any other office's
// care-plan access (beppu §17-2: access ends when the office no longer writes the
// plan).
func setCarePlan(ctx context.Context, tx store.Tx, a policy.Actor, personID, org string) error {
	o, err := tx.FindOrganization(ctx, a.NetworkID, org)
	if err != nil || o.Status != domain.OrgActive {
		return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。",
			Fields: map[string]string{"care_plan_org": "居宅介護支援事業所等が見つからないか、利用中ではありません。"}}
	}
	rows, err := tx.FindPersonAccess(ctx, a.NetworkID, personID)
	if err != nil {
		return err
	}
	now := a.Now.UTC()
	for _, r := range rows {
		if r.Kind != domain.AccessCarePlan || !r.EndedAt.IsZero() {
			continue
		}
		if r.OrgID == org {
			return nil
		}
		r.EndedAt, r.EndedBy, r.EndReason = now, a.UserID, "care plan moved to another office"
		if err := tx.UpdateAccess(ctx, r); err != nil {
			return err
		}
		// The old office registered the person: the registration moves with the
		// care plan, or the old office would keep seeing the person as registrant.
		p, err := tx.FindPerson(ctx, a.NetworkID, personID)
		if err != nil {
			return err
		}
		if p.RegisteredOrg == r.OrgID {
			p.RegisteredOrg, p.UpdatedAt = org, now
			if err := tx.UpdatePerson(ctx, p); err != nil {
				return err
			}
		}
	}
	return tx.CreateAccess(ctx, &domain.Access{NetworkID: a.NetworkID, ID: domain.NewID(), PersonID: personID, OrgID: org,
		Kind: domain.AccessCarePlan, GrantedBy: a.UserID, GrantedByOrg: a.OrgID, CreatedAt: now})
}

// WithdrawConsent records a withdrawal (同意撤回書, beppu §16, fukuoka §18): all
// sharing stops at once; only the registering organization and the operator still
// see the person.
func (s *Service) WithdrawConsent(ctx context.Context, a policy.Actor, personID, note string) error {
	errs := domain.FieldErrors{}
	note = validate.Text(errs, "note", "備考", note, false, 1000, true)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.withPerson(ctx, a, policy.WithdrawConsent, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		now := a.Now.UTC()
		cs, err := tx.FindConsents(ctx, a.NetworkID, p.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, c := range cs {
			if c.WithdrawnAt.IsZero() {
				c.WithdrawnAt, c.WithdrawnBy, c.WithdrawNote = now, a.UserID, note
				if err := tx.UpdateConsent(ctx, c); err != nil {
					return err
				}
				n++
			}
		}
		p.Consent, p.ConsentScopes, p.UpdatedAt = domain.ConsentWithdrawn, nil, now
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		// Sharing stops for good: a later consent starts again from nothing, it
		// does not bring back the grants made under the withdrawn one.
		rows, err := tx.FindPersonAccess(ctx, a.NetworkID, p.ID)
		if err != nil {
			return err
		}
		ended := 0
		for _, r := range rows {
			if r.EndedAt.IsZero() {
				r.EndedAt, r.EndedBy, r.EndReason = now, a.UserID, "consent withdrawn"
				if err := tx.UpdateAccess(ctx, r); err != nil {
					return err
				}
				ended++
			}
		}
		return s.log.Append(ctx, tx, event(ctx, a, "consent.withdraw", "person", p.ID, p.ID,
			map[string]any{"consents": n, "access_ended": ended}))
	})
}

// RequestDeletion carries out a person's deletion request: 支援中止 hides the
// record from everyone but the operator (katori §13-2, joso §17-2..3); a purge
// deletes the shared content, keeping the audit trail (sendai §12-2..3).
func (s *Service) RequestDeletion(ctx context.Context, a policy.Actor, personID, note string) error {
	errs := domain.FieldErrors{}
	note = validate.Text(errs, "note", "申し出の内容", note, false, 1000, true)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.withPerson(ctx, a, policy.RequestDeletion, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		now := a.Now.UTC()
		detail := map[string]any{"mode": a.Profile.People.Deletion}
		switch a.Profile.People.Deletion {
		case "stop_support":
			p.Status = domain.PersonStopped
		case "purge":
			// sendai §12-3: the timeline is shared content too (entries, their
			// versions, read marks and files), purged first so that a file it
			// shares with a consent is no longer linked; the count is audited.
			entries, err := tx.PurgePersonEntries(ctx, a.NetworkID, p.ID)
			if err != nil {
				return err
			}
			detail["entries_deleted"] = entries
			cs, err := tx.FindConsents(ctx, a.NetworkID, p.ID)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if c.AttachmentID == "" {
					continue
				}
				// The same scanned file may back another person's consent: keep it then.
				shared, err := tx.AttachmentInUse(ctx, a.NetworkID, c.AttachmentID, p.ID)
				if err != nil {
					return err
				}
				if !shared {
					if err := tx.DeleteAttachment(ctx, a.NetworkID, c.AttachmentID); err != nil {
						return err
					}
				}
			}
			// sendai §12-3: the consents name the family member who signed and
			// point at the scanned form; both go with the rest of the content.
			if err := tx.PurgeConsents(ctx, a.NetworkID, p.ID); err != nil {
				return err
			}
			kept := hiddenStub(p)
			kept.Status = domain.PersonPurged
			kept.Eligible = p.Eligible
			*p = *kept
			detail["attachments_deleted"], detail["consents_emptied"] = true, len(cs)
		}
		p.UpdatedAt = now
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		return s.log.Append(ctx, tx, event(ctx, a, "person.delete_request", "person", p.ID, p.ID, detail))
	})
}

// ConsentForm returns the scanned signed form of one of the person's consents. It
// is a read of the person: allowed to whoever may view the person (the operator
// included), decided and audited like Get before the file leaves. A hidden
// record (katori §13-2, joso §17-3; sendai §12-3: deleted) has no form to give,
// and after a withdrawal (beppu §16, fukuoka §18) only those who still see the
// person get it.
func (s *Service) ConsentForm(ctx context.Context, a policy.Actor, personID, consentID string) (*domain.Attachment, error) {
	var att *domain.Attachment
	var missing string
	err := s.withPerson(ctx, a, policy.ViewPerson, personID, func(tx store.Tx, p *domain.Person, f *policy.PersonFacts, d policy.Decision) error {
		att, missing = nil, ""
		var c *domain.Consent
		if p.Status == domain.PersonActive {
			cs, err := tx.FindConsents(ctx, a.NetworkID, p.ID)
			if err != nil {
				return err
			}
			for _, x := range cs {
				if x.ID == consentID {
					c = x
				}
			}
		}
		switch {
		case p.Status != domain.PersonActive:
			missing = "the record is hidden"
		case c == nil:
			missing = "no such consent"
		case c.AttachmentID == "":
			missing = "no scanned form on record"
		default:
			var err error
			att, err = tx.FindAttachment(ctx, a.NetworkID, c.AttachmentID)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				missing = "the scanned form is gone"
			} else if err != nil {
				return err
			}
		}
		detail := map[string]any{"via": d.Reason}
		if d.Reason == policy.ViaDisaster {
			detail["disaster"] = f.DisasterID // joso §21: every disaster read names the disaster
		}
		target := ""
		if c != nil {
			target = c.ID // an unknown id from the path is not written to the log
		}
		if att != nil {
			detail["attachment"], detail["content_type"], detail["size"] = att.ID, att.ContentType, att.Size
		}
		ev := event(ctx, a, "consent.form.view", "consent", target, p.ID, detail)
		if missing != "" {
			ev.Outcome, ev.Reason, att = "denied", missing, nil // refused, and audited as such
		}
		return s.log.Append(ctx, tx, ev)
	})
	if err != nil {
		return nil, err // nothing leaves unless its audit event was written
	}
	if missing != "" {
		return nil, domain.Errorf(domain.ENOTFOUND, "同意書が見つかりません。")
	}
	return att, nil
}

// FormFileName is the download name of a scanned consent form: made of the
// content hash and the type only, so it is safe in a header and names nobody.
func FormFileName(att *domain.Attachment) string {
	ext := map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[att.ContentType]
	if ext == "" {
		ext = ".bin"
	}
	id := att.ID
	if len(id) > 16 {
		id = id[:16]
	}
	return "doisho-" + id + ext
}
