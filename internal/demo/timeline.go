package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renraku/internal/board"
	"renraku/internal/messages"
	"renraku/internal/people"
	"renraku/internal/policy"
	"renraku/internal/profile"
	"renraku/internal/timeline"
)

// demoEntry is one entry of a demo timeline, written the way its author would:
// through the timeline service, so that read marks, notifications and the audit
// log are what they would be after a week of real use.
type demoEntry struct {
	person   string   // family name of a demoPerson of the network
	by       string   // staff login of the author
	ago      string   // how long before the demo was created (time.ParseDuration)
	category string   // record category key ("" for a reply)
	body     string   // the text
	to       []string // "org:<key>" or "user:<login>"
	action   bool     // 要対応
	reply    int      // 1-based index in the network's list of the entry answered, 0 for none
	readBy   []string // logins who opened it (read marks)
	doneBy   string   // login of the addressee who marked it 対応済み
}

// demoEntries are the timelines of the demo people: a week of visits, an
// instruction and its reply, an entry waiting for action. Categories follow each
// profile's list (sendai §3, fukuoka §2).
var demoEntries = map[string][]demoEntry{
	"beppu": {
		{person: "鶴見", by: "yukemuri-cm1", ago: "150h", category: "care",
			body: "サービス担当者会議を開催しました。\n訪問介護を週3回（月・水・金）に増やします。入浴介助を追加。", to: []string{"org:beppuwan"},
			readBy: []string{"beppuwan-sp", "beppuwan-helper"}},
		{person: "鶴見", by: "beppuwan-helper", ago: "75h", category: "daily",
			body: "訪問しました。昼食は半分ほど召し上がりました。\n足のむくみが少しあります。本人は「変わりない」とのことです。", to: []string{"user:yukemuri-cm1"},
			action: true, readBy: []string{"yukemuri-cm1"}, doneBy: "yukemuri-cm1"},
		{by: "yukemuri-cm1", ago: "73h", reply: 2,
			body: "ありがとうございます。主治医に伝え、次回受診時に相談します。", readBy: []string{"beppuwan-helper"}},
		{person: "鶴見", by: "beppuwan-sp", ago: "5h", category: "watch",
			body: "夜間に一度転倒しかけたとご家族から連絡がありました。ベッド周りの手すりについてご検討をお願いします。",
			to:   []string{"org:yukemuri"}, action: true},
		{person: "浜脇", by: "yukemuri-cm2", ago: "30h", category: "care",
			body: "長女の陽子さんより、来週から一時的に同居されるとの連絡。支援内容は変更なし。", to: []string{"org:chuo-hokatsu"},
			readBy: []string{"chuo-sw"}},
	},
	"fukuoka": {
		{person: "百道", by: "momochi-dr", ago: "170h", category: "medical",
			body: "定期訪問診療。血圧やや高め（150/88）。降圧薬を1錠から2錠へ増量しました。\n2週間後に再評価します。",
			to:   []string{"org:hakata-kango", "org:ohori-cp"}, readBy: []string{"hakata-ns1", "ohori-cm"}},
		{person: "百道", by: "hakata-ns1", ago: "98h", category: "vitals",
			body: "訪問看護。体温36.6℃、脈拍72、血圧138/82、SpO₂ 97%。\n服薬は問題なくできています。", to: []string{"user:momochi-dr"},
			readBy: []string{"momochi-dr", "ohori-cm"}},
		{by: "momochi-dr", ago: "96h", reply: 2,
			body: "ありがとうございます。この値で経過をみます。めまいがあれば連絡ください。", readBy: []string{"hakata-ns1"}},
		{person: "百道", by: "ohori-cm", ago: "50h", category: "care",
			body: "デイサービスの利用を週1回から週2回に変更する方向でご本人と合意しました。\n医療面で注意すべき点があれば教えてください。",
			to:   []string{"user:momochi-dr"}, action: true, readBy: []string{"momochi-dr"}, doneBy: "momochi-dr"},
		{by: "momochi-dr", ago: "47h", reply: 4,
			body: "入浴は可です。血圧が160を超える日は入浴を控えてください。", readBy: []string{"ohori-cm"}},
		{person: "百道", by: "hakata-pt", ago: "20h", category: "daily",
			body: "リハビリ訪問。屋内は杖で安定して歩行できています。玄関の段差に手すりがあると安心です。",
			to:   []string{"org:ohori-cp"}, action: true},
		{person: "赤坂", by: "ohori-cm", ago: "26h", category: "medication",
			body: "残薬が多いとのことで、お薬カレンダーを導入しました。次回の配達時に確認をお願いします。",
			to:   []string{"org:tenjin-yakkyoku"}, action: true, readBy: []string{"tenjin-ph"}},
	},
	"katori": {
		{person: "佐原", by: "sawara-sw", ago: "120h", category: "consultation",
			body: "ご本人より、ごみ出しが難しくなってきたとの相談。社協の生活支援につなぎます。", to: []string{"org:katori-shakyo"},
			action: true, readBy: []string{"shakyo-soudan"}, doneBy: "shakyo-soudan"},
		{by: "shakyo-soudan", ago: "100h", reply: 1,
			body: "承知しました。ボランティアによるごみ出し支援を来週から開始します。", readBy: []string{"sawara-sw"}},
		{person: "佐原", by: "shakyo-soudan", ago: "20h", category: "support",
			body: "初回のごみ出し支援を実施。ご本人とも顔合わせができました。", readBy: []string{"sawara-sw"}},
	},
	"joso": {
		{person: "石下", by: "kinu-dr", ago: "140h", category: "clinical",
			body: "在宅酸素療法を継続。SpO₂は安静時95%前後で安定しています。", to: []string{"org:joso-kyotaku"}, readBy: []string{"jk-cm"}},
		{person: "石下", by: "jk-cm", ago: "28h", category: "care_info",
			body: "台風接近時の避難について、ご家族と確認しました。酸素ボンベの予備は2本あります。", to: []string{"org:kinu-clinic"},
			action: true},
	},
	"sendai-izumi": {
		{person: "泉", by: "izumi-ns", ago: "160h", category: "instruction",
			body: "主治医より：褥瘡の処置は1日1回、ゲンタシン軟膏を塗布。悪化時は連絡のこと。", to: []string{"org:izumi-kango"},
			readBy: []string{"iz-kango-ns"}},
		{person: "泉", by: "iz-kango-ns", ago: "80h", category: "treatment",
			body: "褥瘡は2cm大、浸出液少量。処置を実施しました。", to: []string{"org:izumi-clinic"}, readBy: []string{"izumi-ns"}},
		{person: "泉", by: "iz-ph", ago: "30h", category: "support",
			body: "お薬をお届けしました。飲み込みにくいとの訴えがあり、粉砕の可否について主治医に確認をお願いします。",
			to:   []string{"org:izumi-clinic"}, action: true},
		{person: "泉", by: "izumi-ns", ago: "6h", category: "complaint",
			body: "ご本人より「夜、背中が痛くて眠れない」との訴え。", readBy: []string{"iz-kango-ns"}},
	},
}

// seedTimeline writes the network's demo entries, each at its time before now,
// and the read marks and 対応済み marks that followed them.
func seedTimeline(ctx context.Context, ppl *people.Service, net string, staff map[string]policy.Actor, orgs, persons map[string]string) error {
	tl := timeline.New(ppl)
	now := func() time.Time {
		for _, a := range staff {
			return a.Now
		}
		return time.Time{}
	}()
	var ids []string
	for i, de := range demoEntries[net] {
		ago, err := time.ParseDuration(de.ago)
		if err != nil {
			return err
		}
		at := now.Add(-ago)
		actor := func(login string) (policy.Actor, error) {
			a, ok := staff[login]
			if !ok {
				return a, fmt.Errorf("no demo staff %s", login)
			}
			a.Now = at
			return a, nil
		}
		author, err := actor(de.by)
		if err != nil {
			return err
		}
		in := timeline.Input{Category: de.category, Body: de.body, ActionRequired: de.action}
		for _, t := range de.to {
			kind, key, _ := strings.Cut(t, ":")
			switch kind {
			case "org":
				in.To = append(in.To, "org:"+orgs[key])
			case "user":
				in.To = append(in.To, "user:"+staff[key].UserID)
			}
		}
		var entryID string
		if de.reply > 0 {
			e, err := tl.Reply(ctx, author, ids[de.reply-1], in)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i+1, err)
			}
			entryID = e.ID
		} else {
			e, err := tl.Create(ctx, author, persons[de.person], in)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i+1, err)
			}
			entryID = e.ID
		}
		ids = append(ids, entryID)
		for j, login := range de.readBy {
			r, err := actor(login)
			if err != nil {
				return err
			}
			r.Now = at.Add(time.Duration(j+1) * 47 * time.Minute)
			if err := tl.MarkRead(ctx, r, entryID); err != nil {
				return fmt.Errorf("entry %d read by %s: %w", i+1, login, err)
			}
		}
		if de.doneBy != "" {
			d, err := actor(de.doneBy)
			if err != nil {
				return err
			}
			d.Now = at.Add(90 * time.Minute)
			if _, err := tl.MarkDone(ctx, d, entryID); err != nil {
				return fmt.Errorf("entry %d done: %w", i+1, err)
			}
		}
	}
	return nil
}

// seedBoard posts the notices an operator would have up: a pinned welcome and a
// planned maintenance announced in advance (beppu §9-3, fukuoka §15-3), where the
// network has a board and an operator role that posts on it.
func seedBoard(ctx context.Context, ppl *people.Service, p *profile.Profile, ops []policy.Actor) error {
	bd := board.New(ppl.Store(), ppl.AuditLog(), ppl.Clock())
	post := func(pw profile.Power, in board.Input) error {
		for _, op := range ops {
			if p.HasPower(op.OperatorRole, pw) {
				_, err := bd.Create(ctx, op, in)
				return err
			}
		}
		return nil
	}
	if err := post(profile.PowerBoardPost, board.Input{Kind: "notice", Pinned: true, Title: p.Name + "へようこそ",
		Body: "この掲示板では、運営からのお知らせや保守作業の予定をお知らせします。\nご不明な点は運営事務局までお問い合わせください。"}); err != nil {
		return fmt.Errorf("board notice: %w", err)
	}
	start := ppl.Clock().Now().In(profile.Tokyo()).AddDate(0, 0, 10)
	start = time.Date(start.Year(), start.Month(), start.Day(), 22, 0, 0, 0, profile.Tokyo())
	if err := post(profile.PowerBoardMaintenance, board.Input{Kind: "maintenance", Title: "システム保守のお知らせ",
		Body: "サーバーの定期保守のため、下記の時間帯はご利用いただけません。", StartsAt: start.Format("2006-01-02T15:04"),
		EndsAt: start.Add(3 * time.Hour).Format("2006-01-02T15:04")}); err != nil {
		return fmt.Errorf("board maintenance: %w", err)
	}
	return nil
}

// seedMessages opens a conversation between staff about a person where the
// network has staff messages (fukuoka §14 (3)).
func seedMessages(ctx context.Context, ppl *people.Service, p *profile.Profile, staff map[string]policy.Actor, persons map[string]string) error {
	if !p.Messages {
		return nil
	}
	msg := messages.New(ppl)
	from, to := staff["ohori-cm"], staff["hakata-ns1"]
	if from.UserID == "" || to.UserID == "" {
		return nil
	}
	c, err := msg.Start(ctx, from, messages.NewConversation{Participants: []string{to.UserID}, Subject: "サービス担当者会議の日程",
		PersonID: persons["百道"], Text: "来週のサービス担当者会議、木曜14時でご都合いかがでしょうか。"})
	if err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	if _, err := msg.Post(ctx, to, c.ID, "木曜14時で大丈夫です。訪問記録を持参します。"); err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	return nil
}
