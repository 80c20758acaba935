package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"renraku/internal/domain"
)

// problemPrefix starts every problem type URI.
const problemPrefix = "urn:renraku:problem:"

// problem is an RFC 9457 problem details document with renraku's extensions.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	// Errors maps a request field (or query parameter) to its Japanese message.
	Errors map[string]string `json:"errors,omitempty"`
	// SetupToken is the limited token of a first login that must first change the
	// password or enrol a second factor (beppu §12-2, fukuoka §12-2).
	SetupToken string `json:"setup_token,omitempty"`
}

// requestError is a problem with the HTTP request itself rather than with the
// values it carries: malformed JSON, a wrong media type, a body too large.
type requestError struct {
	status  int
	problem string
	detail  string
	fields  map[string]string
}

func (e *requestError) Error() string { return e.problem + ": " + e.detail }

// badRequest is a 400 problem naming what is wrong and, when known, the field.
func badRequest(detail, field, fieldMsg string) *requestError {
	e := &requestError{status: http.StatusBadRequest, problem: "bad-request", detail: detail}
	if field != "" {
		e.fields = map[string]string{field: fieldMsg}
	}
	return e
}

// titles are the short Japanese summaries of the problem types.
var titles = map[string]string{
	"not-found":                        "見つかりません",
	"invalid":                          "入力内容に誤りがあります",
	"forbidden":                        "権限がありません",
	"conflict":                         "現在の状態ではこの操作はできません",
	"unavailable":                      "現在利用できません",
	"unauthorized":                     "認証が必要です",
	"rate-limited":                     "試行回数が多すぎます",
	"internal":                         "システムエラー",
	"bad-request":                      "リクエストの形式が正しくありません",
	"unsupported-media-type":           "Content-Type が正しくありません",
	"request-too-large":                "リクエストが大きすぎます",
	"method-not-allowed":               "このメソッドは使えません",
	"invalid-token":                    "認証トークンが正しくありません",
	"session-expired":                  "ログインの有効期限が切れました",
	"password-change-required":         "パスワードの変更が必要です",
	"second-factor-enrolment-required": "二要素認証の登録が必要です",
	"setup-required":                   "初回ログインの設定が必要です",
	"otp-required":                     "確認コードが必要です",
	"otp-invalid":                      "確認コードが正しくありません",
	"invalid-credentials":              "IDまたはパスワードが正しくありません",
	"locked":                           "IDがロックされています",
	"suspended":                        "利用停止中です",
	"revoked":                          "IDは失効しています",
	"organization-suspended":           "所属組織が利用停止中です",
	"organization-withdrawn":           "所属組織は利用を廃止しています",
	"outside-service-hours":            "サービス提供時間外です",
}

// problemName derives the type name of an error: the service's precise Problem
// when it set one, else its code (not_found → not-found).
func problemName(err error) string {
	if e := domain.AsError(err); e != nil && e.Problem != "" {
		return e.Problem
	}
	return strings.ReplaceAll(string(domain.ErrorCode(err)), "_", "-")
}

// writeError writes err as a problem document. Internal errors are logged and
// shown only as a generic Japanese message: nothing internal leaks.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var re *requestError
	if errors.As(err, &re) {
		a.writeProblem(w, r, problem{Type: re.problem, Status: re.status, Detail: re.detail, Errors: re.fields})
		return
	}
	status := domain.HTTPStatus(err)
	if status == http.StatusInternalServerError {
		a.logger.ErrorContext(r.Context(), "api: internal error",
			"request_id", domain.RequestMetaFrom(r.Context()).RequestID, "method", r.Method, "route", r.Pattern, "err", err)
	}
	p := problem{Type: problemName(err), Status: status, Detail: domain.PublicMessage(err)}
	if e := domain.AsError(err); e != nil && len(e.Fields) > 0 && status != http.StatusInternalServerError {
		p.Errors = e.Fields
	}
	a.writeProblem(w, r, p)
}

// writeProblem completes p (type URI, title, instance) and writes it.
func (a *API) writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	if p.Title = titles[p.Type]; p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	p.Type = problemPrefix + p.Type
	if id := domain.RequestMetaFrom(r.Context()).RequestID; id != "" {
		p.Instance = "urn:renraku:request:" + id
	}
	b, err := json.Marshal(p)
	if err != nil { // cannot happen: p holds only strings and an int
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="renraku"`)
	}
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
}

// withFields returns err with its field messages renamed from the service's form
// names to the API's JSON names.
func withFields(err error, rename map[string]string) error {
	e := domain.AsError(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		if n, ok := rename[k]; ok {
			k = n
		}
		c.Fields[k] = v
	}
	return &c
}

// fieldError is a 422 for one field, in the service's own vocabulary.
func fieldError(field, msg string) error {
	return &domain.Error{Code: domain.EINVALID, Message: "入力内容に誤りがあります。各項目のメッセージを確認してください。",
		Fields: map[string]string{field: msg}}
}
