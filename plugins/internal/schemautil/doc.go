// Package schemautil holds what the built-in hal and adapter schemas share
// beyond sdk/schemakit: reading typed fields out of decoded JSON, ids and
// building resources. hal keeps a scanning classifier of its own for speed
// (it reads pages without decoding them into maps), so it uses these
// helpers and schemakit's follow and uri rules rather than schemakit's
// walk. Errors are plain and name the field; [InputError] turns one into
// the *sdk.Error a schema returns.
package schemautil
