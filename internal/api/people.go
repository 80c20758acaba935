package api

import (
	"encoding/base64"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
)

// The people capability (shared/SPEC.md §3-4): every handler parses the request,
// calls the people service (which asks policy.Decide, filters lists in the
// database and audits every read and change before answering) and writes JSON.
// A person the actor may not see is 404, whether or not it exists.

func init() {
	titles["duplicate"] = "同じフリガナ・生年月日の対象者が登録されています"
	titles["claims-rejected"] = "取り込めない行があります"
}

// date renders a civil date ("YYYY-MM-DD"), null when unset.
func date(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

type personJSON struct {
	ID              string   `json:"id"`
	FamilyName      string   `json:"family_name"`
	GivenName       string   `json:"given_name"`
	FamilyKana      string   `json:"family_kana"`
	GivenKana       string   `json:"given_kana"`
	BirthDate       *string  `json:"birth_date"`
	Sex             string   `json:"sex"`
	Address         string   `json:"address"`
	Phone           string   `json:"phone"`
	CareInsuredNo   string   `json:"care_insured_no"`
	HealthInsuredNo string   `json:"health_insured_no"`
	HouseholdID     string   `json:"household_id"`
	RegisteredOrg   string   `json:"registered_org"`
	RegisteredBy    string   `json:"registered_by"`
	Eligible        bool     `json:"eligible"`
	LostReason      string   `json:"lost_reason"`
	LostOn          *string  `json:"lost_on"`
	ReadableUntil   *string  `json:"readable_until"`
	Status          string   `json:"status"`
	Consent         string   `json:"consent"`
	ConsentForm     string   `json:"consent_form"`
	ConsentScopes   []string `json:"consent_scopes"`
	CreatedAt       *string  `json:"created_at"`
	UpdatedAt       *string  `json:"updated_at"`
}

func personOut(p *domain.Person) personJSON {
	return personJSON{ID: p.ID, FamilyName: p.FamilyName, GivenName: p.GivenName, FamilyKana: p.FamilyKana,
		GivenKana: p.GivenKana, BirthDate: date(p.BirthDate), Sex: p.Sex, Address: p.Address, Phone: p.Phone,
		CareInsuredNo: p.CareInsuredNo, HealthInsuredNo: p.HealthInsuredNo, HouseholdID: p.HouseholdID,
		RegisteredOrg: p.RegisteredOrg, RegisteredBy: p.RegisteredBy, Eligible: p.Eligible, LostReason: p.LostReason,
		LostOn: date(p.LostOn), ReadableUntil: date(p.ReadableUntil), Status: string(p.Status), Consent: string(p.Consent),
		ConsentForm: p.ConsentForm, ConsentScopes: strs(p.ConsentScopes), CreatedAt: timestamp(p.CreatedAt),
		UpdatedAt: timestamp(p.UpdatedAt)}
}

// consentJSON is a consent without the scanned form's bytes: attachment_id names it.
type consentJSON struct {
	ID           string   `json:"id"`
	PersonID     string   `json:"person_id"`
	Kind         string   `json:"kind"`
	SignerName   string   `json:"signer_name"`
	Relationship string   `json:"relationship"`
	ConsentedOn  *string  `json:"consented_on"`
	FormVersion  string   `json:"form_version"`
	Scopes       []string `json:"scopes"`
	LegalBasis   string   `json:"legal_basis"`
	AttachmentID string   `json:"attachment_id"`
	EnteredBy    string   `json:"entered_by"`
	EnteredOrg   string   `json:"entered_org"`
	CreatedAt    *string  `json:"created_at"`
	WithdrawnAt  *string  `json:"withdrawn_at"`
	WithdrawnBy  string   `json:"withdrawn_by"`
	WithdrawNote string   `json:"withdraw_note"`
}

func consentOut(c *domain.Consent) consentJSON {
	return consentJSON{ID: c.ID, PersonID: c.PersonID, Kind: c.Kind, SignerName: c.SignerName, Relationship: c.Relationship,
		ConsentedOn: date(c.ConsentedOn), FormVersion: c.FormVersion, Scopes: strs(c.Scopes), LegalBasis: c.LegalBasis,
		AttachmentID: c.AttachmentID, EnteredBy: c.EnteredBy, EnteredOrg: c.EnteredOrg, CreatedAt: timestamp(c.CreatedAt),
		WithdrawnAt: timestamp(c.WithdrawnAt), WithdrawnBy: c.WithdrawnBy, WithdrawNote: c.WithdrawNote}
}

type accessJSON struct {
	ID           string  `json:"id"`
	PersonID     string  `json:"person_id"`
	OrgID        string  `json:"org_id"`
	Kind         string  `json:"kind"`
	GrantedBy    string  `json:"granted_by"`
	GrantedByOrg string  `json:"granted_by_org"`
	ExpiresOn    *string `json:"expires_on"`
	CreatedAt    *string `json:"created_at"`
	EndedAt      *string `json:"ended_at"`
	EndedBy      string  `json:"ended_by"`
	EndReason    string  `json:"end_reason"`
}

func accessOut(a *domain.Access) accessJSON {
	return accessJSON{ID: a.ID, PersonID: a.PersonID, OrgID: a.OrgID, Kind: a.Kind, GrantedBy: a.GrantedBy,
		GrantedByOrg: a.GrantedByOrg, ExpiresOn: date(a.ExpiresOn), CreatedAt: timestamp(a.CreatedAt),
		EndedAt: timestamp(a.EndedAt), EndedBy: a.EndedBy, EndReason: a.EndReason}
}

// accessRequestJSON is a request for access. PersonID is left out of the answer
// to the requesting organization: it learns nothing of the person before the
// care-plan office grants (beppu §17-3).
type accessRequestJSON struct {
	ID          string  `json:"id"`
	PersonID    string  `json:"person_id,omitempty"`
	OrgID       string  `json:"org_id"`
	RequestedBy string  `json:"requested_by"`
	InsuredNo   string  `json:"insured_no"`
	BirthDate   *string `json:"birth_date"`
	Reason      string  `json:"reason"`
	Status      string  `json:"status"`
	DecidedBy   string  `json:"decided_by"`
	DecidedAt   *string `json:"decided_at"`
	CreatedAt   *string `json:"created_at"`
}

func accessRequestOut(r *domain.AccessRequest) accessRequestJSON {
	return accessRequestJSON{ID: r.ID, PersonID: r.PersonID, OrgID: r.OrgID, RequestedBy: r.RequestedBy,
		InsuredNo: r.InsuredNo, BirthDate: date(r.BirthDate), Reason: r.Reason, Status: r.Status, DecidedBy: r.DecidedBy,
		DecidedAt: timestamp(r.DecidedAt), CreatedAt: timestamp(r.CreatedAt)}
}

// personRefJSON names a person on a list; a hidden record keeps only its status.
type personRefJSON struct {
	ID         string  `json:"id"`
	FamilyName string  `json:"family_name"`
	GivenName  string  `json:"given_name"`
	FamilyKana string  `json:"family_kana"`
	GivenKana  string  `json:"given_kana"`
	BirthDate  *string `json:"birth_date"`
	Status     string  `json:"status"`
}

// accessRequestItemJSON is a request on the lists of GET /api/v1/access-requests.
type accessRequestItemJSON struct {
	Request      accessRequestJSON `json:"request"`
	Organization orgRef            `json:"organization"`
	Person       *personRefJSON    `json:"person"`
	CanDecide    bool              `json:"can_decide"`
}

func accessRequestItemsOut(items []*people.AccessRequestItem) []accessRequestItemJSON {
	out := make([]accessRequestItemJSON, 0, len(items))
	for _, it := range items {
		x := accessRequestItemJSON{Request: accessRequestOut(it.Request), CanDecide: it.CanDecide,
			Organization: orgRef{ID: it.Org.ID, Name: it.Org.Name, Type: it.Org.Type}}
		if p := it.Person; p != nil {
			x.Person = &personRefJSON{ID: p.ID, FamilyName: p.FamilyName, GivenName: p.GivenName, FamilyKana: p.FamilyKana,
				GivenKana: p.GivenKana, BirthDate: date(p.BirthDate), Status: string(p.Status)}
		}
		out = append(out, x)
	}
	return out
}

// listAccessRequests: the requests the actor's organization answers (the
// operator: every open request) and those it made, with their answers (beppu
// §17-3..4). The requester's list names no person until a grant lets it see them.
func (a *API) listAccessRequests(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	in, out, err := a.people.AccessRequests(r.Context(), pr.Actor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"incoming": accessRequestItemsOut(in), "outgoing": accessRequestItemsOut(out)})
}

// personViewJSON is a person's page: the record, the permission the reader holds
// (audited with the read), and who may see the person.
type personViewJSON struct {
	Person   personJSON          `json:"person"`
	Via      string              `json:"via"`
	Hidden   bool                `json:"hidden"`
	Consents []consentJSON       `json:"consents"`
	Access   []accessJSON        `json:"access"`
	Requests []accessRequestJSON `json:"requests"`
}

// listPeople is "my people": only the people the actor may see, filtered in the
// database, with the total of the permitted matches for paging (audited).
func (a *API) listPeople(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var f domain.PeopleFilter
	var err error
	if f.Kana, err = queryText(r, "kana", 50); err != nil {
		return err
	}
	if f.BirthDate, err = queryText(r, "birth_date", 10); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return err
	}
	list, total, err := a.people.List(r.Context(), pr.Actor, f)
	if err != nil {
		return err
	}
	out := make([]personJSON, 0, len(list))
	for _, p := range list {
		out = append(out, personOut(p))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"total": total, "people": out})
}

type registerPersonRequest struct {
	FamilyName      string `json:"family_name"`
	GivenName       string `json:"given_name"`
	FamilyKana      string `json:"family_kana"`
	GivenKana       string `json:"given_kana"`
	BirthDate       string `json:"birth_date"`
	Sex             string `json:"sex"`
	Address         string `json:"address"`
	Phone           string `json:"phone"`
	CareInsuredNo   string `json:"care_insured_no"`
	HealthInsuredNo string `json:"health_insured_no"`
	HouseholdID     string `json:"household_id"`
	NewHousehold    string `json:"new_household"`
	// ConfirmDuplicate goes ahead when someone with the same kana name and birth
	// date is already registered (the first attempt is refused with "duplicate").
	ConfirmDuplicate bool `json:"confirm_duplicate"`
}

func (a *API) registerPerson(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in registerPersonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := a.people.Register(r.Context(), pr.Actor, people.PersonInput{FamilyName: in.FamilyName, GivenName: in.GivenName,
		FamilyKana: in.FamilyKana, GivenKana: in.GivenKana, BirthDate: in.BirthDate, Sex: in.Sex, Address: in.Address,
		Phone: in.Phone, CareInsuredNo: in.CareInsuredNo, HealthInsuredNo: in.HealthInsuredNo, HouseholdID: in.HouseholdID,
		NewHousehold: in.NewHousehold}, in.ConfirmDuplicate)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+p.ID)
	return writeJSON(w, http.StatusCreated, personOut(p))
}

func (a *API) getPerson(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	v, err := a.people.Get(r.Context(), pr.Actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := personViewJSON{Person: personOut(v.Person), Via: v.Via, Hidden: v.Hidden, Consents: []consentJSON{},
		Access: []accessJSON{}, Requests: []accessRequestJSON{}}
	for _, c := range v.Consents {
		out.Consents = append(out.Consents, consentOut(c))
	}
	for _, x := range v.Access {
		out.Access = append(out.Access, accessOut(x))
	}
	for _, x := range v.Requests {
		out.Requests = append(out.Requests, accessRequestOut(x))
	}
	return writeJSON(w, http.StatusOK, out)
}

type eligibilityRequest struct {
	Eligible   bool   `json:"eligible"`
	LostReason string `json:"lost_reason"`
	LostOn     string `json:"lost_on"`
}

// setEligibility records a loss (or regain) of eligibility; the record stays
// readable until the profile's read window ends (beppu §18, fukuoka §20).
func (a *API) setEligibility(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in eligibilityRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.SetEligibility(r.Context(), pr.Actor, r.PathValue("id"), in.Eligible, in.LostReason, in.LostOn); err != nil {
		return err
	}
	return noContent(w)
}

type readWindowRequest struct {
	From string `json:"from"`
}

// closeReadWindow restricts reading from a day on (fukuoka §20 なお書き).
func (a *API) closeReadWindow(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in readWindowRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.CloseReadWindow(r.Context(), pr.Actor, r.PathValue("id"), in.From); err != nil {
		return err
	}
	return noContent(w)
}

// maxConsentBody bounds the consent route's body, which may carry the scanned
// form (people.MaxFormBytes) in base64.
const maxConsentBody = 15 << 20

type consentRequest struct {
	Kind         string   `json:"kind"`
	SignerName   string   `json:"signer_name"`
	Relationship string   `json:"relationship"`
	ConsentedOn  string   `json:"consented_on"`
	FormVersion  string   `json:"form_version"`
	Scopes       []string `json:"scopes"`
	LegalBasis   string   `json:"legal_basis"`
	CarePlanOrg  string   `json:"care_plan_org"`
	// FormBase64 is the scanned signed form (PDF, JPEG or PNG) in standard base64;
	// the type is detected from the content. FormContentType, when given, must
	// agree with it.
	FormBase64      string `json:"form_base64"`
	FormContentType string `json:"form_content_type"`
}

var formContentTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// recordConsent records a consent (beppu §15, fukuoka §17, katori §13, joso §17,
// sendai §12); in the care-plan strategy the office writing the care plan gets
// access with it (beppu §17-1, fukuoka §19).
func (a *API) recordConsent(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in consentRequest
	if err := decodeJSONLimit(w, r, &in, maxConsentBody); err != nil {
		return err
	}
	var form []byte
	if s := strings.TrimSpace(in.FormBase64); s != "" {
		var err error
		if form, err = base64.StdEncoding.DecodeString(s); err != nil {
			return fieldError("form_base64", "同意書のファイルは base64（標準の形式）で指定してください。")
		}
		if len(form) > people.MaxFormBytes {
			return fieldError("form_base64", "同意書の画像・PDFは10MB以下にしてください。")
		}
		// A file of another type is refused by the service (on form_base64); a
		// declared type must name an accepted type and agree with the content.
		if ct := strings.TrimSpace(in.FormContentType); ct != "" {
			detected := http.DetectContentType(form)
			switch {
			case !formContentTypes[ct]:
				return fieldError("form_content_type", "application/pdf・image/jpeg・image/png のいずれかを指定してください。")
			case formContentTypes[detected] && ct != detected:
				return fieldError("form_content_type", "ファイルの内容（"+detected+"）と一致しません。")
			}
		}
	} else if in.FormContentType != "" {
		return fieldError("form_content_type", "同意書のファイルがないときは指定しないでください。")
	}
	c, err := a.people.RecordConsent(r.Context(), pr.Actor, r.PathValue("id"), people.ConsentInput{Kind: in.Kind,
		SignerName: in.SignerName, Relationship: in.Relationship, ConsentedOn: in.ConsentedOn, FormVersion: in.FormVersion,
		Scopes: in.Scopes, LegalBasis: in.LegalBasis, CarePlanOrg: in.CarePlanOrg, Form: form})
	if err != nil {
		return withFields(err, map[string]string{"form": "form_base64"})
	}
	return writeJSON(w, http.StatusCreated, consentOut(c))
}

// consentForm sends the scanned signed form of a consent, as stored, to whoever
// may see the person (the operator included); the read is audited before the
// bytes leave. Always a download, never sniffed, never cached.
func (a *API) consentForm(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	att, err := a.people.ConsentForm(r.Context(), pr.Actor, r.PathValue("id"), r.PathValue("consent_id"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", att.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": people.FormFileName(att)}))
	h.Set("Content-Length", strconv.Itoa(len(att.Data)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(att.Data) // the status is sent: a client gone away is not an error to answer
	return nil
}

type noteRequest struct {
	Note string `json:"note"`
}

// withdrawConsent records a withdrawal (beppu §16, fukuoka §18): sharing stops on
// the very next request.
func (a *API) withdrawConsent(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in noteRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.WithdrawConsent(r.Context(), pr.Actor, r.PathValue("id"), in.Note); err != nil {
		return err
	}
	return noContent(w)
}

// requestDeletion carries out a person's deletion request: 支援中止 (katori §13-2,
// joso §17-2..3) or a purge of the shared content (sendai §12-2..3).
func (a *API) requestDeletion(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in noteRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.RequestDeletion(r.Context(), pr.Actor, r.PathValue("id"), in.Note); err != nil {
		return err
	}
	return noContent(w)
}

type orgRequest struct {
	OrgID string `json:"org_id"`
}

// addToTeam adds an organization to the person's care team (katori, joso, sendai).
func (a *API) addToTeam(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in orgRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.AddToTeam(r.Context(), pr.Actor, r.PathValue("id"), in.OrgID); err != nil {
		return err
	}
	return noContent(w)
}

// grantAccess: the care-plan office (beppu §17-4) or, under claims-based access,
// a permitted organization (fukuoka §19-2..5) lets another organization in.
func (a *API) grantAccess(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in orgRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.GrantAccess(r.Context(), pr.Actor, r.PathValue("id"), in.OrgID); err != nil {
		return err
	}
	return noContent(w)
}

// endAccess ends an access row (beppu §17-2, §17-5; a team member leaving); it
// takes effect on the very next request.
func (a *API) endAccess(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in reasonRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.EndAccess(r.Context(), pr.Actor, r.PathValue("id"), r.PathValue("access_id"), in.Reason); err != nil {
		return err
	}
	return noContent(w)
}

// assignCarePlan records the office that writes the care plan; the previous
// office's care-plan access ends (beppu §17-1..2).
func (a *API) assignCarePlan(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in orgRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.people.AssignCarePlan(r.Context(), pr.Actor, r.PathValue("id"), in.OrgID); err != nil {
		return withFields(err, map[string]string{"care_plan_org": "org_id"})
	}
	return noContent(w)
}

// personAccessLog lists who viewed or changed the person's record, newest first
// (beppu §10-3, fukuoka §9-3); reading it is audited.
func (a *API) personAccessLog(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var f domain.AuditFilter
	var err error
	if f.From, err = queryDate(r, "from", 0); err != nil {
		return err
	}
	if f.To, err = queryDate(r, "to", 1); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit"); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset"); err != nil {
		return err
	}
	list, total, err := a.people.AccessLog(r.Context(), pr.Actor, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	out := make([]auditEventJSON, 0, len(list))
	for _, e := range list {
		out = append(out, auditEventOut(e))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"total": total, "events": out})
}
