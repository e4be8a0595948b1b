package jsonscan

import "testing"

func TestValueEnd(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"a\"b",1`:             `"a\"b"`,
		`{"k":["}",{"x":1}]}x`: `{"k":["}",{"x":1}]}`,
		`123,4`:                `123`,
		`true]`:                `true`,
		`null }`:               `null`,
		`{"open":1`:            `{"open":1`,
		`"unterminated`:        `"unterminated`,
		`,`:                    `,`, // a stray delimiter is a value of its own
	} {
		if got := in[:ValueEnd([]byte(in), 0)]; got != want {
			t.Errorf("ValueEnd(%q) ends after %q, want %q", in, got, want)
		}
	}
}
