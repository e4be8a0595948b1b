package toproto

import (
	"context"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/resource-sync/resource-sync/internal/batch"
	"github.com/resource-sync/resource-sync/internal/optdecl"
	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

type testOptions struct {
	Limit    int           `option:"limit" default:"100" min:"1" help:"page size"`
	Rate     float64       `option:"rate" min:"0" help:"requests per second"`
	Token    string        `option:"token,secret,credential" env:"ACME_TOKEN" help:"API token"`
	Headers  []string      `option:"header,secret,credential" help:"extra header"`
	Insecure bool          `option:"insecure,credential"`
	Timeout  time.Duration `option:"timeout" default:"30s"`
	Small    int8          `option:"small"`
	internal string        // not an option
}

// readWriter is an endpoint type that reads and writes.
type readWriter struct{}

func (readWriter) Close() error { return nil }
func (readWriter) Read(context.Context) iter.Seq2[sdk.Document, error] {
	return func(func(sdk.Document, error) bool) {}
}
func (readWriter) Write(context.Context, iter.Seq[sdk.WriteItem], func(sdk.WriteResult)) (sdk.WriteSummary, error) {
	return sdk.WriteSummary{}, nil
}

func TestDescribeResponse(t *testing.T) {
	t.Parallel()
	p := sdk.Plugin{
		Name: "acme", Version: "1.2.3",
		Endpoints: []sdk.EndpointSpec{{Name: "acme", Summary: "the ACME API", Schemes: []string{"acme"}, DefaultFormat: "json",
			CompareBeforeWrite: true, Implements: (*readWriter)(nil), Options: (*testOptions)(nil)}},
		Formatters: []sdk.FormatterSpec{{Name: "toml", Summary: "TOML", Extensions: []string{".toml"}, MediaTypes: []string{"application/toml"}}},
		Schemas:    []sdk.SchemaSpec{{Name: "acme", Summary: "ACME resources"}},
	}
	want := &pb.Describe_Response{
		Name: "acme", Version: "1.2.3", ProtocolVersion: sdk.ProtocolVersion,
		Limits: &pb.Limits{MaxMessageBytes: batch.MaxMessageBytes, MaxBatchItems: batch.MaxItems},
		Components: []*pb.Component{
			{Kind: pb.Component_KIND_ENDPOINT, Name: "acme", Summary: "the ACME API", Schemes: []string{"acme"}, DefaultFormat: "json",
				Capabilities: []pb.Capability{pb.Capability_CAPABILITY_READ, pb.Capability_CAPABILITY_WRITE,
					pb.Capability_CAPABILITY_COMPARE_BEFORE_WRITE, pb.Capability_CAPABILITY_STAGED_WRITES},
				Options: []*pb.OptionDecl{
					{Name: "limit", Type: pb.OptionDecl_TYPE_INT, DefaultValue: "100", Min: "1", Help: "page size"},
					{Name: "rate", Type: pb.OptionDecl_TYPE_FLOAT, Min: "0", Help: "requests per second"},
					{Name: "token", Type: pb.OptionDecl_TYPE_STRING_UNSPECIFIED, Secret: true, Credential: true, Env: "ACME_TOKEN", Help: "API token"},
					{Name: "header", Type: pb.OptionDecl_TYPE_LIST, Secret: true, Credential: true, Help: "extra header"},
					{Name: "insecure", Type: pb.OptionDecl_TYPE_BOOL, Credential: true},
					{Name: "timeout", Type: pb.OptionDecl_TYPE_DURATION, DefaultValue: "30s"},
					{Name: "small", Type: pb.OptionDecl_TYPE_INT},
				}},
			{Kind: pb.Component_KIND_FORMATTER, Name: "toml", Summary: "TOML", Extensions: []string{".toml"}, MediaTypes: []string{"application/toml"}},
			{Kind: pb.Component_KIND_SCHEMA, Name: "acme", Summary: "ACME resources"},
		},
	}
	if diff := cmp.Diff(want, Describe_Response(p), protocmp.Transform()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in   sdk.EndpointSpec
		want []pb.Capability
	}{
		"zero":           {in: sdk.EndpointSpec{}, want: nil},
		"flags, no type": {in: sdk.EndpointSpec{Replaces: true}, want: nil},
		"concurrent writer": {in: sdk.EndpointSpec{Implements: (*readWriter)(nil), ConcurrentWrites: true, Replaces: true},
			want: []pb.Capability{pb.Capability_CAPABILITY_READ, pb.Capability_CAPABILITY_WRITE,
				pb.Capability_CAPABILITY_REPLACE, pb.Capability_CAPABILITY_CONCURRENT_WRITES}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, Capabilities(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOptionDeclType(t *testing.T) {
	t.Parallel()
	seen := map[pb.OptionDecl_Type]bool{}
	for _, typ := range []optdecl.Type{optdecl.String, optdecl.Bool, optdecl.Int, optdecl.Float, optdecl.Duration, optdecl.List} {
		seen[OptionDecl_Type(typ)] = true
	}
	if len(seen) != len(pb.OptionDecl_Type_name) {
		t.Errorf("%d option types convert to %d distinct protocol types; the protocol has %d", 6, len(seen), len(pb.OptionDecl_Type_name))
	}
}

// A declaration that cannot work panics naming the endpoint: the first
// test of the plugin finds it.
func TestBadOptionDeclsPanic(t *testing.T) {
	t.Parallel()
	defer func() {
		msg, _ := recover().(string)
		if !strings.HasPrefix(msg, "endpoint bad: ") || !strings.Contains(msg, `option name "follow" is reserved`) {
			t.Errorf("panic %q, want one naming the endpoint and the problem", msg)
		}
	}()
	EndpointComponent(sdk.EndpointSpec{Name: "bad", Options: (*struct {
		A string `option:"follow"`
	})(nil)})
}
