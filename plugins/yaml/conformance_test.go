package yaml

import (
	"testing"

	"github.com/resource-sync/resource-sync/sdk/sdktest"
)

func TestMain(m *testing.M) { sdktest.Main(m, Plugin()) }

func TestConformance(t *testing.T) {
	sdktest.RunFormatter(t, sdktest.FormatterOpt{Plugin: Plugin(), Name: "yaml"})
}
