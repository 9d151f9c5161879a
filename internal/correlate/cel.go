package correlate

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"

	"github.com/securenexus/securenexus/internal/alert"
)

// conditionError is a CEL compile error with its position (1-based line
// and column).
type conditionError struct {
	Line, Column int
	Message      string
}

func (e *conditionError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

func asCondition(err error, target **conditionError) bool { return errors.As(err, target) }

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

func celEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		env, envErr = cel.NewEnv(cel.Variable("alert", cel.MapType(cel.StringType, cel.DynType)))
	})
	return env, envErr
}

// condition is a compiled rule condition; nil matches every alert.
type condition struct{ prg cel.Program }

var programs sync.Map // condition text → *condition

// compile checks and compiles a boolean CEL expression over alert.
func compile(expr string) (*condition, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	if c, ok := programs.Load(expr); ok {
		return c.(*condition), nil
	}
	e, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("correlate: cel environment: %w", err)
	}
	ast, iss := e.Compile(expr)
	if iss != nil && iss.Err() != nil {
		first := iss.Errors()[0]
		return nil, &conditionError{Line: first.Location.Line(), Column: first.Location.Column() + 1, Message: first.Message}
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, &conditionError{Line: 1, Column: 1, Message: "the condition must be a boolean, not " + ast.OutputType().String()}
	}
	prg, err := e.Program(ast, cel.CostLimit(100000), cel.InterruptCheckFrequency(100))
	if err != nil {
		return nil, &conditionError{Line: 1, Column: 1, Message: err.Error()}
	}
	c := &condition{prg: prg}
	programs.Store(expr, c)
	return c, nil
}

// match evaluates the condition on a (a nil condition matches). An
// evaluation error (a missing key, a wrong type) is a non-match.
func (c *condition) match(vars map[string]any) bool {
	if c == nil {
		return true
	}
	out, _, err := c.prg.Eval(vars)
	if err != nil {
		return false
	}
	b, ok := out.Value().(bool)
	return ok && b
}

// activation is the CEL view of an alert. CEL values are dynamic, so the
// map holds any.
func activation(a *alert.Alert) map[string]any {
	ents := make([]any, len(a.Entities))
	byType := map[string][]string{}
	for i, e := range a.Entities {
		ents[i] = map[string]any{"type": string(e.Type), "value": e.Value, "role": e.Role}
		byType[string(e.Type)] = append(byType[string(e.Type)], e.Value)
	}
	byTypeAny := make(map[string]any, len(byType))
	for k, v := range byType {
		byTypeAny[k] = v
	}
	return map[string]any{"alert": map[string]any{
		"title": a.Title, "description": a.Description, "severity_id": int64(a.Severity), "severity": a.Severity.String(),
		"source_type": a.Source.Type, "vendor": a.Source.Vendor, "product": a.Source.Product,
		"rule_id": a.Rule.ID, "rule_name": a.Rule.Name, "tactics": strs(a.Tactics), "techniques": strs(a.Techniques),
		"tags": strs(a.Tags), "entities": ents, "entity_values": byTypeAny,
	}}
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
