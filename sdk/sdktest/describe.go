package sdktest

import (
	"strings"
	"testing"

	"google.golang.org/grpc"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
	"github.com/resource-sync/resource-sync/sdk"
)

// describeComponent asks the plugin to describe itself and returns the
// component the checks are about.
func describeComponent(t *testing.T, conn *grpc.ClientConn, kind pb.Component_Kind, name string) (*pb.Describe_Response, *pb.Component) {
	t.Helper()
	ctx, cancel := callContext(t.Context())
	defer cancel()
	desc, err := pb.NewPluginInfoClient(conn).Describe(ctx, &pb.Describe_Request{ProtocolVersion: sdk.ProtocolVersion})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	for _, c := range desc.GetComponents() {
		if c.GetKind() == kind && c.GetName() == name {
			return desc, c
		}
	}
	t.Fatalf("plugin %q describes no %s named %q (in the Process checks, the plugin given to sdktest.Main must offer it)",
		desc.GetName(), kindName(kind), name)
	return nil, nil
}

func kindName(k pb.Component_Kind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "KIND_"))
}

// describePlugin checks what every plugin says about itself.
func describePlugin(t *testing.T, desc *pb.Describe_Response) {
	t.Helper()
	if desc.GetName() == "" {
		t.Error("Describe gives no plugin name")
	}
	if v := desc.GetProtocolVersion(); v != sdk.ProtocolVersion {
		t.Errorf("Describe gives protocol version %d; this SDK speaks %d", v, sdk.ProtocolVersion)
	}
	if m := desc.GetLimits().GetMaxMessageBytes(); m <= largeSize {
		t.Errorf("Describe declares messages of at most %d bytes; a resource over 4 MiB needs more", m)
	}
}

// first is the first of a list of extensions or media types: the one a
// host writes or sends.
func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
