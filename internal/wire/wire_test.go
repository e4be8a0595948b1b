package wire_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/internal/wire"
	"github.com/resource-sync/resource-sync/sdk"
)

// Authors see sdk.ProtocolVersion; the handshake speaks wire's.
func TestProtocolVersionsAgree(t *testing.T) {
	t.Parallel()
	if wire.ProtocolVersion != sdk.ProtocolVersion || wire.Handshake.ProtocolVersion != sdk.ProtocolVersion {
		t.Errorf("wire speaks protocol %d (handshake %d), sdk says %d",
			wire.ProtocolVersion, wire.Handshake.ProtocolVersion, sdk.ProtocolVersion)
	}
}
