package server

import (
	"net/url"

	"renraku/internal/timeline"
)

// The route matrix of the shared timeline (連絡帳, SPEC §5). Who reads a person's
// timeline is who sees the person, except the operator (who runs the network and
// does not read the record the organizations share: sendai §3 (1), katori §12);
// before consent only the registering organization (beppu §15, katori §13-1); a
// withdrawal (beppu §16) or 支援中止 (katori §13-2, joso §17-3) ends it for org A;
// in joso the city's officer is on every team. Only the author edits; the author
// or the admin of the author's organization deletes (sendai §19-2; katori §34
// (8): a tombstone); an addressee marks 要対応 done; the author and the addressees
// see who read.

// mxEntry writes an entry on the case's person, by org A's staff member when
// org A registered the person (pending, mine) and by org C's otherwise, addressed
// as given. rel ended: written before the person withdrew or asked for deletion.
//
// It leaves the person's ID in v["pid"] and the entry's in v["id"] (the entry
// routes' {id}); a disaster a row before left declared is ended first (joso §21
// would let designated responders read).
func (c *mxCase) mxEntry(to ...string) {
	cleanDisaster(c)
	rel := c.rel
	if rel == relEnded {
		c.rel = relShared
	}
	prepPerson(c)
	c.rel = rel
	n := c.n
	author := n.staffC
	if rel == relPending || rel == relMine || (rel == relShared && len(to) == 0 && c.v["author"] == "A") {
		author = c.w.userOfKind(n, kStaffA)
	}
	e, err := timeline.New(c.w.ppl).Create(mxCtx(), c.w.actor(n, author), c.v["id"], timeline.Input{
		Category: n.prof.People.RecordCategories[0].Key, Body: "訪問しました。変わりありません。", To: to, ActionRequired: len(to) > 0})
	c.w.fatal(err, "entry")
	c.v["pid"], c.v["id"] = c.v["id"], e.ID
	if rel == relEnded {
		c.w.endPerson(n, c.v["pid"])
	}
}

// endPerson: the person withdraws (beppu §16, fukuoka §18) or asks for deletion
// (支援中止, katori §13-2; the city sets it, joso §17-3), as the fixture's relEnded.
func (w *mxWorld) endPerson(n *mxNet, personID string) {
	switch {
	case n.prof.People.Withdrawal != "":
		by := n.staffC
		if n.prof.People.ConsentBy == "operator" {
			by = n.op
		}
		w.fatal(w.ppl.WithdrawConsent(mxCtx(), w.actor(n, by), personID, "本人の申出"), "withdraw")
	default:
		by := n.staffC
		if n.prof.People.DeletionBy == "operator" {
			by = n.op
		}
		w.fatal(w.ppl.RequestDeletion(mxCtx(), w.actor(n, by), personID, "本人の申出"), "delete")
	}
}

func prepEntry(c *mxCase) { c.mxEntry() }

// prepTimeline: a person with an entry; {id} is the person.
func prepTimeline(c *mxCase) {
	c.mxEntry()
	c.v["id"] = c.v["pid"]
}

// prepWritable: a person to write about; {id} is the person.
func prepWritable(c *mxCase) {
	cleanDisaster(c)
	prepPerson(c)
}

// prepOwnEntry: an entry written by org A's staff member (where org A may write).
func prepOwnEntry(c *mxCase) {
	if c.rel == relShared {
		c.v["author"] = "A"
	}
	c.mxEntry()
}

// prepAddressed: 要対応 addressed to org A (by org C's staff member, or org A's
// own where org A registered the person).
func prepAddressed(c *mxCase) {
	if c.rel == relUnrelated || c.rel == relEnded {
		c.mxEntry("org:" + c.n.orgC)
		return
	}
	c.mxEntry("org:" + c.n.orgA)
}

// prepAddressedToStaffA: addressed to org A's staff member by org C's.
func prepAddressedToStaffA(c *mxCase) {
	if c.rel == relUnrelated {
		c.mxEntry("user:" + c.n.staffC)
		return
	}
	c.mxEntry("user:" + c.w.userOfKind(c.n, kStaffA))
}

func entryForm(c *mxCase) mxRequest {
	return mxRequest{form: url.Values{"category": {c.n.prof.People.RecordCategories[0].Key}, "body": {"訪問記録"}}}
}

func entryJSON(c *mxCase) mxRequest {
	return mxRequest{body: map[string]any{"category": c.n.prof.People.RecordCategories[0].Key, "body": "訪問記録"}}
}

func init() {
	mxOps["timeline"] = mxOp{routes: []string{"GET /n/{net}/people/{id}/timeline", "GET /api/v1/people/{id}/entries"},
		prep: prepTimeline, web: none, api: none}
	mxOps["entry.create"] = mxOp{routes: []string{"POST /n/{net}/people/{id}/timeline", "POST /api/v1/people/{id}/entries"},
		prep: prepWritable, web: entryForm, api: entryJSON}
	mxOps["entry"] = mxOp{routes: []string{"GET /n/{net}/entries/{id}", "GET /api/v1/entries/{id}",
		"GET /api/v1/entries/{id}/versions", "POST /api/v1/entries/{id}/read"}, prep: prepEntry, web: none, api: none}
	mxOps["entry.reply"] = mxOp{routes: []string{"POST /n/{net}/entries/{id}/replies"}, prep: prepEntry,
		web: form("reply_body", "承知しました。")}
	mxOps["entry.edit"] = mxOp{routes: []string{"POST /n/{net}/entries/{id}/edit", "PUT /api/v1/entries/{id}"},
		prep: prepOwnEntry, web: form("edit_body", "訂正しました。"), api: jsonBody(map[string]string{"body": "訂正しました。"})}
	mxOps["entry.delete"] = mxOp{routes: []string{"POST /n/{net}/entries/{id}/delete", "DELETE /api/v1/entries/{id}"},
		prep: prepOwnEntry, web: form("delete_confirm", "yes"), api: none}
	mxOps["entry.done"] = mxOp{routes: []string{"POST /n/{net}/entries/{id}/done", "POST /api/v1/entries/{id}/done"},
		prep: prepAddressed, web: form(), api: none}
	mxOps["entry.readers"] = mxOp{routes: []string{"GET /api/v1/entries/{id}/read"}, prep: prepAddressedToStaffA, api: none}
	mxOps["inbox"] = mxOp{routes: []string{"GET /n/{net}/inbox", "GET /api/v1/inbox"}, prep: cleanDisaster, web: none, api: none}

	add := func(op, net, rel, allow string) { mxRows = append(mxRows, mxRow{op, net, rel, allow}) }
	// Reading: who sees the person, less the operator; in joso the city's officer.
	for _, rel := range []string{relPending, relMine, relShared, relUnrelated, relEnded} {
		b, k, j := "", "", ""
		switch rel {
		case relPending:
			b, k, j = "A", "A", "A"
		case relMine, relShared:
			b, k, j = "A", "A", "A municipal"
		case relUnrelated:
			j = "municipal"
		}
		add("timeline", "beppu", rel, b)
		add("timeline", "katori", rel, k)
		add("timeline", "joso", rel, j)
		if rel != relPending {
			add("entry", "beppu", rel, b)
			add("entry", "katori", rel, k)
		}
		if rel != relMine {
			// Writing: the same, while the person is eligible.
			add("entry.create", "beppu", rel, b)
			add("entry.create", "katori", rel, k)
		}
	}
	add("timeline", "fukuoka", relMine, "A")
	add("timeline", "fukuoka", relUnrelated, "")
	add("entry", "joso", relShared, "A municipal")
	add("entry.create", "joso", relMine, "A municipal")
	add("entry.create", "fukuoka", relMine, "A") // the fixture shares fukuoka's people by claims, not by a grant
	for _, n := range []string{"beppu", "katori"} {
		add("entry.reply", n, relShared, "A")
		add("entry.reply", n, relUnrelated, "")
		// Only the author (org A's staff member) edits.
		add("entry.edit", n, relMine, kStaffA)
		add("entry.edit", n, relShared, kStaffA)
		add("entry.edit", n, relUnrelated, "")
		// The author, or the admin of the author's organization (sendai §19-2).
		add("entry.delete", n, relMine, kStaffA+" "+kAdminA)
		add("entry.delete", n, relUnrelated, "")
		// 要対応 addressed to org A: its members mark it done.
		add("entry.done", n, relShared, "A")
		add("entry.done", n, relMine, "A")
		add("entry.done", n, relUnrelated, "")
		add("entry.done", n, relEnded, "")
		// The viewing history: the author and the addressees (staff A).
		add("entry.readers", n, relShared, kStaffA)
		add("entry.readers", n, relUnrelated, "")
	}
	add("entry.done", "joso", relShared, "A")
	add("entry.readers", "joso", relShared, kStaffA)
	// The inbox: everyone an entry may be addressed to (members of organizations
	// and the city's staff), never the network-level accounts.
	add("inbox", "beppu", "", "A B municipal")
	add("inbox", "katori", "", "A B")
	add("inbox", "joso", "", "A B municipal")
	add("inbox", "fukuoka", "", "A B municipal")
}
