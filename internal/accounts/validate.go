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

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
