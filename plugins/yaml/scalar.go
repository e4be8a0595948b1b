package yaml

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// resolvePlain gives a plain (unquoted, untagged) scalar its meaning under
// the YAML 1.2 core schema. Anything the schema does not recognise is a
// string: dates, yes/no, on/off, 1_000 and 0b101 included. The result is
// nil, a bool, a json.Number or a string.
func resolvePlain(s string) (any, error) {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil, nil
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	if n, ok := coreNumber(s); ok {
		return json.Number(n), nil
	}
	if isInfOrNaN(s) {
		return nil, notRepresentable(s)
	}
	return s, nil
}

// resolveTagged gives an explicitly tagged scalar its meaning. handled is
// false for tags outside the core schema, which the caller treats as if
// they were absent.
func resolveTagged(tag, s string) (v any, handled bool, err error) {
	switch tag {
	case "!!str", "!!binary", "!!timestamp":
		// JSON has no bytes or dates: keep their text.
		return s, true, nil
	case "!!null":
		if v, err := resolvePlain(s); err == nil && v == nil {
			return nil, true, nil
		}
	case "!!bool":
		if v, err := resolvePlain(s); err == nil {
			if b, ok := v.(bool); ok {
				return b, true, nil
			}
		}
	case "!!int":
		if n, ok := coreInt(s); ok {
			return json.Number(n), true, nil
		}
	case "!!float":
		if n, ok := coreNumber(s); ok {
			return json.Number(n), true, nil
		}
		if isInfOrNaN(s) {
			return nil, true, notRepresentable(s)
		}
	default:
		return nil, false, nil
	}
	return nil, true, fmt.Errorf("invalid %s value %q", tag, s)
}

func notRepresentable(s string) error {
	return fmt.Errorf("%s is not representable in JSON", s)
}

func isInfOrNaN(s string) bool {
	switch s {
	case ".nan", ".NaN", ".NAN":
		return true
	}
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	switch s {
	case ".inf", ".Inf", ".INF":
		return true
	}
	return false
}

// coreNumber converts a core schema integer or float to JSON number text.
func coreNumber(s string) (string, bool) {
	if n, ok := prefixedInt(s); ok {
		return n, true
	}
	return decimalNumber(s)
}

// coreInt converts a core schema integer to JSON number text.
func coreInt(s string) (string, bool) {
	if n, ok := prefixedInt(s); ok {
		return n, true
	}
	if strings.ContainsAny(s, ".eE") {
		return "", false
	}
	return decimalNumber(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// prefixedInt converts the core schema's 0o17 and 0x1F forms to decimal.
// They carry no sign.
func prefixedInt(s string) (string, bool) {
	if len(s) < 3 || s[0] != '0' {
		return "", false
	}
	var base int
	var valid func(rune) bool
	switch s[1] {
	case 'o':
		base, valid = 8, func(r rune) bool { return '0' <= r && r <= '7' }
	case 'x':
		base, valid = 16, func(r rune) bool {
			return '0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F'
		}
	default:
		return "", false
	}
	digits := s[2:]
	for _, r := range digits {
		if !valid(r) {
			return "", false
		}
	}
	n, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return "", false
	}
	return n.String(), true
}

// decimalNumber matches the core schema's decimal integers and floats,
//
//	[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
//
// and returns the number as JSON text: unchanged when it already is valid
// JSON (1e20 stays 1e20, digits beyond 2^64 are kept), otherwise with the
// plus sign and leading zeros dropped and bare dots completed ("+1." is
// "1.0", ".5" is "0.5", "007" is "7").
func decimalNumber(s string) (string, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	hasDot := i < len(s) && s[i] == '.'
	var frac string
	if hasDot {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fracStart:i]
	}
	if intPart == "" && frac == "" {
		return "", false
	}
	expStart := i
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		digitsStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == digitsStart {
			return "", false
		}
	}
	if i != len(s) {
		return "", false
	}
	exp := s[expStart:]

	leadingZero := len(intPart) > 1 && intPart[0] == '0'
	if s[0] != '+' && !leadingZero && intPart != "" && (!hasDot || frac != "") {
		return s, true // already JSON
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	b.WriteString(intPart)
	if hasDot {
		if frac == "" {
			frac = "0"
		}
		b.WriteByte('.')
		b.WriteString(frac)
	}
	b.WriteString(exp)
	return b.String(), true
}
