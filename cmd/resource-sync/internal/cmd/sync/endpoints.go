package sync

import (
	"context"
	"fmt"
	"os"

	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/cmdutil"
	"github.com/resource-sync/resource-sync/cmd/resource-sync/internal/config"
	"github.com/resource-sync/resource-sync/host"
)

// Locations turns the arguments into the sync's endpoints: an environment
// of the config file ("prod:") becomes its location and options, then each
// endpoint gets the command-line options meant for it (host.AssignOptions),
// by what it declares, and a password left out is asked for. schema is the
// one to use: the command line's, else the environments'.
func (o *Options) Locations(ctx context.Context, h *host.Host, cfg *config.File) (origins []host.Location, dest host.Location, schema string, err error) {
	// validate has origins only: no Destination.
	args := append([]string(nil), o.Origins...)
	hasDest := o.Destination != ""
	if hasDest {
		args = append(args, o.Destination)
	}
	eps := make([]host.SyncEndpoint, len(args))
	envs := make([]*config.Environment, len(args))
	specs := make([]string, len(args))
	for i, arg := range args {
		eps[i].Location, envs[i] = cfg.Expand(arg)
		eps[i].Destination = hasDest && i == len(args)-1
		specs[i] = eps[i].Location.Spec
	}
	if hasDest {
		for _, origin := range eps[:len(eps)-1] {
			if sameEndpoint(origin.Location.Spec, eps[len(eps)-1].Location.Spec) {
				return nil, dest, "", cmdutil.FlagErrorf("origin and destination are the same: %s", origin.Location)
			}
		}
	}
	comps, err := h.Endpoints(ctx, specs...)
	if err != nil {
		return nil, dest, "", err
	}
	for i := range eps {
		eps[i].Declared = comps[i].Options
		if envs[i] != nil {
			if err := cfg.Check(envs[i], comps[i].Name+" endpoint", comps[i].Options); err != nil {
				return nil, dest, "", err
			}
		}
	}
	if schema, err = o.schema(cfg.Path, envs); err != nil {
		return nil, dest, "", err
	}
	if err := host.AssignOptions(eps, o.options.given, func(msg string) { h.Logger().Warn(msg) }); err != nil {
		return nil, dest, "", err
	}
	if err := o.askPasswords(eps); err != nil {
		return nil, dest, "", err
	}
	if !hasDest {
		for _, e := range eps {
			origins = append(origins, e.Location)
		}
		return origins, dest, schema, nil
	}
	for _, e := range eps[:len(eps)-1] {
		origins = append(origins, e.Location)
	}
	return origins, eps[len(eps)-1].Location, schema, nil
}

// schema is the command line's schema, else the one the environments in
// use name; they must agree.
func (o *Options) schema(path string, envs []*config.Environment) (string, error) {
	if o.SchemaGiven {
		return o.Schema, nil
	}
	var from *config.Environment
	for _, e := range envs {
		if e == nil || e.Schema == "" {
			continue
		}
		if from != nil && from.Schema != e.Schema {
			return "", cmdutil.FlagErrorf("environments %s (schema %s) and %s (schema %s) disagree, in %s; choose one with --schema",
				from.Name, from.Schema, e.Name, e.Schema, path)
		}
		from = e
	}
	if from != nil {
		return from.Schema, nil
	}
	return o.Schema, nil
}

// askPasswords completes the endpoints given a user name and no
// password: from $RESOURCE_SYNC_PASSWORD when only one endpoint needs one
// (a password is never sent to two places), else from a prompt.
func (o *Options) askPasswords(eps []host.SyncEndpoint) error {
	var need []int
	for i, e := range eps {
		_, hasUser := e.Location.Options["username"]
		_, hasPassword := e.Location.Options["password"]
		if hasUser && !hasPassword {
			need = append(need, i)
		}
	}
	envPassword, envSet := os.LookupEnv(EnvPassword)
	for _, i := range need {
		e := &eps[i]
		user := e.Location.Options["username"]
		switch {
		case envSet && len(need) == 1:
			e.Location.Options["password"] = envPassword
		case !o.IO.CanPrompt():
			why := "set $" + EnvPassword
			if len(need) > 1 {
				why = fmt.Sprintf("$%s serves only a sync with one such endpoint, this one has %d; give each its own, as --from-password/--to-password '${env:NAME}' or in the config file",
					EnvPassword, len(need))
			}
			return fmt.Errorf("%s: user %s needs a password: %s (no terminal to prompt on)", e.Location, user, why)
		default:
			pw, err := o.IO.ReadPassword(fmt.Sprintf("Password for %s at %s: ", user, e.Location))
			if err != nil {
				return fmt.Errorf("reading password: %w", err)
			}
			e.Location.Options["password"] = pw
		}
	}
	return nil
}
