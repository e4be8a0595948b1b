package pluginserver

import (
	"strings"
	"testing"

	"github.com/resource-sync/resource-sync/sdk"
)

func TestTogetherOffersEveryComponentOnce(t *testing.T) {
	a := sdk.Plugin{Name: "a", Formatters: []sdk.FormatterSpec{{Name: "fa"}}, Schemas: []sdk.SchemaSpec{{Name: "s"}}}
	b := sdk.Plugin{Name: "b", Endpoints: []sdk.EndpointSpec{{Name: "e"}}, Formatters: []sdk.FormatterSpec{{Name: "fb"}}}
	all, err := together("both", []sdk.Plugin{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if all.Name != "both" || len(all.Endpoints) != 1 || len(all.Formatters) != 2 || len(all.Schemas) != 1 {
		t.Errorf("together = %+v, want both with e, fa, fb and s", all)
	}

	// A formatter and a schema may share a name; two formatters may not,
	// as calls are sent by component name.
	c := sdk.Plugin{Name: "c", Formatters: []sdk.FormatterSpec{{Name: "s"}, {Name: "fa"}}}
	_, err = together("all", []sdk.Plugin{a, b, c})
	if err == nil || !strings.Contains(err.Error(), `plugins a and c both have the formatter "fa"`) || strings.Contains(err.Error(), `"s"`) {
		t.Errorf("error = %v, want the formatter fa of a and c named, and nothing else", err)
	}
}
