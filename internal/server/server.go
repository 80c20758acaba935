// Package server assembles the HTTP surface: the web UI, the JSON API, health and
// metrics, behind the shared middleware (request id, access log without personal
// data, panic recovery, cross-origin protection, security headers).
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"renraku/internal/accounts"
	"renraku/internal/api"
	"renraku/internal/domain"
	"renraku/internal/notify"
	"renraku/internal/people"
	"renraku/internal/store"
	"renraku/internal/web"
)

// Config configures the HTTP surface.
type Config struct {
	Logger *slog.Logger
	// TrustProxy takes the client address from X-Forwarded-For (set it only behind
	// a proxy that overwrites that header).
	TrustProxy bool
	// Demo shows the demo banner and the demo login page; never set by `serve`.
	Demo       bool
	DemoLogins func(ctx context.Context) []web.DemoLogin
	// Mail is the SMTP relay for notification e-mail (nil: none; users cannot
	// choose e-mail). `renraku serve` also runs the notify.Sender over it.
	Mail *notify.MailConfig
}

// New returns the root handler.
func New(st store.Store, acc *accounts.Service, ppl *people.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := newMetrics(reg)

	mux := http.NewServeMux()
	registerRoutes(mux, st, acc, ppl, cfg, reg)

	var h http.Handler = mux
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	h = recoverer(cfg.Logger, h)
	h = m.instrument(cfg.Logger, mux, h)
	h = requestMeta(cfg.TrustProxy, h)
	return h
}

// Mux is what the surfaces register their routes on: the *http.ServeMux of New,
// or, in the route-matrix test, a recorder that lists every pattern.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// registerRoutes puts every route of the product on mux.
func registerRoutes(mux Mux, st store.Store, acc *accounts.Service, ppl *people.Service, cfg Config, reg *prometheus.Registry) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := st.Ping(r.Context()); err != nil {
			cfg.Logger.ErrorContext(r.Context(), "readyz: database unreachable", "err", err)
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		applied, latest, err := st.MigrationVersion(r.Context())
		if err != nil || applied != latest {
			http.Error(w, "migrations not current: applied "+strconv.Itoa(applied)+" of "+strconv.Itoa(latest), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	api.New(acc, ppl, cfg.Logger).WithMail(cfg.Mail != nil).Routes(mux)
	web.New(acc, ppl, web.Options{Logger: cfg.Logger, Demo: cfg.Demo, DemoLogins: cfg.DemoLogins, MailEnabled: cfg.Mail != nil}).Routes(mux)

}

type ctxKey struct{}

// requestMeta gives every request an id and records where it came from for the
// audit log.
func requestMeta(trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		addr := r.RemoteAddr
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		if trustProxy {
			if f := r.Header.Get("X-Forwarded-For"); f != "" {
				addr = strings.TrimSpace(strings.Split(f, ",")[0])
			}
		}
		ctx := domain.WithRequestMeta(r.Context(), domain.RequestMeta{RemoteAddr: addr, UserAgent: r.UserAgent(), RequestID: id})
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func recoverer(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.ErrorContext(r.Context(), "panic", "request_id", domain.RequestMetaFrom(r.Context()).RequestID, "panic", p)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renraku_http_requests_total",
			Help: "HTTP requests by route pattern and status class."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "renraku_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// instrument counts requests by route pattern and writes one access-log line
// (method, route pattern, status, duration; never the path's values, the query
// string, a person's data or a token).
func (m *metrics) instrument(logger *slog.Logger, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		if pattern == "" {
			pattern = "unmatched"
		}
		sw := &statusWriter{ResponseWriter: w, status: 200}
		start := time.Now()
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues(pattern, strconv.Itoa(sw.status/100)+"xx").Inc()
		d := time.Since(start)
		m.duration.WithLabelValues(pattern).Observe(d.Seconds())
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", domain.RequestMetaFrom(r.Context()).RequestID), slog.String("method", r.Method),
			slog.String("route", pattern), slog.Int("status", sw.status), slog.Duration("duration", d))
	})
}

// Serve runs srv until ctx is done, then shuts down gracefully: new connections
// are refused and requests in flight get up to 20 seconds to finish.
func Serve(ctx context.Context, srv *http.Server, certFile, keyFile string) error {
	errc := make(chan error, 1)
	go func() {
		var err error
		if certFile != "" {
			err = srv.ListenAndServeTLS(certFile, keyFile)
		} else {
			err = srv.ListenAndServe()
		}
		errc <- err
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
