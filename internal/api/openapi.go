package api

import (
	_ "embed"
	"net/http"

	"renraku/internal/accounts"
)

// openAPIDocument describes every route of routes.go; TestOpenAPIMatchesRoutes
// keeps the two in step.
//
//go:embed openapi.json
var openAPIDocument []byte

func (a *API) openAPI(w http.ResponseWriter, r *http.Request, _ *accounts.Principal) error {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
	return nil
}
