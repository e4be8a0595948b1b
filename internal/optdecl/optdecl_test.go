package optdecl

import (
	"strings"
	"testing"
)

func TestBadDecls(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		options any
		want    string
	}{
		"not a pointer": {struct{}{}, "want a pointer to a struct"},
		"upper case": {(*struct {
			A int `option:"Limit"`
		})(nil), `option name "Limit": use lower-case words`},
		"reserved": {(*struct {
			A string `option:"follow"`
		})(nil), `option name "follow" is reserved`},
		"scope prefix": {(*struct {
			A string `option:"to-zone"`
		})(nil), "start with from- or to-"},
		"twice": {(*struct {
			A, B string `option:"x"`
		})(nil), `option "x" is declared twice`},
		"unknown flag": {(*struct {
			A string `option:"x,hidden"`
		})(nil), `unknown option flag "hidden"`},
		"unsupported": {(*struct {
			A map[string]string `option:"x"`
		})(nil), "has type map[string]string"},
		"bad default": {(*struct {
			A int `option:"x" default:"many"`
		})(nil), `default: "many" is not a whole number`},
		"default too low": {(*struct {
			A int `option:"x" default:"0" min:"1"`
		})(nil), "default: must be at least 1"},
		"min on a string": {(*struct {
			A string `option:"x" min:"1"`
		})(nil), "min is for numbers"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Decls(tc.options)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestNoDecls(t *testing.T) {
	t.Parallel()
	if d, err := Decls(nil); len(d) != 0 || err != nil {
		t.Errorf("Decls(nil) = %v, %v", d, err)
	}
	type opts struct {
		A string `option:"a"`
	}
	a, _ := Decls((*opts)(nil))
	b, _ := Decls(&opts{})
	if len(a) != 1 || len(b) != 1 {
		t.Errorf("a nil and a non-nil pointer declare %d and %d options", len(a), len(b))
	}
}
