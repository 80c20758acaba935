package accounts

import (
	"net/url"
	"time"

	"golang.org/x/time/rate"
)

// allowAddr limits login attempts per remote address (against password spraying
// across many IDs; the per-account lockout handles guessing one ID).
func (s *Service) allowAddr(addr string) bool {
	if addr == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if len(s.limiters) > 10000 {
		for k, l := range s.limiters {
			if now.Sub(l.seen) > 10*time.Minute {
				delete(s.limiters, k)
			}
		}
	}
	l, ok := s.limiters[addr]
	if !ok {
		l = &addrLimiter{lim: rate.NewLimiter(s.perAddr, s.burst)}
		s.limiters[addr] = l
	}
	l.seen = now
	return l.lim.Allow()
}

// otpURL rebuilds an otpauth:// URL for a stored secret.
type otpURL struct{ issuer, account, secret string }

func (o *otpURL) String() string {
	v := url.Values{}
	v.Set("secret", o.secret)
	v.Set("issuer", o.issuer)
	v.Set("period", "30")
	v.Set("digits", "6")
	v.Set("algorithm", "SHA1")
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + o.issuer + ":" + o.account, RawQuery: v.Encode()}).String()
}
