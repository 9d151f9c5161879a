package identity

import (
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humaflow"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

var errAdapter = errors.New("identity: huma context from an unsupported adapter")

// requestOf returns the *http.Request behind a huma context: the server's
// humago adapter, or humaflow (what humatest uses).
func requestOf(hctx huma.Context) (*http.Request, error) {
	if r := tryUnwrap(hctx, humago.Unwrap); r != nil {
		return r, nil
	}
	if r := tryUnwrap(hctx, humaflow.Unwrap); r != nil {
		return r, nil
	}
	return nil, errAdapter
}

func tryUnwrap(hctx huma.Context, unwrap func(huma.Context) (*http.Request, http.ResponseWriter)) (r *http.Request) {
	defer func() {
		if recover() != nil {
			r = nil
		}
	}()
	r, _ = unwrap(hctx)
	return r
}
