package host

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testDecls = []OptionDecl{
	{Name: "token", Type: OptionString, Secret: true, Credential: true, Env: "TEST_RS_TOKEN"},
	{Name: "header", Type: OptionList, Secret: true, Credential: true},
	{Name: "limit", Type: OptionInt, Default: "100"},
}

func TestAssignOptions(t *testing.T) {
	httpA := SyncEndpoint{Location: At("http://a/api/"), Declared: testDecls}
	httpB := SyncEndpoint{Location: At("http://b/"), Destination: true, Declared: testDecls}
	dir := SyncEndpoint{Location: At("./data"), Destination: true}
	env := func(loc Location, opts map[string]string) SyncEndpoint {
		loc.Options = opts
		return SyncEndpoint{Location: loc, Declared: testDecls}
	}
	tests := map[string]struct {
		eps     []SyncEndpoint
		given   []GivenOption
		env     map[string]string
		want    []map[string]string
		wantErr string
	}{
		"one HTTP endpoint takes an unscoped credential": {
			eps:   []SyncEndpoint{httpA, dir},
			given: []GivenOption{{Name: "token", Value: "${env:A}", Flag: "--token"}},
			want:  []map[string]string{{"token": "${env:A}"}, {}},
		},
		"scoped credentials go to their side only": {
			eps: []SyncEndpoint{httpA, httpB},
			given: []GivenOption{
				{Scope: ScopeOrigins, Name: "token", Value: "ta", Flag: "--from-token"},
				{Scope: ScopeDestination, Name: "token", Value: "tb", Flag: "--to-token"},
			},
			want: []map[string]string{{"token": "ta"}, {"token": "tb"}},
		},
		"an unscoped credential for two endpoints is refused": {
			eps:     []SyncEndpoint{httpA, httpB},
			given:   []GivenOption{{Name: "token", Value: "t", Flag: "--token"}},
			wantErr: "--token is ambiguous: http://a/api/ (origin) and http://b/ (destination) both take option token",
		},
		"two origins cannot share a scoped credential": {
			eps:     []SyncEndpoint{httpA, {Location: At("http://c/"), Declared: testDecls}, dir},
			given:   []GivenOption{{Scope: ScopeOrigins, Name: "header", Value: "X-Key: k", Flag: "--from-header"}},
			wantErr: "name each origin as an environment in resource-sync.yaml",
		},
		"an unscoped non-credential goes to every endpoint that takes it": {
			eps:   []SyncEndpoint{httpA, httpB},
			given: []GivenOption{{Name: "limit", Value: "5", Flag: "--limit"}},
			want:  []map[string]string{{"limit": "5"}, {"limit": "5"}},
		},
		"scoped beats unscoped whatever the order": {
			eps: []SyncEndpoint{httpA, httpB},
			given: []GivenOption{
				{Scope: ScopeDestination, Name: "limit", Value: "7", Flag: "--to-limit"},
				{Name: "limit", Value: "5", Flag: "--limit"},
			},
			want: []map[string]string{{"limit": "5"}, {"limit": "7"}},
		},
		"a list appends at one level and is replaced by a higher one": {
			eps: []SyncEndpoint{env(At("prod:"), map[string]string{"header": "X-Env: 1"}), dir},
			given: []GivenOption{
				{Name: "header", Value: "X-A: 1", Flag: "-H"},
				{Name: "header", Value: "X-B: 2", Flag: "-H"},
			},
			want: []map[string]string{{"header": "X-A: 1\nX-B: 2"}, {}},
		},
		"the command line beats an environment": {
			eps:   []SyncEndpoint{env(At("prod:"), map[string]string{"limit": "9", "token": "${env:PROD}"}), dir},
			given: []GivenOption{{Name: "limit", Value: "5", Flag: "--limit"}},
			want:  []map[string]string{{"limit": "5", "token": "${env:PROD}"}, {}},
		},
		"nobody takes it": {
			eps:     []SyncEndpoint{httpA, dir},
			given:   []GivenOption{{Scope: ScopeDestination, Name: "token", Value: "t", Flag: "--to-token"}},
			wantErr: "--to-token: the destination does not take option token\n  ./data (destination) takes: no options",
		},
		"a typo lists what is taken": {
			eps:     []SyncEndpoint{httpA, dir},
			given:   []GivenOption{{Name: "tokn", Value: "t", Flag: "-o tokn"}},
			wantErr: "-o tokn: no endpoint of this sync takes option tokn\n  http://a/api/ (origin) takes: header, limit, token\n  ./data (destination) takes: no options",
		},
		"the declared variable fills a credential for the one endpoint taking it": {
			eps:  []SyncEndpoint{httpA, dir},
			env:  map[string]string{"TEST_RS_TOKEN": "from-env"},
			want: []map[string]string{{"token": "from-env"}, {}},
		},
		"the declared variable is left alone when two endpoints take it": {
			eps:  []SyncEndpoint{httpA, httpB},
			env:  map[string]string{"TEST_RS_TOKEN": "from-env"},
			want: []map[string]string{{}, {}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			eps := append([]SyncEndpoint(nil), tc.eps...)
			err := AssignOptions(eps, tc.given, nil)
			if tc.wantErr != "" {
				var usage *UsageError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !asUsage(err, &usage) {
					t.Fatalf("error = %v, want a usage error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []map[string]string
			for _, e := range eps {
				got = append(got, e.Location.Options)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssignOptionsKeepsCallersMaps(t *testing.T) {
	shared := map[string]string{"limit": "1"}
	eps := []SyncEndpoint{{Location: Location{Spec: "http://a/", Options: shared}, Declared: testDecls}}
	if err := AssignOptions(eps, []GivenOption{{Name: "limit", Value: "2", Flag: "--limit"}}, nil); err != nil {
		t.Fatal(err)
	}
	if shared["limit"] != "1" {
		t.Errorf("the environment's map was changed: %v", shared)
	}
}

func TestAssignOptionsWarns(t *testing.T) {
	t.Setenv("TEST_RS_TOKEN", "x")
	var warnings []string
	eps := []SyncEndpoint{
		{Location: At("http://a/"), Declared: testDecls},
		{Location: At("http://b/"), Destination: true, Declared: testDecls},
	}
	given := []GivenOption{{Scope: ScopeOrigins, Name: "header", Value: "X-Key: literal", Flag: "--from-header"},
		{Scope: ScopeDestination, Name: "header", Value: "X-Key: ${env:K}", Flag: "--to-header"},
		{Name: "batch", Value: "2", Flag: "--batch", Lenient: true}}
	if err := AssignOptions(eps, given, func(s string) { warnings = append(warnings, s) }); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"--from-header: the value is visible to other users of this machine (ps, shell history); pass --from-header '${env:VARIABLE}' instead",
		"--batch is ignored: no endpoint of this sync takes option batch",
		"$TEST_RS_TOKEN is not used: http://a/ and http://b/ both take option token; give it to one with --from-token or --to-token '${env:TEST_RS_TOKEN}'",
	}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func asUsage(err error, target **UsageError) bool {
	u, ok := err.(*UsageError)
	*target = u
	return ok
}

func TestCheckOptionValue(t *testing.T) {
	for _, tc := range []struct {
		decl OptionDecl
		v    string
		want string // "" for valid
	}{
		{OptionDecl{Type: OptionInt, Min: "1"}, "3", ""},
		{OptionDecl{Type: OptionInt, Min: "1"}, "0", "must be at least 1"},
		{OptionDecl{Type: OptionInt}, "1.5", `"1.5" is not a whole number`},
		{OptionDecl{Type: OptionFloat, Min: "0"}, "2.5", ""},
		{OptionDecl{Type: OptionFloat}, "NaN", `"NaN" is not a number`},
		{OptionDecl{Type: OptionFloat, Min: "0"}, "-0.1", "must be at least 0"},
		{OptionDecl{Type: OptionBool}, "TRUE", ""},
		{OptionDecl{Type: OptionBool}, "yes", `"yes" is not true or false`},
		{OptionDecl{Type: OptionDuration}, "1h2m", ""},
		{OptionDecl{Type: OptionDuration}, "90", `"90" is not a duration such as 30s or 2m`},
		{OptionDecl{Type: OptionList}, "a\nb", ""},
		{OptionDecl{Type: OptionString}, "anything", ""},
		{OptionDecl{Type: OptionInt, Secret: true}, "hunter2", "the value is not a whole number"},
	} {
		err := CheckOptionValue(tc.decl, tc.v)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s %q: error %q, want %q", tc.decl.Type, tc.v, got, tc.want)
		}
	}
}
