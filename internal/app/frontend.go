package app

import (
	"net/http"

	"github.com/securenexus/securenexus/internal/web"
)

// frontend serves the embedded web UI for every non-API path.
func frontend() http.Handler { return web.Handler() }
