package incident

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/securenexus/securenexus/internal/apperr"
)

// KillChain lists the MITRE ATT&CK Enterprise tactics in kill-chain order
// (the names alerts carry).
var KillChain = []string{
	"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "credential-access", "discovery", "lateral-movement",
	"collection", "command-and-control", "exfiltration", "impact",
}

// TacticStage is a tactic's position in KillChain, -1 for an unknown one.
func TacticStage(tactic string) int { return slices.Index(KillChain, tactic) }

var techniqueRe = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)

// Limits of manual ATT&CK labels.
const maxManualAttack = 100

func validateAttack(tactics, techniques []string, prefix string) []apperr.FieldError {
	var out []apperr.FieldError
	if len(tactics) > maxManualAttack {
		out = append(out, apperr.Field(prefix+"manual_tactics", fmt.Sprintf("at most %d", maxManualAttack)))
	}
	if len(techniques) > maxManualAttack {
		out = append(out, apperr.Field(prefix+"manual_techniques", fmt.Sprintf("at most %d", maxManualAttack)))
	}
	for i, t := range tactics {
		if TacticStage(t) < 0 {
			out = append(out, apperr.Field(fmt.Sprintf("%smanual_tactics[%d]", prefix, i), "not an ATT&CK Enterprise tactic (e.g. initial-access)"))
		}
	}
	for i, t := range techniques {
		if !techniqueRe.MatchString(t) {
			out = append(out, apperr.Field(fmt.Sprintf("%smanual_techniques[%d]", prefix, i), "not an ATT&CK technique id (e.g. T1059.001)"))
		}
	}
	return out
}
