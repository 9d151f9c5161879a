package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/securenexus/securenexus/internal/alert"
	"github.com/securenexus/securenexus/internal/apperr"
	"github.com/securenexus/securenexus/internal/entity"
	"github.com/securenexus/securenexus/internal/syslog"
)

// textLine is one non-blank line of a text payload.
type textLine struct {
	text string
	loc  string
}

// splitLines splits a text payload into non-blank lines (CR LF or LF).
func splitLines(raw []byte) ([]textLine, error) {
	var out []textLine
	n := 0
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, textLine{text: string(line), loc: fmt.Sprintf("body[%d]", n)})
		}
		n++
	}
	if len(out) == 0 {
		return nil, apperr.BadRequest("empty payload", apperr.Field("body", "no non-blank line"))
	}
	return out, nil
}

// rawText is a text record kept as a JSON string (Raw must be valid JSON);
// decoding it gives back the line (invalid UTF-8 becomes U+FFFD).
func rawText(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// textInvalid reports an invalid text record.
func textInvalid(loc, field, msg string) error {
	f := loc
	if field != "" {
		f = loc + "." + field
	}
	return apperr.Validation("invalid record", apperr.Field(f, msg))
}

// parseErr turns a syslog/CEF parse error into a validation error naming
// the part of the line (body[3].priority).
func parseErr(loc string, err error) error {
	var se *syslog.Error
	if errors.As(err, &se) {
		return textInvalid(loc, se.Field, se.Reason)
	}
	return textInvalid(loc, "", err.Error())
}

// scanKV adds entities from "key=value" pairs common in auth logs:
// user/ruser/suser/duser/account (users), rhost/src/srcip/client (source
// hosts) and dst/dstip (destination hosts).
func scanKV(es *entity.Set, msg string) {
	for _, f := range strings.Fields(msg) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || v == "" {
			continue
		}
		v = strings.Trim(v, `"',;`)
		switch strings.ToLower(k) {
		case "user", "ruser", "suser", "duser", "account", "username", "logname":
			es.Add(alert.EntityUser, canonicalUser(v), entity.RoleActor)
		case "rhost", "src", "srcip", "src_ip", "client", "from":
			if !es.Add(alert.EntityIP, v, entity.RoleSrc) {
				es.Add(alert.EntityHostname, v, entity.RoleSrc)
			}
		case "dst", "dstip", "dst_ip":
			if !es.Add(alert.EntityIP, v, entity.RoleDst) {
				es.Add(alert.EntityHostname, v, entity.RoleDst)
			}
		}
	}
}

func emptyIfNil(as []alert.Alert) []alert.Alert {
	if as == nil {
		return []alert.Alert{}
	}
	return as
}

type jsonRaw = json.RawMessage
