// Package schemautil holds what the hal and simple schemas share: reading
// typed fields out of decoded JSON, ids, uri resolution, the follow rules
// and building resources. Its errors are plain and name the field;
// [InputError] turns one into the *sdk.Error a schema returns.
package schemautil
