// Package web is the Japanese, server-rendered UI. Handlers parse, call the
// accounts service and render or redirect; what a user may see or do is asked of the
// policy through accounts.Can, never decided here.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"image/png"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DemoLogin is one row of the demo login table.
type DemoLogin struct {
	Network, NetworkName, LoginID, Password, Role, Organization, TOTPSecret, Code string
}

// Options configures the UI.
type Options struct {
	Logger     *slog.Logger
	Demo       bool
	DemoLogins func(ctx context.Context) []DemoLogin
	// MailEnabled: an SMTP relay is configured, so users may choose e-mail
	// notifications (notifications.go).
	MailEnabled bool
}

// Web serves the UI.
type Web struct {
	acc     *accounts.Service
	people  *people.Service
	opt     Options
	pages   map[string]*template.Template
	cssPath string
	css     []byte
}

// New parses the templates (a broken template fails at start, not at first use).
func New(acc *accounts.Service, ppl *people.Service, opt Options) *Web {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	css, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(css)
	w := &Web{acc: acc, people: ppl, opt: opt, pages: map[string]*template.Template{}, css: css,
		cssPath: "/static/style." + hex.EncodeToString(sum[:6]) + ".css"}
	funcs := template.FuncMap{
		"jst":        formatJST,
		"jstDate":    func(t time.Time) string { return t.In(profile.Tokyo()).Format("2006-01-02") },
		"roleName":   roleName,
		"statusName": statusName,
		"join":       strings.Join,
		"itemName": func(items []profile.Item, key string) string {
			for _, it := range items {
				if it.Key == key {
					return it.Name
				}
			}
			return key
		},
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
	}
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := strings.TrimPrefix(e, "templates/")
		if name == "layout.html" {
			continue
		}
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", e))
		w.pages[name] = t
	}
	return w
}

func formatJST(t time.Time) string {
	if t.IsZero() {
		return "―"
	}
	return t.In(profile.Tokyo()).Format("2006年1月2日 15:04")
}

func roleName(p *profile.Profile, role domain.Role, opRole string) string {
	return p.RoleName(string(role), opRole)
}

func statusName(s string) string {
	switch s {
	case "active":
		return "利用中"
	case "suspended":
		return "利用停止中"
	case "revoked":
		return "失効"
	case "withdrawn":
		return "利用廃止"
	case "pending":
		return "審査待ち"
	case "approved":
		return "承認済み"
	case "rejected":
		return "却下"
	case "issued":
		return "発行済み"
	}
	return s
}

// page is what every template gets.
type page struct {
	Title     string
	CSS       string
	Demo      bool
	Network   *domain.Network
	Profile   *profile.Profile
	Principal *accounts.Principal
	Errors    map[string]string
	Error     string // a message for the whole form
	Notice    string // a one-time confirmation (after a redirect)
	Form      url.Values
	Data      any
	can       func(policy.Action, policy.Resource) bool
	hdr       *header // the signed-in user's unread count and maintenance notices (notifications.go)
}

// Can asks the policy whether the signed-in user may do act (to orgID's things).
func (p *page) Can(act string, orgID ...string) bool {
	if p.can == nil {
		return false
	}
	res := policy.Resource{}
	if len(orgID) > 0 {
		res.OrgID = orgID[0]
	}
	return p.can(policy.Action(act), res)
}

// CanUser asks the policy whether the signed-in user may do act to account u.
func (p *page) CanUser(act string, u *domain.User) bool {
	if p.can == nil || u == nil {
		return false
	}
	return p.can(policy.Action(act), policy.Resource{OrgID: u.OrgID, UserID: u.ID, UserRole: u.Role})
}

// Val returns a submitted form value, to refill a form after an error.
func (p *page) Val(name string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Get(name)
}

func (w *Web) newPage(r *http.Request, title string, pr *accounts.Principal) *page {
	p := &page{Title: title, CSS: w.cssPath, Demo: w.opt.Demo, Principal: pr, Notice: notices[r.URL.Query().Get("done")]}
	if pr != nil {
		p.Network, p.Profile = pr.Network, pr.Actor.Profile
		actor := pr.Actor
		p.can = func(act policy.Action, res policy.Resource) bool { return accounts.Can(actor, act, res) }
		p.hdr = w.header(r, pr)
	}
	return p
}

// notices are the confirmations shown after a post/redirect/get.
var notices = map[string]string{
	"rejected":    "申請を却下しました。",
	"suspended":   "利用を停止しました。次の操作から有効です。",
	"unsuspended": "利用停止を解除しました。",
	"withdrawn":   "利用廃止の処理をしました。所属するすべてのIDを失効させました。",
	"revoked":     "IDを失効させました。",
	"requested":   "アカウント発行を運営者に依頼しました。",
	"logout":      "ログアウトしました。",
	"session":     "セッションを終了しました。",
	"password":    "パスワードを変更しました。",
	"totp":        "二要素認証を登録しました。",
	"staffreq":    "依頼を却下しました。",
	"code":        "事業所番号を登録しました。",
}

func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := w.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		w.opt.Logger.ErrorContext(r.Context(), "render", "template", name, "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if p.Principal != nil || status >= 400 {
		h.Set("Cache-Control", "no-store")
	}
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

// fail renders an error page for err (or, for field errors, the form again).
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, p *page, form string, err error) {
	status := domain.HTTPStatus(err)
	if status == 500 {
		w.opt.Logger.ErrorContext(r.Context(), "request failed", "request_id", domain.RequestMetaFrom(r.Context()).RequestID, "err", err)
	}
	if e := domain.AsError(err); e != nil && len(e.Fields) > 0 && form != "" {
		p.Errors, p.Error = e.Fields, e.Message
		w.render(rw, r, status, form, p)
		return
	}
	if form != "" && status < 500 && status != 404 && status != 403 {
		p.Error = domain.PublicMessage(err)
		w.render(rw, r, status, form, p)
		return
	}
	p.Title = "エラー"
	p.Error = domain.PublicMessage(err)
	if status == 404 {
		p.Error = "お探しのページは見つかりません。"
	}
	w.render(rw, r, status, "error.html", p)
}

func (w *Web) static(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != w.cssPath {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", "text/css; charset=utf-8")
	rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	rw.Write(w.css)
}

func cookieName(net string) string { return "__Host-renraku-" + net }

func (w *Web) setSession(rw http.ResponseWriter, net, token string, expires time.Time) {
	http.SetCookie(rw, &http.Cookie{Name: cookieName(net), Value: token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Expires: expires})
}

func (w *Web) clearSession(rw http.ResponseWriter, net string) {
	http.SetCookie(rw, &http.Cookie{Name: cookieName(net), Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

type authedHandler func(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal)

// auth resolves the session cookie of the network in the path. A session that has
// not finished first-login setup is sent to the setup step (setup handlers pass
// setup=true to be reachable).
func (w *Web) auth(setup bool, h authedHandler) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		net := r.PathValue("net")
		c, err := r.Cookie(cookieName(net))
		if err != nil {
			http.Redirect(rw, r, "/n/"+url.PathEscape(net)+"/login", http.StatusSeeOther)
			return
		}
		pr, err := w.acc.Authenticate(r.Context(), net, c.Value)
		if err != nil {
			w.clearSession(rw, net)
			if e := domain.AsError(err); e != nil && e.Problem == "session-expired" {
				http.Redirect(rw, r, "/n/"+url.PathEscape(net)+"/login?expired=1", http.StatusSeeOther)
				return
			}
			p := w.newPage(r, "ログインできません", nil)
			if n, prof, err2 := w.acc.Network(r.Context(), net); err2 == nil {
				p.Network, p.Profile = n, prof
			}
			w.fail(rw, r, p, "", err)
			return
		}
		if !setup {
			switch pr.Session.Stage {
			case domain.StageChangePassword:
				http.Redirect(rw, r, "/n/"+net+"/setup/password", http.StatusSeeOther)
				return
			case domain.StageEnrolTOTP:
				http.Redirect(rw, r, "/n/"+net+"/setup/totp", http.StatusSeeOther)
				return
			}
		}
		h(rw, r, pr)
	}
}

// public resolves the network of a page that needs no login.
func (w *Web) public(h func(rw http.ResponseWriter, r *http.Request, p *page)) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		p := w.newPage(r, "", nil)
		n, prof, err := w.acc.Network(r.Context(), r.PathValue("net"))
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		p.Network, p.Profile = n, prof
		h(rw, r, p)
	}
}

// parseForm reads a urlencoded form, bounded in size; bad encoding is refused.
func parseForm(r *http.Request) error {
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return domain.Errorf(domain.EINVALID, "送信された内容が大きすぎます。")
		}
		return domain.Errorf(domain.EINVALID, "送信された内容を読み取れませんでした。")
	}
	return nil
}

func qrDataURI(e *accounts.TOTPEnrolment) template.URL {
	img, err := e.Key.Image(240, 240)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

func redirect(rw http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(rw, r, path, http.StatusSeeOther)
}
