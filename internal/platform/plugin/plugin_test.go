package plugin_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/securenexus/securenexus/internal/platform/plugin"
	"github.com/securenexus/securenexus/internal/platform/plugin/plugintest"
)

type greeter interface {
	Greet(name string) (string, error)
}

type hello struct{ token string }

func (h hello) Greet(name string) (string, error) {
	if name == "" {
		return "", errors.New("name is required")
	}
	return "hello " + name, nil
}

// leaky echoes its credential in an error: the contract must catch it.
type leaky struct{ token string }

func (l leaky) Greet(string) (string, error) { return "", fmt.Errorf("auth with %s failed", l.token) }

func TestRegistry(t *testing.T) {
	r := plugin.New[greeter]("greeter")
	if err := r.Register(plugin.Meta{Name: "hello", DisplayName: "Hello", Capabilities: []plugin.Capability{"batch"},
		ConfigSchema: []byte(`{"type":"object"}`)}, hello{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(plugin.Meta{Name: "hello", DisplayName: "Again"}, hello{}); err == nil {
		t.Error("duplicate name accepted")
	}
	for _, m := range []plugin.Meta{
		{Name: "Bad Name", DisplayName: "x"}, {Name: "", DisplayName: "x"}, {Name: "x"},
		{Kind: "other", Name: "x", DisplayName: "x"}, {Name: "x", DisplayName: "x", ConfigSchema: []byte(`[1]`)},
		{Name: "x", DisplayName: "x", Capabilities: []plugin.Capability{"Not OK"}},
	} {
		if err := r.Register(m, hello{}); err == nil {
			t.Errorf("invalid meta %+v accepted", m)
		}
	}
	if err := r.Register(plugin.Meta{Name: "alpha", DisplayName: "Alpha"}, hello{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Names(), []string{"alpha", "hello"}) || r.Len() != 2 || r.Kind() != "greeter" {
		t.Errorf("names %q", r.Names())
	}
	m, ok := r.Meta("hello")
	if !ok || m.Kind != "greeter" || !m.Has("batch") || m.Has("stream") {
		t.Errorf("meta %+v", m)
	}
	if g, ok := r.Get("hello"); !ok || g == nil {
		t.Error("Get")
	}
	if _, ok := r.Get("nope"); ok {
		t.Error("Get(nope)")
	}
	if es := r.Entries(); len(es) != 2 || es[0].Meta.Name != "alpha" {
		t.Errorf("entries %+v", es)
	}
}

var greeterFamily = plugintest.Family[greeter]{
	Secrets: []string{"s3cr3t-token-value"},
	Checks: func(t testing.TB, env *plugintest.Env, _ plugin.Meta, g greeter) {
		if _, err := g.Greet(""); env.Error(err) == nil {
			t.Error("empty name accepted")
		}
		out, err := g.Greet("bob")
		env.Logger.Info("greeted", "out", out)
		_ = env.Error(err)
	},
}

func TestContractPassesAndCatchesLeaks(t *testing.T) {
	r := plugin.New[greeter]("greeter")
	_ = r.Register(plugin.Meta{Name: "hello", DisplayName: "Hello"}, hello{token: "s3cr3t-token-value"})
	_ = r.Register(plugin.Meta{Name: "leaky", DisplayName: "Leaky"}, leaky{token: "s3cr3t-token-value"})
	plugintest.Run(t, r, "hello", greeterFamily)

	// The leaky plugin must fail the contract; run it on a recorder.
	rec := &recorder{TB: t}
	plugintest.Run(rec, r, "leaky", greeterFamily)
	if !rec.failed || !strings.Contains(rec.msg, "appears in an error") {
		t.Errorf("leak not reported: failed=%v %q", rec.failed, rec.msg)
	}
}

// recorder captures failures instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg += fmt.Sprintf(format, args...) + "\n"
}

func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
