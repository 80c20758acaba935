package policy

import (
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/profile"
)

// Messages between staff users: fukuoka §14 (3) 業務利用者同士の情報交換機能 is the
// only seed that offers it (beppu §8 lists its functions without it; katori, joso
// and sendai name none). 業務利用者 (fukuoka §2 (5)) are those who belong to the
// city or an organization and use the system for work: staff, organization admins
// and municipal staff; operators, the auditor and the vendor do not converse.
// In a conversation about a person every participant must be allowed to view
// that person (fukuoka §9-1, §19), now.

func TestMessagesDecide(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
	for _, id := range profile.IDs() {
		p := profile.MustGet(id)
		wantOffered := id == "fukuoka" // fukuoka §14 (3)
		if p.Messages != wantOffered {
			t.Errorf("%s: messages = %t, want %t", id, p.Messages, wantOffered)
		}
		actors := map[string]Actor{
			"staff":    {NetworkID: "n", UserID: "u-staff", OrgID: "org-a", Role: domain.RoleStaff, Occupation: p.Occupations[0].Key},
			"admin":    {NetworkID: "n", UserID: "u-admin", OrgID: "org-a", Role: domain.RoleAdmin, Occupation: p.Occupations[0].Key},
			"operator": {NetworkID: "n", UserID: "u-op", Role: domain.RoleOperator, OperatorRole: p.ApprovalRole},
		}
		if p.HasMunicipal {
			actors["municipal"] = Actor{NetworkID: "n", UserID: "u-city", Role: domain.RoleMunicipal}
		}
		if p.HasAuditor {
			actors["auditor"] = Actor{NetworkID: "n", UserID: "u-aud", Role: domain.RoleAuditor}
		}
		if p.HasVendor {
			actors["vendor"] = Actor{NetworkID: "n", UserID: "u-ven", Role: domain.RoleVendor}
		}
		for kind, a := range actors {
			a.Profile, a.Now, a.Stage = p, at, domain.StageFull
			member := kind == "staff" || kind == "admin" || kind == "municipal"
			want := wantOffered && member
			for _, c := range []struct {
				act Action
				res Resource
			}{
				{UseMessages, Resource{}},
				{JoinConversation, Resource{}},
				{ReadConversation, InConversation(a, true, nil)},
				{PostMessage, InConversation(a, true, nil)},
				{AddParticipants, InConversation(a, true, nil)},
				{LeaveConversation, InConversation(a, true, nil)},
			} {
				if d := Decide(a, c.act, c.res); d.Allow != want {
					t.Errorf("%s %s %s: %+v, want allow=%t", id, kind, c.act, d, want)
				}
			}
			// Only participants read, write, add and leave.
			for _, act := range []Action{ReadConversation, PostMessage, AddParticipants, LeaveConversation} {
				if d := Decide(a, act, InConversation(a, false, nil)); d.Allow {
					t.Errorf("%s %s %s as a non-participant: allowed (%s)", id, kind, act, d.Reason)
				}
				// Another user's participation is not the actor's.
				if d := Decide(a, act, Resource{UserID: "someone-else"}); d.Allow {
					t.Errorf("%s %s %s with another's participation: allowed (%s)", id, kind, act, d.Reason)
				}
			}
		}
	}
}

func TestMessagesAboutPersonDecide(t *testing.T) {
	p := profile.MustGet("fukuoka")
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
	staff := Actor{NetworkID: "n", UserID: "u1", OrgID: "org-a", Role: domain.RoleStaff, Occupation: "nurse", Profile: p, Now: at,
		Stage: domain.StageFull}
	consented := func(access ...string) *PersonFacts {
		return &PersonFacts{ID: "p1", RegisteredOrg: "org-c", Status: domain.PersonActive, Consent: domain.ConsentActive,
			ConsentForm: "form7a", Eligible: true, OrgAccess: access}
	}
	withdrawn := consented(domain.AccessClaims)
	withdrawn.Consent = domain.ConsentWithdrawn // fukuoka §18
	lapsed := consented()
	lapsed.Eligible, lapsed.ReadableUntil = false, "2026-11-23" // fukuoka §20: the window closed yesterday
	for _, c := range []struct {
		name string
		f    *PersonFacts
		want bool
		via  string
	}{
		{"claims access (fukuoka §19の2-2)", consented(domain.AccessClaims), true, domain.AccessClaims},
		{"granted (fukuoka §19の2-3)", consented(domain.AccessGranted), true, domain.AccessGranted},
		{"registered by the actor's organization", &PersonFacts{ID: "p1", RegisteredOrg: "org-a", Status: domain.PersonActive,
			Consent: domain.ConsentNone, Eligible: true}, true, ViaRegistrar},
		{"no access", consented(), false, ""},
		{"consent withdrawn (fukuoka §18)", withdrawn, false, ""},
		{"read window closed (fukuoka §20)", lapsed, false, ""},
	} {
		for _, act := range []Action{JoinConversation, ReadConversation, PostMessage, AddParticipants} {
			res := InConversation(staff, true, c.f)
			if act == JoinConversation {
				res = Resource{Person: c.f}
			}
			d := Decide(staff, act, res)
			if d.Allow != c.want || (c.want && d.Reason != c.via) {
				t.Errorf("%s: %s = %+v, want allow=%t via %q", c.name, act, d, c.want, c.via)
			}
		}
		// Leaving shows nothing: one who can no longer see the person may still go.
		if d := Decide(staff, LeaveConversation, InConversation(staff, true, c.f)); !d.Allow {
			t.Errorf("%s: leave refused: %s", c.name, d.Reason)
		}
	}
	// fukuoka §15: outside the service hours, and before first-login setup, nothing.
	night := staff
	night.Now = time.Date(2026, 11, 24, 22, 30, 0, 0, time.FixedZone("JST", 9*3600))
	setup := staff
	setup.Stage = domain.StageChangePassword
	for _, a := range []Actor{night, setup} {
		if d := Decide(a, ReadConversation, InConversation(a, true, nil)); d.Allow {
			t.Errorf("%v %s: read allowed", a.Now, a.Stage)
		}
	}
}
