// Package builtin wires the built-in plugins into the resource-sync
// binary. They run out of the host's process, as any third-party plugin
// does: the binary re-executes itself with EnvServe, and the host talks
// gRPC to it. The built-ins a sync needs share that one process (host
// Source.Process): starting a Go process costs about as much CPU as a
// small sync, and each would start one.
package builtin

import (
	"os"
	"os/exec"

	"github.com/resource-sync/resource-sync/host"
	"github.com/resource-sync/resource-sync/internal/wire/pluginserver"
	"github.com/resource-sync/resource-sync/internal/wire/toproto"
	"github.com/resource-sync/resource-sync/plugins/adapter"
	"github.com/resource-sync/resource-sync/plugins/dir"
	"github.com/resource-sync/resource-sync/plugins/hal"
	"github.com/resource-sync/resource-sync/plugins/http"
	"github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/plugins/snapshot"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/plugins/yamlfile"
	"github.com/resource-sync/resource-sync/sdk"
)

// EnvServe, set to a built-in's name, makes the binary serve that plugin;
// set to ServeAll, every built-in.
const EnvServe = "RESOURCE_SYNC_SERVE_BUILTIN"

// ServeAll is the EnvServe of the process the built-ins share.
const ServeAll = "*"

// process is the built-ins' host.Source.Process: their name in errors.
const process = "built-ins"

// Plugins are the built-ins.
func Plugins() []sdk.Plugin {
	return []sdk.Plugin{
		dir.Plugin(), yamlfile.Plugin(), http.Plugin(), snapshot.Plugin(), adapter.Plugin(),
		json.Plugin(), yaml.Plugin(),
		hal.Plugin(), simple.Plugin(),
	}
}

// ServeIfAsked serves the built-in named in EnvServe and reports whether
// it did; main must return right after.
func ServeIfAsked() bool {
	name := os.Getenv(EnvServe)
	if name == "" {
		return false
	}
	if name == ServeAll {
		pluginserver.ServeTogether(process, Plugins())
		return true
	}
	for _, p := range Plugins() {
		if p.Name == name {
			pluginserver.Serve(p)
			return true
		}
	}
	os.Stderr.WriteString("resource-sync: no built-in plugin " + name + "\n")
	os.Exit(1)
	return true
}

// Sources describes the built-ins to the host without starting them.
func Sources() ([]host.Source, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var out []host.Source
	for _, p := range Plugins() {
		m := host.ManifestFromProto(toproto.Describe_Response(p))
		out = append(out, host.Source{
			Name:     p.Name,
			Path:     exe,
			Manifest: &m,
			Process:  process,
			Command: func() *exec.Cmd {
				cmd := exec.Command(exe)
				cmd.Env = append(os.Environ(), EnvServe+"="+ServeAll)
				return cmd
			},
		})
	}
	return out, nil
}

// EndpointOptions are the options the built-in endpoints declare, each
// name once, in declaration order: the CLI offers a flag for each.
func EndpointOptions() []host.OptionDecl {
	var out []host.OptionDecl
	seen := map[string]bool{}
	for _, p := range Plugins() {
		m := host.ManifestFromProto(toproto.Describe_Response(p))
		for _, c := range m.Components {
			for _, d := range c.Options {
				if !seen[d.Name] {
					seen[d.Name] = true
					out = append(out, d)
				}
			}
		}
	}
	return out
}
