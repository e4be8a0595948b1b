package host

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// secretRun applies a sync's secret fields (secrets.go) as resources go
// through it, and remembers the values it met, to mask them in logs and
// errors and to write them to a service destination.
type secretRun struct {
	fields []SecretField
	// clear says the destination is a service, which needs the values
	// themselves; any other destination (files, stdout) gets placeholders.
	clear  bool
	redact *redactor

	mu     sync.Mutex
	values map[string]secretValue // by variable: values read in this sync
	needed []neededSecret         // placeholders a clear destination needs
}

type secretValue struct {
	value string
	from  string // type/id, for messages
}

type neededSecret struct {
	err SecretError // filled in but for Msg
}

// newSecretRun decides how secrets reach dest: in clear for a service
// (a location with a scheme and "//": http://, https://, acme://), as
// placeholders for everything else, files above all. An endpoint named
// with an opaque scheme (snapshot:./backups) stores files and gets
// placeholders too.
func newSecretRun(fields []SecretField, dest target, red *redactor) *secretRun {
	return &secretRun{
		fields: fields,
		clear:  dest.kind == endpointPlugin && strings.Contains(dest.location, "://"),
		redact: red,
		values: map[string]secretValue{},
	}
}

// onRead runs after a resource is classified: its secret fields become
// placeholders, so no clear value is kept, spilled or written to a file.
// fromOrigin is false for the destination's own resources, read to
// compare; their values are not reused.
func (s *secretRun) onRead(r *pb.Resource, fromOrigin bool) error {
	if s == nil || len(s.fields) == 0 {
		return nil
	}
	where := func(pointer, msg string) *SecretError {
		return &SecretError{Source: r.GetSource(), Line: int(r.GetLine()), Resource: r.GetType() + "/" + r.GetId(), Pointer: pointer, Msg: msg}
	}
	masked, found, err := MaskSecrets(r.GetJson(), r.GetType(), r.GetId(), s.fields)
	if err != nil {
		if se, ok := err.(*SecretError); ok {
			return where(se.Pointer, se.Msg)
		}
		return err
	}
	r.Json = masked
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range found {
		s.redact.add(f.Value)
		if !fromOrigin {
			continue
		}
		if prev, ok := s.values[f.Var]; ok && prev.value != f.Value {
			return where(f.Pointer, fmt.Sprintf("its variable %s also names the different secret of %s; put {id} in the field's env template",
				f.Var, prev.from))
		}
		s.values[f.Var] = secretValue{value: f.Value, from: r.GetType() + "/" + r.GetId()}
	}
	if fromOrigin && s.clear {
		vars, err := SecretPlaceholders(masked, r.GetType(), s.fields)
		if err != nil {
			return err
		}
		for _, v := range slices.Sorted(maps.Keys(vars)) {
			s.needed = append(s.needed, neededSecret{err: *where(vars[v], "")})
			s.needed[len(s.needed)-1].err.Var = v
		}
	}
	return nil
}

// lookup finds a placeholder's value: the environment first, then a value
// read in this sync (an API copied to another).
func (s *secretRun) lookup(name string) (string, bool) {
	if v, ok := os.LookupEnv(name); ok {
		s.redact.add(v)
		return v, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[name]
	return v.value, ok
}

// check runs once every origin is read, before anything is written: each
// placeholder a service destination needs has a value, else nothing is
// written and every missing variable is reported with its file and field.
func (s *secretRun) check() error {
	if s == nil || !s.clear {
		return nil
	}
	var problems []error
	for _, n := range s.needed {
		if _, ok := s.lookup(n.err.Var); !ok {
			e := n.err
			e.Msg = fmt.Sprintf("environment variable %s is not set; nothing was written", e.Var)
			problems = append(problems, &e)
		}
	}
	return errorsJoin(problems)
}

// onWrite runs before a resource is encoded for the destination: a
// service gets the values in place of the placeholders.
func (s *secretRun) onWrite(r *record, body []byte) ([]byte, error) {
	if s == nil || !s.clear || len(s.fields) == 0 {
		return body, nil
	}
	out, err := SubstituteSecrets(body, r.Type(), r.ID(), s.fields, s.lookup)
	if se, ok := err.(*SecretError); ok {
		se.Source, se.Line = r.Source(), int(r.Line())
	}
	return out, err
}
