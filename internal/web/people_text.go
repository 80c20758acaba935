package web

import (
	"strings"

	"renraku/internal/domain"
)

// Japanese names of the people capability's states. They are methods of page so
// that every template can use them without an entry in the FuncMap.

func init() {
	for k, v := range map[string]string{
		"person-registered": "対象者を登録しました。同意を登録するまで、他の組織には表示されません。",
		"consent-recorded":  "同意を登録しました。",
		"consent-withdrawn": "同意の撤回を登録しました。この対象者の情報の共有は、次の操作から停止しています。",
		"person-deleted":    "削除の申し出を処理しました。",
		"team-added":        "ケアチームに組織を加えました。",
		"access-granted":    "閲覧を許可しました。許可した組織は、次の操作から閲覧できます。",
		"access-ended":      "閲覧権限を終了しました。次の操作から閲覧できません。",
		"careplan-assigned": "ケアプラン作成事業所を変更しました。",
		"eligibility":       "資格の状況を更新しました。",
		"read-window":       "閲覧期間を変更しました。",
		"access-requested":  "閲覧を申請しました。ケアプラン作成事業所が許可すると、対象者一覧に表示されます。",
		"request-granted":   "申請を許可しました。",
		"request-refused":   "申請をお断りしました。",
		"disaster-declared": "災害時利用を開始しました。",
		"disaster-ended":    "災害時利用を終了しました。指定利用者の災害時の閲覧は、次の操作から停止しています。",
		"matrix":            "職種別の権限を保存しました。",
	} {
		notices[k] = v
	}
}

// ConsentName is the badge text of a person's consent state.
func (p *page) ConsentName(s domain.ConsentState) string {
	switch s {
	case domain.ConsentActive:
		return "同意済み"
	case domain.ConsentWithdrawn:
		return "撤回"
	}
	return "同意なし"
}

// ConsentClass is the badge's CSS class (the text says the same; colour only helps).
func (p *page) ConsentClass(s domain.ConsentState) string {
	switch s {
	case domain.ConsentActive:
		return "badge badge-ok"
	case domain.ConsentWithdrawn:
		return "badge badge-stop"
	}
	return "badge badge-none"
}

// PersonStatusName: an operator sees that a record is hidden, not its content.
func (p *page) PersonStatusName(s domain.PersonStatus) string {
	switch s {
	case domain.PersonStopped:
		return "支援中止"
	case domain.PersonPurged:
		return "削除済み"
	}
	return "支援中"
}

// Hidden reports whether a person's record is stopped or purged.
func (p *page) Hidden(s domain.PersonStatus) bool { return s != domain.PersonActive }

func (p *page) SexName(s string) string {
	switch s {
	case "male":
		return "男性"
	case "female":
		return "女性"
	case "other":
		return "その他"
	}
	return "不明・回答なし"
}

func (p *page) LostReasonName(s string) string {
	switch s {
	case "death":
		return "死亡"
	case "moved":
		return "転出"
	case "insurance_lost":
		return "被保険者資格の喪失"
	}
	return s
}

func (p *page) ConsentKindName(s string) string {
	switch s {
	case "self":
		return "本人の同意"
	case "proxy_writer":
		return "本人の同意（代筆）"
	case "family":
		return "家族等による代理同意"
	case "legal":
		return "法令に基づく共有"
	}
	return s
}

func (p *page) AccessKindName(s string) string {
	switch s {
	case domain.AccessTeam:
		return "ケアチーム"
	case domain.AccessCarePlan:
		return "ケアプラン作成事業所"
	case domain.AccessGranted:
		return "閲覧の許可"
	case domain.AccessClaims:
		return "レセプト情報"
	}
	return s
}

// ViaName says what let the viewer see the person (the same permission is audited).
func (p *page) ViaName(s string) string {
	switch s {
	case "operator":
		return "運営者"
	case "registrant":
		return "登録した組織"
	case "municipal":
		return "市の職員（全てのケアチームに参加）"
	case "disaster":
		return "災害時利用"
	}
	return p.AccessKindName(s)
}

func (p *page) RequestStatusName(s string) string {
	switch s {
	case "pending":
		return "回答待ち"
	case "granted":
		return "許可"
	case "refused":
		return "お断り"
	}
	return s
}

// FormName is the name of a consent form version of the profile.
func (p *page) FormName(key string) string {
	if p.Profile != nil {
		if f := p.Profile.ConsentForm(key); f != nil {
			return f.Name
		}
	}
	return key
}

// ScopeNames names the scopes of a consent.
func (p *page) ScopeNames(keys []string) string {
	var out []string
	for _, k := range keys {
		name := k
		if p.Profile != nil {
			for _, sc := range p.Profile.People.ConsentScopes {
				if sc.Key == k {
					name = sc.Name
				}
			}
		}
		out = append(out, name)
	}
	return strings.Join(out, "、")
}

// HasStrategy reports whether the network's consent forms bring an access strategy
// ("team", "careplan", "claims"); pages explain who sees whom with it.
func (p *page) HasStrategy(s string) bool {
	if p.Profile == nil {
		return false
	}
	for _, x := range p.Profile.Strategies() {
		if x == s {
			return true
		}
	}
	return false
}

// Vals returns every submitted value of a form field (checkboxes).
func (p *page) Vals(name string) []string {
	if p.Form == nil {
		return nil
	}
	return p.Form[name]
}

// Field describes one text input for the "person-field" template: the page (for
// the value and the error), the field's id and name, its label, input type,
// maximum length, whether it is required, its autocomplete token and a hint.
func (p *page) Field(id, label, typ string, max int, required bool, auto, hint string) map[string]any {
	return map[string]any{"P": p, "ID": id, "Label": label, "Type": typ, "Max": max, "Req": required, "Auto": auto, "Hint": hint}
}

// SexKeys are the choices of the registration form, in order.
func (p *page) SexKeys() []string { return []string{"female", "male", "other", "unknown"} }
