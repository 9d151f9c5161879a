package app

import "net/http"

// frontend serves the embedded web UI; nil until the UI is built in.
func frontend() http.Handler { return nil }
