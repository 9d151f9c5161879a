package app

import (
	"net/url"
	"testing"
)

func TestOpenURLAndOrigin(t *testing.T) {
	for _, c := range []struct {
		addr, want string
		tls        bool
	}{
		{"127.0.0.1:8080", "http://127.0.0.1:8080", false},
		{"[::]:8080", "http://localhost:8080", false},
		{"0.0.0.0:9443", "https://localhost:9443", true},
		{":8080", "http://localhost:8080", false},
	} {
		if got := openURL(c.tls, c.addr); got != c.want {
			t.Errorf("openURL(%v, %q) = %q, want %q", c.tls, c.addr, got, c.want)
		}
	}
	pub, _ := url.Parse("http://localhost:8080")
	if !sameOrigin(pub, "http://localhost:8080") {
		t.Error("same origin not recognised")
	}
	for _, other := range []string{"http://127.0.0.1:8080", "http://localhost:8081", "https://localhost:8080"} {
		if sameOrigin(pub, other) {
			t.Errorf("%s taken for the origin of %s", other, pub)
		}
	}
}
