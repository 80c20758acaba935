package api_test

import (
	"net/http"
	"strings"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

type accessRequestItemDoc struct {
	Request struct {
		ID        string  `json:"id"`
		PersonID  string  `json:"person_id"`
		InsuredNo string  `json:"insured_no"`
		BirthDate *string `json:"birth_date"`
		Reason    string  `json:"reason"`
		Status    string  `json:"status"`
		DecidedBy string  `json:"decided_by"`
		DecidedAt *string `json:"decided_at"`
	} `json:"request"`
	Organization struct{ ID, Name, Type string } `json:"organization"`
	Person       *struct {
		ID         string `json:"id"`
		FamilyName string `json:"family_name"`
	} `json:"person"`
	CanDecide bool `json:"can_decide"`
}

type accessRequestListsDoc struct {
	Incoming []accessRequestItemDoc `json:"incoming"`
	Outgoing []accessRequestItemDoc `json:"outgoing"`
}

func (c *client) accessRequests(token string) (accessRequestListsDoc, string) {
	c.t.Helper()
	var l accessRequestListsDoc
	res := c.do("GET", "/api/v1/access-requests", token, nil)
	res.ok(c.t, http.StatusOK, &l)
	return l, string(res.Body)
}

// TestAccessRequestListsBeppu: beppu §17-3..4 through GET /api/v1/access-requests.
// The care-plan office (and the operator) find the request with the person and
// the requesting organization named, and may answer; the requester follows its
// request seeing only what it typed, and after the grant gets the person's id;
// it never learns who answered.
func TestAccessRequestListsBeppu(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("beppu", "beppu")
		office, officeAdmin := c.orgOfType("beppu", "beppu", "べっぷ居宅介護支援センター", "kyotaku", op)
		cm := c.seeded("beppu", c.staff(office.Organization.ID, officeAdmin, "別府 介護", "care_manager"))
		other, otherAdmin := c.orgOfType("beppu", "beppu", "べっぷ訪問介護ステーション", "kaigo_service", op)
		helper := c.seeded("beppu", c.staff(other.Organization.ID, otherAdmin, "別府 訪問", "helper"))

		p := c.register(op.Token, personBody("別府", "花子", "べっぷ", "はなこ", "1940-04-01", "care_insured_no", "0123456789"))
		c.do("POST", "/api/v1/people/"+p.ID+"/consents", op.Token, map[string]any{"kind": "self", "consented_on": "2026-11-20",
			"form_version": "form6", "care_plan_org": office.Organization.ID}).ok(t, http.StatusCreated, nil)
		var req accessRequestDoc
		c.do("POST", "/api/v1/access-requests", helper.Token, map[string]string{"insured_no": "0123456789",
			"birth_date": "1940-04-01", "reason": "訪問介護を開始するため"}).ok(t, http.StatusCreated, &req)

		// beppu §17-3: the requester sees what it typed, nothing of the person.
		l, body := c.accessRequests(helper.Token)
		if len(l.Incoming) != 0 || len(l.Outgoing) != 1 {
			t.Fatalf("the requester's lists: %s", body)
		}
		if r := l.Outgoing[0].Request; r.ID != req.ID || r.Status != "pending" || r.InsuredNo != "0123456789" ||
			r.BirthDate == nil || *r.BirthDate != "1940-04-01" || r.PersonID != "" || l.Outgoing[0].Person != nil {
			t.Errorf("the requester's request: %s", body)
		}
		if strings.Contains(body, p.ID) || strings.Contains(body, "別府") || strings.Contains(body, "ベップ") {
			t.Errorf("the requester's list names the person: %s", body)
		}

		// beppu §17-4: the office (and the operator) see whom it is about and who asks.
		for who, tok := range map[string]string{"the care-plan office": cm.Token, "the operator": op.Token} {
			l, body := c.accessRequests(tok)
			if len(l.Incoming) != 1 || l.Incoming[0].Request.ID != req.ID || !l.Incoming[0].CanDecide ||
				l.Incoming[0].Person == nil || l.Incoming[0].Person.ID != p.ID || l.Incoming[0].Person.FamilyName != "別府" ||
				l.Incoming[0].Organization.Name != "べっぷ訪問介護ステーション" || l.Incoming[0].Organization.Type != "kaigo_service" {
				t.Errorf("%s's incoming list: %s", who, body)
			}
		}

		c.do("POST", "/api/v1/access-requests/"+req.ID+"/grant", cm.Token, nil).ok(t, http.StatusNoContent, nil)
		l, body = c.accessRequests(helper.Token)
		if r := l.Outgoing[0].Request; r.Status != "granted" || r.PersonID != p.ID || r.DecidedAt == nil || r.DecidedBy != "" {
			t.Errorf("after the grant the requester sees %s", body)
		}
		if l, body := c.accessRequests(cm.Token); len(l.Incoming) != 1 || l.Incoming[0].CanDecide || l.Incoming[0].Request.Status != "granted" {
			t.Errorf("the office's list after answering: %s", body)
		}
		c.checkAudited("beppu")
	})
}
