package events

import (
	_ "embed" // the hand-written part of docs/events.md
	"fmt"
	"reflect"
	"strings"
)

//go:embed intro.md
var intro string

// Markdown returns docs/events.md: the hand-written design notes (intro.md
// in this package) followed by the catalog of every registered kind with
// its payload fields, generated from the code. Regenerate with
// `go run ./cmd/securenexus events docs > docs/events.md` (a test fails on
// drift); the command links every module, so kinds registered outside this
// package are listed too.
func Markdown() string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(intro, "\n"))
	b.WriteString("\n\n## Kinds\n\n")
	b.WriteString("<!-- Generated from the code by `securenexus events docs`; edit internal/platform/events/intro.md or the kinds' Register calls instead. -->\n\n")
	b.WriteString("| Kind | Stream permission | Description |\n|---|---|---|\n")
	kinds := Kinds()
	for _, k := range kinds {
		fmt.Fprintf(&b, "| [`%s`](#%s) | `%s` | %s |\n", k.Kind, anchor(k.Kind), k.Permission, k.Description)
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, "\n### %s\n\n%s Payload `%s`:\n\n", k.Kind, k.Description, k.Payload.Name())
		b.WriteString("| Field | Type | Notes |\n|---|---|---|\n")
		writeFields(&b, k.Payload)
	}
	return b.String()
}

func anchor(k Kind) string { return strings.ReplaceAll(string(k), ".", "") }

func writeFields(b *strings.Builder, t reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		notes := []string{}
		if strings.Contains(opts, "omitempty") {
			notes = append(notes, "omitted when empty")
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", name, jsonType(f.Type), strings.Join(notes, "; "))
	}
}

// jsonType names how t appears in the JSON payload.
func jsonType(t reflect.Type) string {
	switch {
	case t.Kind() == reflect.Pointer:
		return jsonType(t.Elem())
	case t.PkgPath() == "github.com/google/uuid" && t.Name() == "UUID":
		return "string (UUID)"
	case t.PkgPath() == "time" && t.Name() == "Time":
		return "string (RFC 3339)"
	case t.Kind() == reflect.Slice:
		return "array of " + jsonType(t.Elem())
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "number"
	case t.Kind() == reflect.Map:
		return "object"
	case t.Kind() == reflect.Struct:
		return "object"
	}
	return t.String()
}
