package timeline

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// Limits of an entry.
const (
	MaxBody        = 4000 // characters of text
	MaxAddressees  = 20
	MaxAttachments = 10
	MaxQuery       = 100 // characters searched for
)

// Input is a new entry or reply as written.
type Input struct {
	// Category is a key of the profile's record categories; a reply takes its
	// thread's category and leaves it empty.
	Category string
	Body     string
	// To lists addressees as "org:<id>" or "user:<id>": organizations and users
	// of the person's care team (who may be addressed is Recipients').
	To             []string
	ActionRequired bool // 要対応
	// ReplyTo is the entry answered, of the same person ("" for a new thread).
	ReplyTo string
	// Attachments are IDs of files the author stored already (content-addressed).
	Attachments []string
}

// checkBody checks an entry's text: free Japanese text, line breaks kept, at most
// MaxBody characters. Unlike names and addresses, < and > are allowed ("BP
// <140"): every page escapes the text, and links are made only from http(s) URLs
// (web: EntryText). Control characters other than line breaks and tabs are
// refused; CRLF and CR become LF.
func checkBody(errs domain.FieldErrors, v string) string {
	if !utf8.ValidString(v) {
		errs.Add("body", "本文に不正な文字コードが含まれています。")
		return ""
	}
	v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
	v = strings.TrimSpace(v)
	if v == "" {
		errs.Add("body", "本文を入力してください。")
		return ""
	}
	if n := utf8.RuneCountInString(v); n > MaxBody {
		errs.Add("body", "本文は"+strconv.Itoa(MaxBody)+"文字以内で入力してください（現在"+strconv.Itoa(n)+"文字）。")
		return v
	}
	for _, r := range v {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			errs.Add("body", "本文に使用できない制御文字が含まれています。")
			return v
		}
	}
	return v
}

// idRe is the shape of the IDs renraku makes (domain.NewID) and of attachment
// IDs (hex SHA-256): what is not of that shape is refused before any lookup.
var idRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkInput checks the shape of an entry: the category (for a new thread), the
// text, the addressees and attachments named. What they point at is checked in
// the transaction.
func checkInput(p *profile.Profile, in Input) (Input, []domain.Addressee, error) {
	errs := domain.FieldErrors{}
	in.ReplyTo = strings.TrimSpace(in.ReplyTo)
	if in.ReplyTo != "" && !idRe.MatchString(in.ReplyTo) {
		errs.Add("reply_to", "返信先の記録が見つかりません。")
	}
	if in.ReplyTo == "" && !isCategory(p, in.Category) {
		errs.Add("category", "記録の種類を選んでください。")
	}
	in.Body = checkBody(errs, in.Body)
	var to []domain.Addressee
	if len(in.To) > MaxAddressees {
		errs.Add("to", "宛先は"+strconv.Itoa(MaxAddressees)+"件までにしてください。")
	}
	for _, t := range in.To {
		kind, id, _ := strings.Cut(strings.TrimSpace(t), ":")
		if t == "" {
			continue
		}
		if (kind != domain.AddresseeOrg && kind != domain.AddresseeUser) || !idRe.MatchString(id) {
			errs.Add("to", "宛先の指定が正しくありません。")
			break
		}
		a := domain.Addressee{Kind: kind, ID: id}
		if !slices.Contains(to, a) {
			to = append(to, a)
		}
	}
	if len(in.Attachments) > MaxAttachments {
		errs.Add("attachments", "添付ファイルは"+strconv.Itoa(MaxAttachments)+"件までにしてください。")
	}
	var atts []string
	for _, id := range in.Attachments {
		if !idRe.MatchString(id) {
			errs.Add("attachments", "添付ファイルの指定が正しくありません。")
			break
		}
		if !slices.Contains(atts, id) {
			atts = append(atts, id)
		}
	}
	in.Attachments = atts
	return in, to, errs.Err()
}

func isCategory(p *profile.Profile, key string) bool {
	return slices.ContainsFunc(p.People.RecordCategories, func(c profile.Item) bool { return c.Key == key })
}

// Filter narrows a person's timeline as a form or a query string gives it.
type Filter struct {
	Category  string
	AuthorOrg string
	From      string // YYYY-MM-DD, Asia/Tokyo, inclusive
	To        string // YYYY-MM-DD, Asia/Tokyo, inclusive
	Query     string // words searched for in the text
	Limit     int    // threads per page (default 20, at most 100)
	Offset    int
}

// Active reports whether the filter narrows the timeline at all.
func (f Filter) Active() bool {
	return f.Category != "" || f.AuthorOrg != "" || f.From != "" || f.To != "" || f.Query != ""
}

// check validates the filter and turns it into the store's: dates are civil
// dates in Asia/Tokyo, so "to" includes the whole day.
func (f Filter) check(p *profile.Profile) (Filter, domain.EntryFilter, error) {
	errs := domain.FieldErrors{}
	out := domain.EntryFilter{Limit: f.Limit, Offset: f.Offset}
	f.Category = strings.TrimSpace(f.Category)
	if f.Category != "" && !isCategory(p, f.Category) {
		errs.Add("category", "記録の種類の指定が正しくありません。")
	}
	out.Category = f.Category
	f.AuthorOrg = strings.TrimSpace(f.AuthorOrg)
	if f.AuthorOrg != "" && !idRe.MatchString(f.AuthorOrg) {
		errs.Add("author_org", "記録した組織の指定が正しくありません。")
	}
	out.AuthorOrg = f.AuthorOrg
	day := func(field, label, v string) time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, profile.Tokyo())
		if err != nil || t.Format("2006-01-02") != v {
			errs.Add(field, label+"は年-月-日（例: 2026-11-24）で指定してください。")
			return time.Time{}
		}
		return t
	}
	out.Since = day("from", "期間の開始日", f.From)
	if until := day("to", "期間の終了日", f.To); !until.IsZero() {
		out.Until = until.AddDate(0, 0, 1)
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && !out.Since.Before(out.Until) {
		errs.Add("to", "期間の終了日は開始日以降にしてください。")
	}
	q := f.Query
	switch {
	case !utf8.ValidString(q):
		errs.Add("q", "検索する言葉に不正な文字コードが含まれています。")
	case utf8.RuneCountInString(q) > MaxQuery:
		errs.Add("q", "検索する言葉は"+strconv.Itoa(MaxQuery)+"文字以内にしてください。")
	case strings.ContainsFunc(q, unicode.IsControl):
		errs.Add("q", "検索する言葉に制御文字は使えません。")
	}
	f.Query = strings.TrimSpace(q)
	out.Query = f.Query
	if f.Limit < 0 || f.Limit > 100 || f.Offset < 0 {
		errs.Add("limit", "表示件数の指定が正しくありません。")
	}
	return f, out, errs.Err()
}
