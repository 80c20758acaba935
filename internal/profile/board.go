package profile

// BoardPolicy is how a network uses its electronic bulletin board (電子掲示板,
// beppu §8 (2), fukuoka §14 (2)): who posts is the operator roles' powers
// (PowerBoardPost for notices, PowerBoardMaintenance for maintenance
// announcements); what the contracted vendor may post is here, because the vendor
// holds no operator powers.
type BoardPolicy struct {
	// Article names the board (or the members-only notices) in the seed.
	Article string `json:"article"`
	// MaintenanceArticle: stops for maintenance are announced in advance on the
	// board, except when the operator deems it urgent (beppu §9-3, fukuoka §15-3).
	MaintenanceArticle string `json:"maintenance_article"`
	// VendorNotices: the contracted vendor announces service changes, changes of
	// the terms and incidents to the users (katori §29, §35-3; joso §5-4 (3);
	// sendai §27, §33-2).
	VendorNotices bool `json:"vendor_notices"`
	// VendorMaintenance: the vendor also announces the stops it makes itself
	// (katori §32-1 (4), §32-2).
	VendorMaintenance bool   `json:"vendor_maintenance"`
	VendorArticle     string `json:"vendor_article,omitempty"`
}
