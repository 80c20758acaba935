package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
)

// decodeJSONLimit is decodeJSON with a larger cap on the body, for the one route
// whose body may carry a file (the scanned consent form).
func decodeJSONLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if err := checkMediaType(r); err != nil {
		return err
	}
	body, err := readBodyLimit(w, r, limit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("リクエスト本文がありません。JSONオブジェクトを送ってください。", "", "")
	}
	return parseJSON(body, dst)
}

func readBodyLimit(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, problem: "request-too-large",
			detail: fmt.Sprintf("リクエスト本文は%dMiB以内にしてください。", limit>>20)}
	}
	if err != nil {
		return nil, badRequest("リクエスト本文を読み取れませんでした。", "", "")
	}
	return b, nil
}

func auditEventOut(e *domain.AuditEvent) auditEventJSON {
	detail := json.RawMessage(e.Detail)
	if !json.Valid(detail) {
		detail, _ = json.Marshal(e.Detail)
	}
	return auditEventJSON{ID: e.ID, At: timestamp(e.At), ActorUserID: e.ActorUserID, ActorLogin: e.ActorLogin,
		ActorOrgID: e.ActorOrgID, ActorRole: e.ActorRole, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
		PersonID: e.PersonID, Reason: e.Reason, Outcome: e.Outcome, RemoteAddr: e.RemoteAddr, RequestID: e.RequestID,
		Detail: detail}
}

type accessRequestRequest struct {
	InsuredNo string `json:"insured_no"`
	BirthDate string `json:"birth_date"`
	Reason    string `json:"reason"`
}

// createAccessRequest: an organization asks the care-plan office for access to a
// person it serves, named by care insured number and birth date (beppu §17-3).
func (a *API) createAccessRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in accessRequestRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	req, err := a.people.RequestAccess(r.Context(), pr.Actor, in.InsuredNo, in.BirthDate, in.Reason)
	if err != nil {
		return err
	}
	out := accessRequestOut(req)
	out.PersonID = "" // nothing about the person before the office answers
	return writeJSON(w, http.StatusCreated, out)
}

// grantAccessRequest and refuseAccessRequest: the care-plan office (or the
// operator) answers a request (beppu §17-4).
func (a *API) grantAccessRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	return a.decideAccessRequest(w, r, pr, true)
}

func (a *API) refuseAccessRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	return a.decideAccessRequest(w, r, pr, false)
}

func (a *API) decideAccessRequest(w http.ResponseWriter, r *http.Request, pr *accounts.Principal, approve bool) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if err := a.people.DecideAccessRequest(r.Context(), pr.Actor, r.PathValue("id"), approve); err != nil {
		return err
	}
	return noContent(w)
}

type claimsReportJSON struct {
	ImportID  string             `json:"import_id"`
	Lines     int                `json:"lines"`
	Accepted  int                `json:"accepted"`
	Rejected  []rejectedLineJSON `json:"rejected"`
	Unmatched []rejectedLineJSON `json:"unmatched"`
	Granted   int                `json:"granted"`
}

type rejectedLineJSON struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func claimsReportOut(rep *people.ClaimsReport) claimsReportJSON {
	lines := func(in []people.RejectedLine) []rejectedLineJSON {
		out := make([]rejectedLineJSON, 0, len(in))
		for _, l := range in {
			out = append(out, rejectedLineJSON{Line: l.Line, Reason: l.Reason})
		}
		return out
	}
	return claimsReportJSON{ImportID: rep.ImportID, Lines: rep.Lines, Accepted: rep.Accepted, Rejected: lines(rep.Rejected),
		Unmatched: lines(rep.Unmatched), Granted: rep.Granted}
}

// claimsProblem is the problem of a refused claims file, with the report of its
// rejected lines as an extension member.
type claimsProblem struct {
	problem
	Report claimsReportJSON `json:"report"`
}

// importClaims imports a claims CSV (fukuoka §19-2): the body is the file
// (text/csv, UTF-8), its name the query parameter file_name. A file with any bad
// line imports nothing: 422 with the report of the rejected lines.
func (a *API) importClaims(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "text/csv" {
		return &requestError{status: http.StatusUnsupportedMediaType, problem: "unsupported-media-type",
			detail: "Content-Type は text/csv（文字コードは UTF-8）にしてください。"}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &requestError{status: http.StatusUnsupportedMediaType, problem: "unsupported-media-type",
			detail: "CSVの文字コードは UTF-8 にしてください（Shift_JIS のファイルは UTF-8 で保存し直してください）。"}
	}
	name, err := queryText(r, "file_name", 200)
	if err != nil {
		return err
	}
	data, err := readBodyLimit(w, r, people.MaxClaimsBytes)
	if err != nil {
		return err
	}
	rep, err := a.people.ImportClaims(r.Context(), pr.Actor, name, data)
	if err != nil {
		if rep != nil && problemName(err) == "claims-rejected" {
			return a.writeClaimsProblem(w, r, err, rep)
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, claimsReportOut(rep))
}

func (a *API) writeClaimsProblem(w http.ResponseWriter, r *http.Request, err error, rep *people.ClaimsReport) error {
	p := claimsProblem{problem: problem{Type: problemPrefix + "claims-rejected", Title: titles["claims-rejected"],
		Status: http.StatusUnprocessableEntity, Detail: domain.PublicMessage(err)}, Report: claimsReportOut(rep)}
	if id := domain.RequestMetaFrom(r.Context()).RequestID; id != "" {
		p.Instance = "urn:renraku:request:" + id
	}
	b, jerr := json.Marshal(p)
	if jerr != nil {
		return jerr
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
	return nil
}

type disasterJSON struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	State      string  `json:"state"` // scheduled, active, ended, cancelled
	StartedAt  *string `json:"started_at"`
	EndedAt    *string `json:"ended_at"` // the planned end while ended_by is ""
	DeclaredBy string  `json:"declared_by"`
	EndedBy    string  `json:"ended_by"`
}

func disasterOut(d *domain.Disaster, now time.Time) disasterJSON {
	return disasterJSON{ID: d.ID, Name: d.Name, State: people.DisasterState(d, now), StartedAt: timestamp(d.StartedAt),
		EndedAt: timestamp(d.EndedAt), DeclaredBy: d.DeclaredBy, EndedBy: d.EndedBy}
}

// listDisasters lists declared disasters, newest first (joso §21).
func (a *API) listDisasters(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	list, err := a.people.Disasters(r.Context(), pr.Actor)
	if err != nil {
		return err
	}
	out := make([]disasterJSON, 0, len(list))
	for _, d := range list {
		out = append(out, disasterOut(d, pr.Actor.Now))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"disasters": out})
}

// disasterRequest declares a disaster; start and end are RFC 3339 with an offset.
type disasterRequest struct {
	Name  string `json:"name"`
	Start string `json:"start"` // "" = now
	End   string `json:"end"`   // the planned end; "" = until ended
}

// declareDisaster declares disaster mode (joso §21): from its start until it ends
// (or its planned end passes), designated users read the records of people who
// consented to disaster use.
func (a *API) declareDisaster(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in disasterRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	// The service also takes the web form's local time; the API says RFC 3339.
	for _, f := range []struct{ field, label, v string }{{"start", "開始日時", in.Start}, {"end", "終了予定日時", in.End}} {
		if f.v == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, f.v); err != nil {
			return fieldError(f.field, f.label+"は RFC 3339 の形式で指定してください（例: 2026-11-24T10:00:00+09:00）。")
		}
	}
	d, err := a.people.DeclareDisaster(r.Context(), pr.Actor, people.DisasterInput{Name: in.Name, Start: in.Start, End: in.End})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, disasterOut(d, pr.Actor.Now))
}

// endDisaster ends the active disaster; the responders' access ends with it. With
// none active it cancels the next scheduled one.
func (a *API) endDisaster(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	if err := noBody(w, r); err != nil {
		return err
	}
	if _, err := a.people.EndDisaster(r.Context(), pr.Actor, ""); err != nil {
		return err
	}
	return noContent(w)
}

type matrixCellJSON struct {
	Occupation string `json:"occupation"`
	Category   string `json:"category"`
	Read       bool   `json:"read"`
	Write      bool   `json:"write"`
}

// getMatrix returns the occupation x record-category grid (beppu §10-1, fukuoka
// §9-1), every cell of the profile's occupations and categories; a cell never set
// allows reading and writing.
func (a *API) getMatrix(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	m, err := a.people.LoadMatrix(r.Context(), pr.Actor)
	if err != nil {
		return err
	}
	p := pr.Actor.Profile
	cells := []matrixCellJSON{}
	for _, o := range p.Occupations {
		for _, c := range p.People.RecordCategories {
			cells = append(cells, matrixCellJSON{Occupation: o.Key, Category: c.Key,
				Read: m.Allows(o.Key, c.Key, false), Write: m.Allows(o.Key, c.Key, true)})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"editable": p.People.Matrix, "cells": cells})
}

// matrixRequest carries the changed cells. Each cell is parsed as strictly as a
// body (unknown, duplicate, null and mistyped members are refused).
type matrixRequest struct {
	Cells []rawCell `json:"cells"`
}

// rawCell keeps a cell's JSON for the strict parse.
type rawCell struct{ json.RawMessage }

func (c *rawCell) UnmarshalJSON(b []byte) error {
	c.RawMessage = append(json.RawMessage(nil), b...)
	return nil
}

// setMatrix changes cells of the matrix (the operator, beppu §10-1, fukuoka §9-1).
func (a *API) setMatrix(w http.ResponseWriter, r *http.Request, pr *accounts.Principal) error {
	var in matrixRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if len(in.Cells) == 0 {
		return fieldError("cells", "変更するセルを1つ以上指定してください。")
	}
	if len(in.Cells) > 1000 {
		return fieldError("cells", "一度に変更できるセルは1,000個までです。")
	}
	cells := make([]domain.MatrixEntry, 0, len(in.Cells))
	for i, raw := range in.Cells {
		var c matrixCellJSON
		if err := parseJSON(raw.RawMessage, &c); err != nil {
			var re *requestError
			if errors.As(err, &re) {
				msg := fmt.Sprintf("cells[%d]: %s", i, re.detail)
				return badRequest(msg, "cells", msg)
			}
			return err
		}
		cells = append(cells, domain.MatrixEntry{Occupation: c.Occupation, Category: c.Category, Read: c.Read, Write: c.Write})
	}
	if err := a.people.SetMatrix(r.Context(), pr.Actor, cells); err != nil {
		// The service refuses an unknown occupation or category without naming a
		// field; the cells are the field.
		if e := domain.AsError(err); e != nil && e.Code == domain.EINVALID && len(e.Fields) == 0 {
			c := *e
			c.Fields = map[string]string{"cells": e.Message}
			return &c
		}
		return err
	}
	return noContent(w)
}
