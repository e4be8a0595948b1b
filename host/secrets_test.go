package host

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustField(t *testing.T, typ, pointer, env string) SecretField {
	t.Helper()
	f, err := ParseSecretField(typ, pointer, env)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseSecretField(t *testing.T) {
	for in, want := range map[string]string{
		"datasource:/secureJsonData/password=DS_{id}_PASSWORD": "",
		"*:/password":           "",
		"t:/a~1b/c~0d":          "",
		"datasource":            "want TYPE:/POINTER",
		":/password":            "needs a resource type",
		"t:password":            "is not a JSON pointer",
		"t:":                    "the whole resource cannot be a secret",
		"t:/a~2":                "~ must be followed by 0 or 1",
		"t:/a=X_{name}":         "only {type}, {id} and {field}",
		"t:/a=TOKEN_FOR_{type}": "",
	} {
		_, err := ParseSecretFlag(in)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("ParseSecretFlag(%q) = %v, want %q", in, err, want)
		}
	}
	f := mustField(t, "t", "/a~1b/c~0d", "")
	if !cmp.Equal(f.tokens, []string{"a/b", "c~d"}) {
		t.Errorf("tokens %q", f.tokens)
	}
}

func TestEnvName(t *testing.T) {
	for _, tc := range []struct {
		env, typ, id, want string
	}{
		{"", "datasource", "prod-pg", "DATASOURCE_PROD_PG_PASSWORD"},
		{"GRAFANA_DS_{id}_PASSWORD", "datasource", "Prod PG.1", "GRAFANA_DS_PROD_PG_1_PASSWORD"},
		{"{id}", "t", "9lives", "_9LIVES"},
		{"FIXED", "t", "x", "FIXED"},
		{"{field}", "t", "x", "PASSWORD"},
		{"{id}", "t", "zoë", "ZOË"[:2] + "_"},
	} {
		f := mustField(t, "*", "/secureJsonData/password", tc.env)
		if got := f.EnvName(tc.typ, tc.id); got != tc.want {
			t.Errorf("EnvName(%q, %q) with %q = %q, want %q", tc.typ, tc.id, tc.env, got, tc.want)
		}
	}
}

func TestMaskSecrets(t *testing.T) {
	pw := mustField(t, "datasource", "/secureJsonData/password", "DS_{id}_PASSWORD")
	key := mustField(t, "*", "/keys/1", "KEY_{type}_{id}")
	fields := []SecretField{pw, key}
	tests := map[string]struct {
		doc, typ, id string
		want         string
		wantFound    []FoundSecret
		wantErr      string
	}{
		"a clear value becomes a placeholder": {
			doc: `{"id":"pg","secureJsonData":{"password":"s3cret","user":"ro"},"big":12345678901234567890}`, typ: "datasource", id: "pg",
			want:      `{"big":12345678901234567890,"id":"pg","secureJsonData":{"password":"${env:DS_PG_PASSWORD}","user":"ro"}}`,
			wantFound: []FoundSecret{{Pointer: "/secureJsonData/password", Var: "DS_PG_PASSWORD", Value: "s3cret"}},
		},
		"another type keeps its field": {
			doc: `{"secureJsonData": {"password":"visible"}}`, typ: "dashboard", id: "d",
			want: `{"secureJsonData": {"password":"visible"}}`,
		},
		"an array index, for every type": {
			doc: `{"keys":["public","private"]}`, typ: "user", id: "ada",
			want:      `{"keys":["public","${env:KEY_USER_ADA}"]}`,
			wantFound: []FoundSecret{{Pointer: "/keys/1", Var: "KEY_USER_ADA", Value: "private"}},
		},
		"a placeholder stays, even another variable's": {
			doc: `{"secureJsonData":{"password":"${env:MY_OWN}"}}`, typ: "datasource", id: "pg",
			want: `{"secureJsonData":{"password":"${env:MY_OWN}"}}`,
		},
		"absent and null fields are left alone, bytes unchanged": {
			doc: `{ "secureJsonData" : {"password": null}, "keys": ["only one"] }`, typ: "datasource", id: "pg",
			want: `{ "secureJsonData" : {"password": null}, "keys": ["only one"] }`,
		},
		"a number cannot be kept out of a file": {
			doc: `{"secureJsonData":{"password":1234}}`, typ: "datasource", id: "pg",
			wantErr: "datasource/pg, secret field /secureJsonData/password: holds a number, and only a string can be kept out of files",
		},
		"a placeholder mixed with clear text": {
			doc: `{"secureJsonData":{"password":"pre-${env:X}"}}`, typ: "datasource", id: "pg",
			wantErr: "mixes ${env:...} with other text",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, found, err := MaskSecrets([]byte(tc.doc), tc.typ, tc.id, fields)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("masked\n%s\nwant\n%s", got, tc.want)
			}
			if diff := cmp.Diff(tc.wantFound, found); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSubstituteSecrets(t *testing.T) {
	fields := []SecretField{mustField(t, "datasource", "/secureJsonData/password", "DS_{id}_PASSWORD")}
	env := map[string]string{"DS_PG_PASSWORD": `s3"cret`}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := map[string]struct {
		doc, typ  string
		want      string
		wantErr   string
		wantUnset string
	}{
		"a placeholder gets its value": {
			doc: `{"n":1.50,"secureJsonData":{"password":"${env:DS_PG_PASSWORD}"}}`, typ: "datasource",
			want: `{"n":1.50,"secureJsonData":{"password":"s3\"cret"}}`,
		},
		"clear text stays": {
			doc: `{"secureJsonData": {"password":"typed in"}}`, typ: "datasource",
			want: `{"secureJsonData": {"password":"typed in"}}`,
		},
		"other fields and types are not touched": {
			doc: `{"note":"${env:DS_PG_PASSWORD}"}`, typ: "datasource",
			want: `{"note":"${env:DS_PG_PASSWORD}"}`,
		},
		"an unset variable names the field and the variable": {
			doc: `{"secureJsonData":{"password":"${env:DS_OTHER_PASSWORD}"}}`, typ: "datasource",
			wantErr:   "datasource/pg, secret field /secureJsonData/password: environment variable DS_OTHER_PASSWORD is not set",
			wantUnset: "DS_OTHER_PASSWORD",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := SubstituteSecrets([]byte(tc.doc), tc.typ, "pg", fields, lookup)
			if tc.wantErr != "" {
				se, ok := err.(*SecretError)
				if !ok || err.Error() != tc.wantErr || se.Var != tc.wantUnset {
					t.Fatalf("error %#v, want %q naming %s", err, tc.wantErr, tc.wantUnset)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("substituted\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestMaskThenSubstitute: a pull then a push gives the API back the value
// it had, the file in between holding only the placeholder.
func TestMaskThenSubstitute(t *testing.T) {
	fields := []SecretField{mustField(t, "*", "/password", "")}
	doc := `{"id":"u1","password":"correct horse","type":"user"}`
	masked, found, err := MaskSecrets([]byte(doc), "user", "u1", fields)
	if err != nil || strings.Contains(string(masked), "correct horse") || len(found) != 1 {
		t.Fatalf("masked %s, %v, %v", masked, found, err)
	}
	vars, err := SecretPlaceholders(masked, "user", fields)
	if err != nil || !cmp.Equal(vars, map[string]string{"USER_U1_PASSWORD": "/password"}) {
		t.Fatalf("placeholders %v, %v", vars, err)
	}
	back, err := SubstituteSecrets(masked, "user", "u1", fields, func(k string) (string, bool) {
		return found[0].Value, k == found[0].Var
	})
	if err != nil || string(back) != doc {
		t.Errorf("round trip %s, %v", back, err)
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor()
	r.add("p@ss/word")
	r.add("p@ss")
	r.add("abc") // too short to mask
	r.addOption("X-Api-Key: k3y-value\nAuthorization: Bearer t0ken-long")
	for in, want := range map[string]string{
		"password p@ss/word here":          "password *** here",
		"url-escaped p%40ss%2Fword":        "url-escaped ***",
		"prefix p@ss only":                 "prefix *** only",
		"abc stays":                        "abc stays",
		"header X-Api-Key: k3y-value sent": "header *** sent",
		"value k3y-value alone":            "value *** alone",
		"bearer Bearer t0ken-long":         "bearer ***",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
