package storetest

import (
	"fmt"
	"testing"
	"time"

	"renraku/internal/domain"
	"renraku/internal/store"
	"renraku/internal/store/sqlstore"
	"renraku/internal/testdb"
)

// TestContractAccessRequestLists: the lists of the requests page (beppu §17-3..4).
// FindOpenAccessRequests is the office's list: pending requests and those decided
// since a time, oldest first, narrowed to people to whom an organization holds
// access in force (ended and expired rows do not count). FindOrgAccessRequests is
// the requester's list, newest first. What the requester typed comes back as typed.
func TestContractAccessRequestLists(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Parallel()
		createNetworks(t, db, netA, netB)
		ended := newAccess(netA, "a2", "p2", orgT, domain.AccessCarePlan, 0)
		ended.EndedAt, ended.EndedBy, ended.EndReason = at(time.Minute), "u-reg", "担当交代"
		expired := newAccess(netA, "a3", "p3", orgT, domain.AccessClaims, 0)
		expired.ExpiresOn = yesterday
		lastDay := newAccess(netA, "a4", "p4", orgT, domain.AccessClaims, 0)
		lastDay.ExpiresOn = today
		createAccess(t, db,
			newAccess(netA, "a1", "p1", orgT, domain.AccessCarePlan, 0),
			ended, expired, lastDay,
			newAccess(netA, "a5", "p2", orgO, domain.AccessGranted, 0),
			newAccess(netB, "b1", "p1", orgT, domain.AccessCarePlan, 0),
		)

		req := func(net, id, person, org, status string, created time.Duration) *domain.AccessRequest {
			return &domain.AccessRequest{NetworkID: net, ID: id, PersonID: person, OrgID: org, RequestedBy: "u-" + org,
				InsuredNo: "0100000001", BirthDate: "1940-05-06", Reason: "訪問介護の開始", Status: status, CreatedAt: at(created)}
		}
		q1 := req(netA, "q1", "p1", orgX, "pending", 0)
		q1.InsuredNo = "12-345678" // a health insured number as printed on the card (fukuoka)
		q2 := req(netA, "q2", "p1", orgO, "granted", time.Minute)
		q2.DecidedBy, q2.DecidedAt = "u-team", at(time.Hour)
		q3 := req(netA, "q3", "p1", orgX, "refused", -72*time.Hour)
		q3.DecidedBy, q3.DecidedAt = "u-team", at(-48*time.Hour)
		q4 := req(netA, "q4", "p2", orgX, "pending", 2*time.Minute)
		q5 := req(netA, "q5", "p3", orgX, "pending", 3*time.Minute)
		q8 := req(netA, "q8", "p9", orgX, "pending", 3*time.Minute) // same time as q5: the id decides
		q7 := req(netA, "q7", "p4", orgO, "pending", 5*time.Minute)
		b1 := req(netB, "q1", "p1", orgX, "pending", 0)
		run(t, db, func(tx store.Tx) error {
			for _, r := range []*domain.AccessRequest{q8, q7, q5, q4, q3, q2, q1, b1} {
				if err := tx.CreateAccessRequest(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		got := get(t, db, func(tx store.Tx) (*domain.AccessRequest, error) { return tx.FindAccessRequest(ctx, netA, "q1") })
		diff(t, "FindAccessRequest keeps what was typed", got, inUTC(q1))

		dayAgo, later := at(-24*time.Hour), at(2*time.Hour)
		for _, tc := range []struct {
			net, via string
			since    time.Time
			want     []*domain.AccessRequest
		}{
			{netA, "", dayAgo, []*domain.AccessRequest{q1, q2, q4, q5, q8, q7}}, // q3 was decided before
			{netA, "", later, []*domain.AccessRequest{q1, q4, q5, q8, q7}},      // q2 too
			{netA, orgT, dayAgo, []*domain.AccessRequest{q1, q2, q7}},           // p1, and p4 on its last day; p2 ended, p3 expired
			{netA, orgO, dayAgo, []*domain.AccessRequest{q4}},
			{netA, orgX, dayAgo, nil}, // requesting gives no access
			{netB, orgT, dayAgo, []*domain.AccessRequest{b1}},
			{netB, orgO, dayAgo, nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.AccessRequest, error) {
				return tx.FindOpenAccessRequests(ctx, tc.net, tc.via, today, tc.since)
			})
			diff(t, fmt.Sprintf("FindOpenAccessRequests(%s, %q, since %s)", tc.net, tc.via, tc.since.Sub(t0)), got, inUTCAll(tc.want...))
		}

		for _, tc := range []struct {
			net, org string
			want     []*domain.AccessRequest
		}{
			{netA, orgX, []*domain.AccessRequest{q8, q5, q4, q1, q3}},
			{netA, orgO, []*domain.AccessRequest{q7, q2}},
			{netA, orgR, nil},
			{netB, orgX, []*domain.AccessRequest{b1}},
			{netB, orgO, nil},
		} {
			got := get(t, db, func(tx store.Tx) ([]*domain.AccessRequest, error) {
				return tx.FindOrgAccessRequests(ctx, tc.net, tc.org)
			})
			diff(t, fmt.Sprintf("FindOrgAccessRequests(%s, %s)", tc.net, tc.org), got, inUTCAll(tc.want...))
		}
	})
}
