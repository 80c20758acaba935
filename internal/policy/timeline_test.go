package policy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// The timeline actions (SPEC §5) against the seeds; each row names its article.

// timelineActions lists every timeline Action constant by name;
// TestTimelineTableCoversEveryAction checks it against timeline.go.
var timelineActions = []Action{ReadTimeline, WriteEntry, ReadEntry, EditEntry, DeleteEntry, MarkDone, ViewReaders, ReadInbox}

func tlActor(prof string, role domain.Role, user, org, occ string) Actor {
	p := profile.MustGet(prof)
	a := Actor{NetworkID: prof, UserID: user, LoginID: user, DisplayName: user, OrgID: org, Role: role, Occupation: occ,
		Profile: p, Now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600)), Stage: domain.StageFull}
	if role == domain.RoleOperator {
		a.OperatorRole = p.ApprovalRole
	}
	return a
}

func TestTimelineDecideTable(t *testing.T) {
	const orgA, orgB = "org-a", "org-b"
	staffA := func(prof string) Actor { return tlActor(prof, domain.RoleStaff, "u-staff-a", orgA, "nurse") }
	staffA2 := func(prof string) Actor { return tlActor(prof, domain.RoleStaff, "u-staff-a2", orgA, "nurse") }
	adminA := func(prof string) Actor { return tlActor(prof, domain.RoleAdmin, "u-admin-a", orgA, "") }
	staffB := func(prof string) Actor { return tlActor(prof, domain.RoleStaff, "u-staff-b", orgB, "nurse") }
	adminB := func(prof string) Actor { return tlActor(prof, domain.RoleAdmin, "u-admin-b", orgB, "") }
	operator := func(prof string) Actor { return tlActor(prof, domain.RoleOperator, "u-op", "", "") }

	// Facts of people, seen from org A.
	pending := &PersonFacts{ID: "p", RegisteredOrg: orgA, Status: domain.PersonActive, Consent: domain.ConsentNone, Eligible: true}
	shared := &PersonFacts{ID: "p", RegisteredOrg: orgC, Status: domain.PersonActive, Consent: domain.ConsentActive, Eligible: true,
		OrgAccess: []string{domain.AccessTeam}}
	outside := &PersonFacts{ID: "p", RegisteredOrg: orgC, Status: domain.PersonActive, Consent: domain.ConsentActive, Eligible: true}
	sharedCP := &PersonFacts{ID: "p", RegisteredOrg: orgC, Status: domain.PersonActive, Consent: domain.ConsentActive, Eligible: true,
		OrgAccess: []string{domain.AccessGranted}}
	withdrawnOwn := &PersonFacts{ID: "p", RegisteredOrg: orgA, Status: domain.PersonActive, Consent: domain.ConsentWithdrawn, Eligible: true}
	withdrawnOther := &PersonFacts{ID: "p", RegisteredOrg: orgC, Status: domain.PersonActive, Consent: domain.ConsentWithdrawn, Eligible: true}
	stopped := &PersonFacts{ID: "p", RegisteredOrg: orgA, Status: domain.PersonStopped, Consent: domain.ConsentActive, Eligible: true}
	lost := &PersonFacts{ID: "p", RegisteredOrg: orgC, Status: domain.PersonActive, Consent: domain.ConsentActive, Eligible: false,
		ReadableUntil: "2026-12-31", OrgAccess: []string{domain.AccessGranted}}
	disaster := &PersonFacts{ID: "p", RegisteredOrg: orgC, Status: domain.PersonActive, Consent: domain.ConsentActive, Eligible: true,
		ConsentScopes: []string{"sharing", "disaster"}, DisasterActive: true, DisasterID: "d"}

	all := func(prof string) []string {
		var out []string
		for _, c := range profile.MustGet(prof).People.RecordCategories {
			out = append(out, c.Key)
		}
		return out
	}
	tl := func(prof string, e *EntryFacts) *TimelineFacts {
		return &TimelineFacts{Readable: all(prof), Writable: all(prof), Entry: e}
	}
	byC := func(cat string) *EntryFacts {
		return &EntryFacts{Category: cat, AuthorUserID: "u-c", AuthorOrgID: orgC}
	}
	byA := func(cat string) *EntryFacts {
		return &EntryFacts{Category: cat, AuthorUserID: "u-staff-a", AuthorOrgID: orgA}
	}

	for _, c := range []struct {
		why   string
		a     Actor
		act   Action
		f     *PersonFacts
		tl    *TimelineFacts
		allow bool
	}{
		// Who reads: who sees the person, less the operator.
		{"katori §13-1: before consent the registering organization reads its own", staffA("katori"), ReadTimeline, pending, tl("katori", nil), true},
		{"katori §13-1: before consent nobody else", staffB("katori"), ReadTimeline, pending, tl("katori", nil), false},
		{"sendai §3 (1): shared among the organizations, not with the operator", operator("katori"), ReadTimeline, shared, tl("katori", nil), false},
		{"katori §12: the care team reads", staffA("katori"), ReadTimeline, shared, tl("katori", nil), true},
		{"katori §12: the care team reads another organization's entry", staffA("katori"), ReadEntry, shared, tl("katori", byC("support")), true},
		{"katori §12: not the team, nothing", staffB("katori"), ReadEntry, outside, tl("katori", byC("support")), false},
		{"katori §13-2: 支援中止 hides it from all", staffA("katori"), ReadTimeline, stopped, tl("katori", nil), false},
		{"beppu §16: a withdrawal ends the grant", staffA("beppu"), ReadEntry, withdrawnOther, tl("beppu", byC("care")), false},
		{"beppu §16: the registering organization keeps its own entries", staffA("beppu"), ReadEntry, withdrawnOwn, tl("beppu", byA("care")), true},
		{"beppu §16: but not those of the organizations it shared with", staffA("beppu"), ReadEntry, withdrawnOwn, tl("beppu", byC("care")), false},
		{"beppu §18: read within the window after eligibility ends", staffA("beppu"), ReadEntry, lost, tl("beppu", byC("care")), true},
		{"joso §21: a designated responder reads in a disaster", tlActor("joso", domain.RoleStaff, "u-n", orgB, "nurse"), ReadEntry, disaster,
			tl("joso", byC("clinical")), true},

		// The occupation matrix (beppu §10-1, fukuoka §9-1).
		{"beppu §10-1: a category the occupation does not read", staffA("beppu"), ReadEntry, sharedCP,
			&TimelineFacts{Readable: []string{"care"}, Entry: byC("daily")}, false},
		{"beppu §10-1: a category it reads", staffA("beppu"), ReadEntry, sharedCP, &TimelineFacts{Readable: []string{"care"}, Entry: byC("care")}, true},
		{"beppu §10-1: reads but does not write", staffA("beppu"), WriteEntry, sharedCP,
			&TimelineFacts{Readable: []string{"watch"}, Writable: []string{"care"}, Entry: byA("watch")}, false},
		{"beppu §10-1: an occupation that reads nothing has no timeline", staffA("beppu"), ReadTimeline, sharedCP, &TimelineFacts{}, false},
		{"fukuoka §9-1: writes a permitted category", staffA("fukuoka"), WriteEntry, sharedCP,
			&TimelineFacts{Readable: []string{"medication"}, Writable: []string{"medication"}, Entry: byA("medication")}, true},
		{"katori: no matrix, every category", staffA("katori"), ReadEntry, shared, &TimelineFacts{Entry: byC("note")}, true},

		// Writing.
		{"katori §13-1: the registering organization writes before consent", staffA("katori"), WriteEntry, pending, tl("katori", byA("support")), true},
		{"beppu §18: after eligibility ends the record is only read", staffA("beppu"), WriteEntry, lost, tl("beppu", byA("care")), false},
		{"joso §21: a disaster read writes nothing", tlActor("joso", domain.RoleStaff, "u-n", orgB, "nurse"), WriteEntry, disaster,
			tl("joso", &EntryFacts{Category: "clinical", AuthorUserID: "u-n", AuthorOrgID: orgB}), false},
		{"the operator does not write", operator("katori"), WriteEntry, shared, tl("katori", byC("note")), false},

		// History (katori §34 (8)).
		{"katori §34 (8): the author edits", staffA("katori"), EditEntry, shared, tl("katori", byA("note")), true},
		{"katori §21: a colleague does not edit", staffA2("katori"), EditEntry, shared, tl("katori", byA("note")), false},
		{"katori §34 (8): the admin does not put words in the author's name", adminA("katori"), EditEntry, shared, tl("katori", byA("note")), false},
		{"a tombstone is not edited", staffA("katori"), EditEntry, shared,
			tl("katori", &EntryFacts{Category: "note", AuthorUserID: "u-staff-a", AuthorOrgID: orgA, Deleted: true}), false},
		{"the author deletes", staffA("katori"), DeleteEntry, shared, tl("katori", byA("note")), true},
		{"sendai §19-2: the admin of the author's organization deletes", adminA("katori"), DeleteEntry, shared, tl("katori", byA("note")), true},
		{"another organization's admin (on the team) does not", adminB("katori"), DeleteEntry, shared, tl("katori", byA("note")), false},
		{"a colleague does not delete", staffA2("katori"), DeleteEntry, shared, tl("katori", byA("note")), false},

		// Attention: 対応済み and the viewing history.
		{"an addressee marks 要対応 done", staffA("katori"), MarkDone, shared,
			tl("katori", &EntryFacts{Category: "note", AuthorUserID: "u-c", AuthorOrgID: orgC, ActionRequired: true, Addressed: true}), true},
		{"a reader not addressed does not", staffA("katori"), MarkDone, shared,
			tl("katori", &EntryFacts{Category: "note", AuthorUserID: "u-c", AuthorOrgID: orgC, ActionRequired: true}), false},
		{"nothing to do on an entry that asks nothing", staffA("katori"), MarkDone, shared,
			tl("katori", &EntryFacts{Category: "note", AuthorUserID: "u-c", AuthorOrgID: orgC, Addressed: true}), false},
		{"the author sees who read", staffA("katori"), ViewReaders, shared, tl("katori", byA("note")), true},
		{"an addressee sees who read", staffA("katori"), ViewReaders, shared,
			tl("katori", &EntryFacts{Category: "note", AuthorUserID: "u-c", AuthorOrgID: orgC, Addressed: true}), true},
		{"another reader does not", staffA("katori"), ViewReaders, shared, tl("katori", byC("note")), false},

		// The inbox.
		{"staff have an inbox", staffA("fukuoka"), ReadInbox, nil, nil, true},
		{"the city's staff are addressed too", tlActor("fukuoka", domain.RoleMunicipal, "u-m", "", ""), ReadInbox, nil, nil, true},
		{"fukuoka §35: the auditor is not addressed", tlActor("fukuoka", domain.RoleAuditor, "u-au", "", ""), ReadInbox, nil, nil, false},
		{"the operator posts on the board instead", operator("fukuoka"), ReadInbox, nil, nil, false},
		{"without entry facts nothing is decided on an entry", staffA("katori"), ReadEntry, shared, tl("katori", nil), false},
	} {
		d := Decide(c.a, c.act, Resource{Person: c.f, Timeline: c.tl})
		if d.Allow != c.allow {
			t.Errorf("%s: %s by %s/%s: allow=%v (%s), want %v", c.why, c.act, c.a.Role, c.a.OrgID, d.Allow, d.Reason, c.allow)
		}
		if d.Reason == "" {
			t.Errorf("%s: no reason", c.why)
		}
	}
}

// TestTimelineScopeAgreesWithReadEntry: the list form matches ReadEntry entry by
// entry, for every combination of author, category and consent.
func TestTimelineScopeAgreesWithReadEntry(t *testing.T) {
	for _, prof := range []string{"beppu", "katori"} {
		p := profile.MustGet(prof)
		cats := []string{}
		for _, c := range p.People.RecordCategories {
			cats = append(cats, c.Key)
		}
		readable := cats[:1]
		a := tlActor(prof, domain.RoleStaff, "u-a", "org-a", "nurse")
		for _, consent := range []domain.ConsentState{domain.ConsentNone, domain.ConsentActive, domain.ConsentWithdrawn} {
			for _, reg := range []string{"org-a", orgC} {
				f := &PersonFacts{ID: "p", RegisteredOrg: reg, Status: domain.PersonActive, Consent: consent, Eligible: true,
					OrgAccess: []string{p.AccessKinds()[0]}}
				tl := &TimelineFacts{Readable: readable, Writable: readable}
				s := TimelineScope(a, f, tl)
				for _, cat := range cats {
					for _, author := range []string{"org-a", orgC} {
						e := &EntryFacts{Category: cat, AuthorUserID: "u-x", AuthorOrgID: author}
						et := *tl
						et.Entry = e
						want := Decide(a, ReadEntry, Resource{Person: f, Timeline: &et}).Allow
						got := (s.AllCategories || slices.Contains(s.Categories, cat)) && (!s.Unconsented || (s.OwnOrg != "" && author == s.OwnOrg))
						if !Decide(a, ReadTimeline, Resource{Person: f, Timeline: tl}).Allow {
							got = false
						}
						if got != want {
							t.Errorf("%s consent=%s registered by %s, %s by %s: scope %v, ReadEntry %v (%+v)", prof, consent, reg, cat, author, got, want, s)
						}
					}
				}
			}
		}
	}
}

// TestTimelineTableCoversEveryAction: a timeline Action added to timeline.go
// without a place in the table here fails.
func TestTimelineTableCoversEveryAction(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "timeline.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Action" {
				n += len(vs.Names)
			}
		}
	}
	if n != len(timelineActions) {
		t.Errorf("timeline.go declares %d actions, the table knows %d", n, len(timelineActions))
	}
}
