package api_test

import (
	"net/http"
	"strings"
	"testing"

	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
	"renraku/internal/testenv"
)

// entryDoc is an entry as the API writes it.
type entryDoc struct {
	ID             string  `json:"id"`
	PersonID       string  `json:"person_id"`
	ThreadID       string  `json:"thread_id"`
	ReplyTo        string  `json:"reply_to"`
	Category       string  `json:"category"`
	Body           string  `json:"body"`
	ActionRequired bool    `json:"action_required"`
	AuthorID       string  `json:"author_id"`
	Version        int     `json:"version"`
	Deleted        bool    `json:"deleted"`
	DeletedBy      string  `json:"deleted_by"`
	DoneBy         string  `json:"done_by"`
	DoneAt         *string `json:"done_at"`
	Unread         *bool   `json:"unread"`
	ReadCount      *int    `json:"read_count"`
	Addressees     []struct {
		Kind, ID string
	} `json:"addressees"`
	Can *struct {
		Reply, Edit, Delete, Done, Readers bool
	} `json:"can"`
}

type threadDoc struct {
	Root    *entryDoc  `json:"root"`
	Replies []entryDoc `json:"replies"`
}

type entryPageDoc struct {
	Total    int         `json:"total"`
	Via      string      `json:"via"`
	Writable []string    `json:"writable"`
	Threads  []threadDoc `json:"threads"`
}

// TestTimelineAPIWalkKatori walks the timeline through /api/v1 only (SPEC §5):
// a team member writes to another organization's staff member with 要対応; the
// addressee finds it in the inbox, reads it, sees who read it, replies and marks
// it done; the author corrects it (a new version, katori §34 (8)) and deletes it
// (a tombstone). Every response matches openapi.json; every change is audited.
func TestTimelineAPIWalkKatori(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		env := testenv.New(t, db)
		c := newClient(t, env)
		op := c.operator("katori", "katori")
		a, adminA := c.orgOfType("katori", "katori", "香取市社会福祉協議会", "shakyo", op)
		b, adminB := c.orgOfType("katori", "katori", "香取市地域包括支援センター", "hokatsu", op)
		x, adminX := c.orgOfType("katori", "katori", "佐原訪問看護ステーション", "houmon_kango", op)
		sw := c.seeded("katori", c.staff(a.Organization.ID, adminA, "香取 相談", "shakai_fukushishi"))
		nurse := c.seeded("katori", c.staff(b.Organization.ID, adminB, "香取 保健", "hokenshi"))
		outsider := c.seeded("katori", c.staff(x.Organization.ID, adminX, "佐原 看護", "nurse"))

		p := c.register(sw.Token, personBody("香取", "花子", "かとり", "はなこ", "1938-03-03"))
		c.do("POST", "/api/v1/people/"+p.ID+"/consents", sw.Token, map[string]any{"kind": "self", "consented_on": "2026-11-01",
			"form_version": "doisho"}).ok(t, http.StatusCreated, nil)
		c.do("POST", "/api/v1/people/"+p.ID+"/team", sw.Token, map[string]string{"org_id": b.Organization.ID}).ok(t, http.StatusNoContent, nil)
		entries := "/api/v1/people/" + p.ID + "/entries"

		var e entryDoc
		res := c.do("POST", entries, sw.Token, map[string]any{"category": "consultation", "body": "自宅で転倒。\n訪問をお願いします。",
			"to": []string{"user:" + nurse.ID}, "action_required": true})
		res.ok(t, http.StatusCreated, &e)
		if res.Header.Get("Location") != "/api/v1/entries/"+e.ID || e.Version != 1 || e.ThreadID != e.ID || len(e.Addressees) != 1 {
			t.Fatalf("created %+v (%s)", e, res.Header.Get("Location"))
		}
		// Malformed and invalid input.
		c.do("POST", entries, sw.Token, map[string]any{"category": "consultation", "body": "x", "extra": 1}).problem(t, http.StatusBadRequest, "bad-request")
		c.do("POST", entries, sw.Token, map[string]any{"category": "consultation", "body": 3}).problem(t, http.StatusBadRequest, "bad-request")
		p1 := c.do("POST", entries, sw.Token, map[string]any{"category": "diagnosis", "body": ""}).problem(t, http.StatusUnprocessableEntity, "invalid")
		if p1.Errors["category"] == "" || p1.Errors["body"] == "" {
			t.Errorf("errors %v", p1.Errors)
		}
		c.do("POST", entries, sw.Token, map[string]any{"category": "consultation", "body": "x", "to": []string{"user:" + outsider.ID}}).
			problem(t, http.StatusUnprocessableEntity, "invalid")
		c.do("GET", entries+"?limit=-1", sw.Token, nil).problem(t, http.StatusBadRequest, "bad-request")
		c.do("GET", entries+"?from=2026-13-01", sw.Token, nil).problem(t, http.StatusUnprocessableEntity, "invalid")

		// Outside the team: 404 for the timeline and the entry; the operator: 403.
		c.do("GET", entries, outsider.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", "/api/v1/entries/"+e.ID, outsider.Token, nil).problem(t, http.StatusNotFound, "not-found")
		c.do("POST", entries, outsider.Token, map[string]any{"category": "consultation", "body": "x"}).problem(t, http.StatusNotFound, "not-found")
		c.do("GET", entries, op.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		c.do("GET", "/api/v1/inbox", op.Token, nil).problem(t, http.StatusForbidden, "forbidden")

		// The addressee's inbox, then the entry.
		var inbox struct {
			Total int `json:"total"`
			Items []struct {
				Entry  entryDoc `json:"entry"`
				Person struct{ ID string }
				Read   bool `json:"read"`
			} `json:"items"`
		}
		c.do("GET", "/api/v1/inbox?unread=true", nurse.Token, nil).ok(t, http.StatusOK, &inbox)
		if inbox.Total != 1 || inbox.Items[0].Entry.ID != e.ID || inbox.Items[0].Person.ID != p.ID || inbox.Items[0].Read {
			t.Fatalf("inbox %+v", inbox)
		}
		c.do("GET", "/api/v1/inbox?unread=maybe", nurse.Token, nil).problem(t, http.StatusBadRequest, "bad-request")
		var view struct {
			Entry    entryDoc  `json:"entry"`
			Thread   threadDoc `json:"thread"`
			Versions []struct {
				Version int    `json:"version"`
				Body    string `json:"body"`
			} `json:"versions"`
		}
		c.do("GET", "/api/v1/entries/"+e.ID, nurse.Token, nil).ok(t, http.StatusOK, &view)
		if !*view.Entry.Unread || !view.Entry.Can.Done || !view.Entry.Can.Reply || view.Entry.Can.Edit || len(view.Versions) != 1 {
			t.Errorf("the addressee's view %+v", view.Entry)
		}
		c.do("GET", "/api/v1/inbox?unread=true", nurse.Token, nil).ok(t, http.StatusOK, &inbox)
		if inbox.Total != 0 {
			t.Errorf("unread after reading: %d", inbox.Total)
		}
		var readers struct {
			Readers []struct {
				UserID string  `json:"user_id"`
				ReadAt *string `json:"read_at"`
			} `json:"readers"`
		}
		c.do("GET", "/api/v1/entries/"+e.ID+"/read", sw.Token, nil).ok(t, http.StatusOK, &readers)
		if len(readers.Readers) != 1 || readers.Readers[0].UserID != nurse.ID || readers.Readers[0].ReadAt == nil {
			t.Errorf("readers %+v", readers)
		}
		c.do("GET", "/api/v1/entries/"+e.ID+"/read", adminB.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		c.do("POST", "/api/v1/entries/"+e.ID+"/read", adminB.Token, nil).ok(t, http.StatusNoContent, nil)

		// Reply, done.
		var r entryDoc
		c.do("POST", entries, nurse.Token, map[string]any{"body": "明日訪問します。", "reply_to": e.ID}).ok(t, http.StatusCreated, &r)
		if r.ThreadID != e.ID || r.Category != "consultation" || len(r.Addressees) != 1 || r.Addressees[0].ID != sw.ID {
			t.Errorf("reply %+v: it joins the thread, in its category, addressed to the author", r)
		}
		c.do("POST", "/api/v1/entries/"+e.ID+"/done", sw.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		var done entryDoc
		c.do("POST", "/api/v1/entries/"+e.ID+"/done", nurse.Token, nil).ok(t, http.StatusOK, &done)
		if done.DoneBy != nurse.ID || done.DoneAt == nil {
			t.Errorf("done %+v", done)
		}
		c.do("POST", "/api/v1/entries/"+e.ID+"/done", nurse.Token, nil).problem(t, http.StatusConflict, "conflict")

		// The page: one thread with its reply.
		var page entryPageDoc
		c.do("GET", entries+"?q="+"転倒", sw.Token, nil).ok(t, http.StatusOK, &page)
		if page.Total != 1 || len(page.Threads) != 1 || page.Threads[0].Root.ID != e.ID || len(page.Threads[0].Replies) != 1 ||
			page.Via != "registrant" || len(page.Writable) != 3 {
			t.Fatalf("page %+v", page)
		}

		// katori §34 (8): the author corrects (a version) and deletes (a tombstone).
		c.do("PUT", "/api/v1/entries/"+e.ID, nurse.Token, map[string]string{"body": "書き換え"}).problem(t, http.StatusForbidden, "forbidden")
		var edited entryDoc
		c.do("PUT", "/api/v1/entries/"+e.ID, sw.Token, map[string]string{"body": "自宅で転倒（訂正: 玄関で）。"}).ok(t, http.StatusOK, &edited)
		if edited.Version != 2 {
			t.Errorf("edited %+v", edited)
		}
		var vs struct {
			Deleted  bool `json:"deleted"`
			Versions []struct {
				Body string `json:"body"`
			} `json:"versions"`
		}
		c.do("GET", "/api/v1/entries/"+e.ID+"/versions", nurse.Token, nil).ok(t, http.StatusOK, &vs)
		if len(vs.Versions) != 2 || !strings.Contains(vs.Versions[0].Body, "自宅で転倒。") {
			t.Errorf("versions %+v", vs)
		}
		var tomb entryDoc
		c.do("DELETE", "/api/v1/entries/"+e.ID, nurse.Token, nil).problem(t, http.StatusForbidden, "forbidden")
		c.do("DELETE", "/api/v1/entries/"+e.ID, sw.Token, nil).ok(t, http.StatusOK, &tomb)
		if !tomb.Deleted || tomb.DeletedBy != sw.ID || tomb.Body != "" {
			t.Errorf("tombstone %+v", tomb)
		}
		c.do("GET", "/api/v1/entries/"+e.ID+"/versions", nurse.Token, nil).ok(t, http.StatusOK, &vs)
		if !vs.Deleted || len(vs.Versions) != 0 {
			t.Errorf("versions of a tombstone %+v", vs)
		}
		c.do("GET", entries, nurse.Token, nil).ok(t, http.StatusOK, &page)
		if root := page.Threads[0].Root; !root.Deleted || root.Body != "" || len(page.Threads[0].Replies) != 1 {
			t.Errorf("the thread after the deletion: %+v", page.Threads[0])
		}
		c.checkAudited("katori", "POST /api/v1/sessions")
	})
}
