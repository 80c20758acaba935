package domain

import "context"

// RequestMeta is what the audit log records about where a request came from.
type RequestMeta struct {
	RemoteAddr string
	UserAgent  string
	RequestID  string
}

type metaKey struct{}

// WithRequestMeta attaches request metadata to ctx.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// RequestMetaFrom returns the metadata attached to ctx, if any.
func RequestMetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(metaKey{}).(RequestMeta)
	return m
}
