package web

import (
	"net/http"

	"renraku/internal/accounts"
	"renraku/internal/domain"
	"renraku/internal/policy"
	"renraku/internal/timeline"
)

// home shows what the signed-in user can do: the operator's queues, the admin's
// staff, a staff member's start page. Which panels appear is the policy's answer.
func (w *Web) home(rw http.ResponseWriter, r *http.Request, pr *accounts.Principal) {
	p := w.newPage(r, "ホーム", pr)
	data := map[string]any{}
	ctx := r.Context()
	if accounts.Can(pr.Actor, policy.ReviewApplications, policy.Resource{}) {
		apps, err := w.acc.Applications(ctx, pr.Actor, domain.AppPending)
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		data["PendingApplications"] = len(apps)
	}
	if accounts.Can(pr.Actor, policy.DecideStaffRequest, policy.Resource{}) {
		reqs, err := w.acc.StaffRequests(ctx, pr.Actor, "")
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		data["PendingStaffRequests"] = len(reqs)
	}
	if pr.Org != nil && accounts.Can(pr.Actor, policy.ListUsers, policy.Resource{OrgID: pr.Org.ID}) {
		users, err := w.acc.Users(ctx, pr.Actor, pr.Org.ID)
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		active := 0
		for _, u := range users {
			if u.Status == domain.UserActive {
				active++
			}
		}
		data["ActiveStaff"] = active
	}
	if accounts.Can(pr.Actor, policy.ReadInbox, policy.Resource{}) {
		// あなた宛ての未読: the newest few entries addressed to the user (an audited read).
		items, total, err := w.tl().Inbox(ctx, pr.Actor, timeline.InboxFilter{UnreadOnly: true, Limit: 5})
		if err != nil {
			w.fail(rw, r, p, "", err)
			return
		}
		data["Inbox"], data["InboxUnread"] = items, total
	}
	p.Data = data
	w.render(rw, r, http.StatusOK, "home.html", p)
}
