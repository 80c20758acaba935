package board

import (
	"slices"
	"strings"
	"time"

	"renraku/internal/domain"
	"renraku/internal/profile"
	"renraku/internal/validate"
)

// Input is a post as the operator writes it, from the web form or the API.
type Input struct {
	Kind   string `json:"kind"` // "notice" or "maintenance"
	Title  string `json:"title"`
	Body   string `json:"body"`
	Pinned bool   `json:"pinned"`
	// The audience: each list narrows it; all empty = every user of the network.
	OrgTypes    []string `json:"org_types"`
	Roles       []string `json:"roles"`
	Occupations []string `json:"occupations"`
	// The maintenance window, RFC 3339 or "2006-01-02T15:04" in Japan time.
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	// Urgent: the window starts now or has started (beppu §9-3 ただし書).
	Urgent bool `json:"urgent"`
	// Notify: on an edit, tell the audience again (a changed window, say).
	Notify bool `json:"notify"`
}

const (
	maxTitle = 100
	maxBody  = 4000
	maxList  = 50
)

// Roles lists the account kinds a post may be narrowed to in a network, in the
// order the form shows them.
func Roles(p *profile.Profile) []domain.Role {
	out := []domain.Role{domain.RoleAdmin, domain.RoleStaff}
	if p.HasMunicipal {
		out = append(out, domain.RoleMunicipal)
	}
	out = append(out, domain.RoleOperator)
	if p.HasAuditor {
		out = append(out, domain.RoleAuditor)
	}
	if p.HasVendor {
		out = append(out, domain.RoleVendor)
	}
	return out
}

// orgless are the roles that belong to no organization.
func orgless(r string) bool {
	switch domain.Role(r) {
	case domain.RoleOperator, domain.RoleAuditor, domain.RoleVendor, domain.RoleMunicipal:
		return true
	}
	return false
}

// ParseTime reads a window time: RFC 3339, or a form's "2006-01-02T15:04" (with
// or without seconds) in Japan time.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, profile.Tokyo()); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// check validates in for the profile at now and fills a post's content fields.
// Nothing is stored when it reports errors.
func check(p *profile.Profile, in Input, now time.Time, windowChanged func(start, end time.Time) bool) (*domain.BoardPost, error) {
	errs := domain.FieldErrors{}
	post := &domain.BoardPost{Pinned: in.Pinned}
	switch domain.BoardKind(in.Kind) {
	case domain.BoardNotice, domain.BoardMaintenance:
		post.Kind = domain.BoardKind(in.Kind)
	default:
		errs.Add("kind", "種類（お知らせ・保守の予告）を選んでください。")
	}
	post.Title = validate.Text(errs, "title", "件名", in.Title, true, maxTitle, false)
	post.Body = validate.Text(errs, "body", "本文", strings.ReplaceAll(in.Body, "\r\n", "\n"), true, maxBody, true)

	list := func(field, label string, vals []string, known func(string) bool) []string {
		if len(vals) > maxList {
			errs.Add(field, label+"が多すぎます。")
			return nil
		}
		var out []string
		for _, v := range vals {
			if v == "" || slices.Contains(out, v) {
				continue
			}
			if !known(v) {
				errs.Add(field, label+"「"+v+"」はこのネットワークにありません。")
				return nil
			}
			out = append(out, v)
		}
		return out
	}
	roles := Roles(p)
	post.Audience = domain.BoardAudience{
		OrgTypes:    list("org_types", "組織の種別", in.OrgTypes, func(v string) bool { return p.OrgType(v) != nil }),
		Roles:       list("roles", "利用者の区分", in.Roles, func(v string) bool { return slices.Contains(roles, domain.Role(v)) }),
		Occupations: list("occupations", "職種", in.Occupations, func(v string) bool { return p.Occupation(v) != nil }),
	}
	// An organization type and only accounts of no organization: nobody.
	if a := post.Audience; (len(a.OrgTypes) > 0 || len(a.Occupations) > 0) && len(a.Roles) > 0 && !slices.ContainsFunc(a.Roles, func(r string) bool { return !orgless(r) }) {
		if len(a.OrgTypes) > 0 {
			errs.Add("roles", "組織の種別を選んだときは、"+p.Terms.AdminLabel+"か"+p.Terms.StaffLabel+"を含めてください（運営者・行政利用者などは組織に属しません）。")
		} else {
			errs.Add("roles", "職種を選んだときは、"+p.Terms.AdminLabel+"か"+p.Terms.StaffLabel+"を含めてください。")
		}
	}

	if post.Kind == domain.BoardMaintenance {
		start, okS := ParseTime(in.StartsAt)
		end, okE := ParseTime(in.EndsAt)
		switch {
		case strings.TrimSpace(in.StartsAt) == "":
			errs.Add("starts_at", "停止の開始日時を入力してください。")
		case !okS:
			errs.Add("starts_at", "開始日時の形式が正しくありません（例: 2026-12-01T09:00）。")
		}
		switch {
		case strings.TrimSpace(in.EndsAt) == "":
			errs.Add("ends_at", "停止の終了日時を入力してください。")
		case !okE:
			errs.Add("ends_at", "終了日時の形式が正しくありません（例: 2026-12-01T12:00）。")
		}
		if okS && okE {
			switch {
			case !end.After(start):
				errs.Add("ends_at", "終了日時は開始日時より後にしてください。")
			case windowChanged(start, end) && !end.After(now):
				errs.Add("ends_at", "終了日時が過ぎています。")
			case windowChanged(start, end) && !start.After(now) && !in.Urgent:
				// beppu §9-3, fukuoka §15-3: announced in advance, unless the
				// operator deems it urgent.
				errs.Add("starts_at", "保守・停止は事前に予告します（"+p.Board.MaintenanceArticle+"）。開始日時を未来にするか、緊急の停止として「緊急」を選んでください。")
			}
			post.StartsAt, post.EndsAt = start.Truncate(time.Minute), end.Truncate(time.Minute)
			post.Urgent = in.Urgent
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return post, nil
}
