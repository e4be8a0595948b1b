package hal_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/hal"
)

func TestPlugin(t *testing.T) {
	t.Parallel()
	p := hal.Plugin()
	if p.Name != "hal" || p.Version != "1.0.0" || len(p.Endpoints) != 0 || len(p.Formatters) != 0 || len(p.Schemas) != 1 {
		t.Fatalf("Plugin() = %+v, want one schema named hal, version 1.0.0", p)
	}
	spec := p.Schemas[0]
	if spec.Name != "hal" || spec.Summary == "" {
		t.Errorf("schema spec = %+v", spec)
	}
	if _, ok := spec.Schema.(hal.Schema); !ok {
		t.Errorf("schema is %T, want hal.Schema", spec.Schema)
	}
}
