package simple_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/simple"
)

func TestPlugin(t *testing.T) {
	t.Parallel()
	p := simple.Plugin()
	if p.Name != "simple" || p.Version != "1.0.0" || len(p.Endpoints) != 0 || len(p.Formatters) != 0 || len(p.Schemas) != 1 {
		t.Fatalf("Plugin() = %+v, want one schema named simple, version 1.0.0", p)
	}
	spec := p.Schemas[0]
	if spec.Name != "simple" || spec.Summary == "" {
		t.Errorf("schema spec = %+v", spec)
	}
	if _, ok := spec.Schema.(simple.Schema); !ok {
		t.Errorf("schema is %T, want simple.Schema", spec.Schema)
	}
}
