// Package api is renraku's JSON API under /api/v1, described by the OpenAPI 3.1
// document it serves at /api/v1/openapi.json. Handlers parse and strictly check
// the JSON, call the accounts service (which asks policy.Decide and writes the
// audit log) and write JSON; every error is an RFC 9457 problem document.
//
// Clients authenticate with `Authorization: Bearer <network>.<secret>`: the token
// names its network, and is only ever looked up within it.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/profile"
)

// API serves /api/v1.
type API struct {
	acc    *accounts.Service
	people *people.Service
	logger *slog.Logger
	mail   bool // an SMTP relay is configured: users may choose e-mail notifications (notifications.go)
	// patterns holds every route's pattern, to tell a wrong method (405) from an
	// unknown path (404).
	patterns *http.ServeMux
}

// New returns the API over the services.
func New(acc *accounts.Service, ppl *people.Service, logger *slog.Logger) *API {
	if logger == nil {
		logger = slog.Default()
	}
	a := &API{acc: acc, people: ppl, logger: logger, patterns: http.NewServeMux()}
	for _, rt := range routes {
		a.patterns.Handle(rt.Method+" "+rt.Path, http.NotFoundHandler())
	}
	return a
}

// handler wraps a route: no caching of anything the API says, authentication for
// non-public routes, and one place where errors become problem documents.
func (a *API) handler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		var pr *accounts.Principal
		if !rt.Public {
			var err error
			if pr, err = a.authenticate(r); err != nil {
				a.writeError(w, r, err)
				return
			}
		}
		if err := rt.Handle(a, w, r, pr); err != nil {
			a.writeError(w, r, err)
		}
	})
}

var errNoToken = domain.Problem(domain.EUNAUTHORIZED, "unauthorized",
	"認証が必要です。Authorization ヘッダーに「Bearer <トークン>」を指定してください。トークンは POST /api/v1/sessions で取得できます。")

var errBadToken = domain.Problem(domain.EUNAUTHORIZED, "invalid-token",
	"認証トークンが正しくありません。もう一度ログインしてください。")

// authenticate resolves the bearer token. The service re-reads the account and its
// organization on every request, so a suspension or revocation takes effect at once.
func (a *API) authenticate(r *http.Request) (*accounts.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errNoToken
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, errNoToken
	}
	net, secret, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok || !accounts.ValidNetworkID(net) || secret == "" {
		return nil, errBadToken
	}
	// The service re-reads the account and refuses (and audits) use outside the
	// service hours (fukuoka §15, beppu §9).
	pr, err := a.acc.Authenticate(r.Context(), net, secret)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, errBadToken // no such network: say nothing more than for a bad token
		}
		return nil, err
	}
	return pr, nil
}

// unmatched answers paths under /api/v1/ that no route serves.
func (a *API) unmatched(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var allowed []string
	for _, m := range unmatchedMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.patterns.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		a.writeError(w, r, &requestError{status: http.StatusMethodNotAllowed, problem: "method-not-allowed",
			detail: "このURLでは " + r.Method + " は使えません（使えるメソッド: " + strings.Join(allowed, ", ") + "）。"})
		return
	}
	a.writeError(w, r, &requestError{status: http.StatusNotFound, problem: "not-found",
		detail: "このURLのAPIはありません。一覧は /api/v1/openapi.json を参照してください。"})
}

// writeJSON writes v as the JSON response. It encodes before writing anything, so
// an encoding error still becomes a problem response.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}

// noContent answers a change that has nothing to return.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// timestamp renders a time in Asia/Tokyo (RFC 3339), null when unset.
func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(profile.Tokyo()).Format(time.RFC3339)
	return &s
}
