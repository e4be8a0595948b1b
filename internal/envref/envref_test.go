package envref

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"TOKEN": "t0k", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for in, want := range map[string]string{
		"plain":                       "plain",
		"${env:TOKEN}":                "t0k",
		"Bearer ${env:TOKEN}!":        "Bearer t0k!",
		"${env:TOKEN}${env:TOKEN}":    "t0kt0k",
		"[${env:EMPTY}]":              "[]",
		"$${env:TOKEN}":               "${env:TOKEN}",
		"cost: $5, ${env:TOKEN}":      "cost: $5, t0k",
		"$$${env:TOKEN}":              "$${env:TOKEN}",
		"ends with a dollar $":        "ends with a dollar $",
		"{env:TOKEN}":                 "{env:TOKEN}",
		"${env:TOKEN} and $${literal": "t0k and ${literal",
	} {
		got, err := Expand(in, lookup)
		if err != nil || got != want {
			t.Errorf("Expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"${env:MISSING}":     "environment variable MISSING is not set",
		"${TOKEN}":           "a ${ that does not start ${env:NAME}",
		"${env:1BAD}":        "a ${ that does not start ${env:NAME}",
		"${env:TOKEN":        "a ${ that does not start ${env:NAME}",
		"secret ${oops here": "a ${ that does not start ${env:NAME}",
	} {
		_, err := Expand(in, lookup)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Expand(%q) error = %v, want %q", in, err, want)
		}
	}
	if got := Refs("a ${env:A} $${env:B} ${env:C}"); !cmp.Equal(got, []string{"A", "C"}) {
		t.Errorf("Refs = %q", got)
	}
}
