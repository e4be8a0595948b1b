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

// FuzzStringEnd checks Terminated, and so StringEnd, against a
// byte-by-byte scan.
func FuzzStringEnd(f *testing.F) {
	for _, s := range []string{`"a\"b",1`, `"\\"`, `"\\\"x"`, `"unterminated\`, `""`, `"é\u00e9"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data := []byte(`"` + s)
		want, wantOK := len(data), false
		for i := 1; i < len(data); i++ {
			if data[i] == '\\' {
				i++
			} else if data[i] == '"' {
				want, wantOK = i+1, true
				break
			}
		}
		if got, ok := Terminated(data, 0); got != want || ok != wantOK {
			t.Errorf("Terminated(%q) = %d, %v; want %d, %v", data, got, ok, want, wantOK)
		}
	})
}
