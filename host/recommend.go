package host

import (
	"context"
	"fmt"
	"slices"
)

// An endpoint may recommend, in its Open answer, how the sync should treat
// what it holds (sdk.Recommender): the schema its documents need, with
// options; fields the server manages; fields holding secrets; that it is
// a service though its location has no "//". An adapter endpoint
// (adapter:./acme.yaml) recommends the schema that knows its API's ids
// and references, so that a directory synced with it classifies its files
// the same way.

// DefaultSchema is the schema of a sync when the user names none and no
// endpoint recommends one.
const DefaultSchema = "hal"

func schemaOrDefault(name string) string {
	if name == "" {
		return DefaultSchema
	}
	return name
}

// endpoints are the sync's opened endpoints, the destination first, and
// its peers (endpoints of the same sync another run owns: bisync's other
// side).
func (r *syncRun) endpoints() []*openEndpoint {
	var eps []*openEndpoint
	if r.destEP != nil {
		eps = append(eps, r.destEP)
	}
	eps = append(eps, r.originEPs...)
	return append(eps, r.peers...)
}

// owns says whether e is this run's own endpoint, which it may reopen.
func (r *syncRun) owns(e *openEndpoint) bool {
	return e == r.destEP || slices.Contains(r.originEPs, e)
}

// adopt takes what the opened endpoints recommend. The schema is theirs
// unless the user named one (opts.Schema set); endpoints opened under
// another schema's name, and not recommending this one, are opened again
// so that none works with a schema the sync does not use.
func (r *syncRun) adopt(ctx context.Context) error {
	eps := r.endpoints()
	var by *openEndpoint
	for _, e := range eps {
		name := e.recommended.GetSchema()
		switch {
		case name == "":
		case by == nil:
			by = e
		case name != by.recommended.GetSchema() && r.opts.Schema == "":
			return usageErrorf("%s needs schema %s and %s schema %s; choose one with --schema",
				by.target.name(), by.recommended.GetSchema(), e.target.name(), name)
		}
	}
	if by != nil {
		want := by.recommended.GetSchema()
		switch {
		case r.opts.Schema != "" && r.opts.Schema != want:
			r.warn(fmt.Sprintf("%s recommends schema %s; using %s, as the command line or an environment says", by.target.name(), want, r.schema.Name))
		case r.schema.Name != want:
			sc, err := r.cat.schema(want)
			if err != nil {
				return fmt.Errorf("%s: %w", by.target.name(), err)
			}
			r.schema = sc
			for _, e := range eps {
				if e.plugin != nil && e.recommended.GetSchema() != want && r.owns(e) {
					if err := r.reopen(ctx, e); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := r.h.StartAll(ctx, []string{r.schema.plugin}); err != nil {
		return err
	}
	return r.adoptFields()
}

// adoptFields adds the endpoints' server-managed fields to the sync's
// ignore rules and their secret fields to its secrets.
func (r *syncRun) adoptFields() error {
	ignore := r.opts.Ignore
	secrets := r.opts.Secrets
	added := false
	for _, e := range r.endpoints() {
		for _, f := range e.recommended.GetIgnore() {
			ignore = append(ignore, IgnoreRule{Type: f.GetType(), Pointer: f.GetPointer()})
			added = true
		}
		for _, f := range e.recommended.GetSecrets() {
			sf, err := ParseSecretField(f.GetType(), f.GetPointer(), f.GetEnv())
			if err != nil {
				return fmt.Errorf("%s: secret field %s:%s: %w", e.target.name(), f.GetType(), f.GetPointer(), err)
			}
			secrets = append(secrets, sf)
			added = true
		}
	}
	service := r.destEP != nil && r.destEP.recommended.GetService()
	if !added && !service {
		return nil
	}
	norm, err := newNormalizer(ignore)
	if err != nil {
		return fmt.Errorf("server-managed fields: %w", err)
	}
	r.norm = norm
	r.secrets = newSecretRun(secrets, r.dest, r.h.redact)
	if service {
		r.secrets.clear = true
	}
	return nil
}

// reopen opens e again with the sync's schema name, in its place; the
// old handle is closed first, for endpoints that hold their location
// exclusively.
func (r *syncRun) reopen(ctx context.Context, e *openEndpoint) error {
	e.close()
	fresh, err := r.open(ctx, e.target, e.role)
	if err != nil {
		e.plugin = nil // closed: nothing left to close
		return err
	}
	*e = *fresh
	return nil
}

// schemaOptions are the schema options for values read from e: its own
// recommendation's when it recommended the sync's schema, else those of
// the destination, else of the first origin, that did.
func (r *syncRun) schemaOptions(e *openEndpoint) map[string]string {
	if e.recommended.GetSchema() == r.schema.Name {
		return e.recommended.GetSchemaOptions()
	}
	for _, other := range r.endpoints() {
		if other.recommended.GetSchema() == r.schema.Name {
			return other.recommended.GetSchemaOptions()
		}
	}
	return nil
}
