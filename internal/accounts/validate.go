package accounts

import "renraku/internal/validate"

// The field checks shared by every capability live in package validate.
var (
	text    = validate.Text
	phone   = validate.Phone
	email   = validate.Email
	loginID = validate.LoginID
)

// ValidNetworkID reports whether id can name a network (it appears in URLs).
func ValidNetworkID(id string) bool { return validate.NetworkID(id) }
