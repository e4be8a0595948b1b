package notify

import (
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	t.Parallel()
	date := ChangeField{Field: "updatedAt", Layout: "2006-01-02T15:04:05Z07:00"}
	integer := ChangeField{Field: "rev"}
	tests := map[string]struct {
		field   ChangeField
		doc     string
		want    Version
		wantErr string
	}{
		"fingerprint":     {ChangeField{}, `{"a":1}`, Version{Kind: VersionFingerprint, Value: "fp"}, ""},
		"date":            {date, `{"updatedAt":"2017-01-01T09:30:00+01:00"}`, Version{Kind: VersionDate, Value: "2017-01-01T09:30:00+01:00", Order: 1483259400000000000}, ""},
		"integer":         {integer, `{"rev":9007199254740993}`, Version{Kind: VersionInteger, Value: "9007199254740993", Order: 9007199254740993}, ""},
		"integer string":  {integer, `{"rev":"12"}`, Version{Kind: VersionInteger, Value: "12", Order: 12}, ""},
		"missing field":   {integer, `{"x":1}`, Version{}, "document has no rev field"},
		"null field":      {integer, `{"rev":null}`, Version{}, "document has no rev field"},
		"fraction":        {integer, `{"rev":1.5}`, Version{}, `change field rev: "1.5" is not an integer`},
		"bad date":        {date, `{"updatedAt":"yesterday"}`, Version{}, `"yesterday" does not match the layout`},
		"date not string": {date, `{"updatedAt":5}`, Version{}, "is not a date string"},
		"not an object":   {integer, `[1]`, Version{}, "not a JSON object"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := versionOf(tc.field, []byte(tc.doc), "fp")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestVersionNewerThan(t *testing.T) {
	t.Parallel()
	i := func(n int64) Version { return Version{Kind: VersionInteger, Order: n} }
	f := func(s string) Version { return Version{Kind: VersionFingerprint, Value: s} }
	tests := map[string]struct {
		v, old Version
		want   bool
	}{
		"greater":            {i(2), i(1), true},
		"same":               {i(2), i(2), false},
		"older":              {i(1), i(2), false},
		"nothing before":     {i(1), Version{}, true},
		"other fingerprint":  {f("a"), f("b"), true},
		"same fingerprint":   {f("a"), f("a"), false},
		"field reconfigured": {i(1), f("a"), true},
	}
	for name, tc := range tests {
		if got := tc.v.NewerThan(tc.old); got != tc.want {
			t.Errorf("%s: %+v.NewerThan(%+v) = %v", name, tc.v, tc.old, got)
		}
	}
}

func TestDeliveredStateWants(t *testing.T) {
	t.Parallel()
	v := func(n int64) Version { return Version{Kind: VersionInteger, Order: n} }
	put := func(gen uint64, n int64) *event { return &event{Action: ActionUpdate, Generation: gen, Version: v(n)} }
	del := func(gen uint64, n int64) *event { return &event{Action: ActionDelete, Generation: gen, Version: v(n)} }
	has := deliveredState{Generation: 1, Version: v(5)}
	deleted := deliveredState{Generation: 2, Version: v(5), Deleted: true}
	tests := map[string]struct {
		st    deliveredState
		known bool
		ev    *event
		want  bool
	}{
		"first ever":               {deliveredState{}, false, put(0, 1), true},
		"newer":                    {has, true, put(1, 6), true},
		"same":                     {has, true, put(1, 5), false},
		"older":                    {has, true, put(1, 4), false},
		"from an earlier life":     {has, true, put(0, 9), false},
		"from a later life":        {has, true, put(2, 1), true},
		"delete":                   {has, true, del(1, 5), true},
		"delete again":             {deleted, true, del(1, 5), false},
		"recreated, counter reset": {deleted, true, put(2, 1), true},
		"delete of an unseen doc":  {deliveredState{}, false, del(0, 0), true},
	}
	for name, tc := range tests {
		if got := tc.st.wants(tc.ev, tc.known); got != tc.want {
			t.Errorf("%s: wants = %v", name, got)
		}
	}
	if got := has.after(del(1, 5)); got != deleted {
		t.Errorf("after delete = %+v, want %+v", got, deleted)
	}
}
