// Package schemakit builds a resource-sync schema from a few rules: how a
// document says its id, its links (its own uri among them), the resources
// it depends on, its type, and the documents it embeds. [Schema.Classify]
// does the rest, the same way for every schema: it decodes the value,
// walks it and what it embeds depth first, resolves every uri against the
// uri it was fetched from, follows links by the host's mode (next and prev,
// child:*, all), refuses a document it cannot make sense of, and builds
// the resources in document order with canonical bodies and the value's
// source and line.
//
// A schema for an API whose resources carry their id under "uuid", name
// their type in "kind" and their parent in "folder_id" is:
//
//	var Acme = schemakit.Schema{
//		ID: schemakit.IDField("uuid"),
//		Type: func(d schemakit.Doc, id, uri string) (string, string, error) {
//			typ, err := d.String("kind")
//			return typ, uri, err
//		},
//		Parents: func(d schemakit.Doc, _ []schemakit.Link) ([]schemakit.Parent, error) {
//			folder, err := d.String("folder_id")
//			if folder == "" || err != nil {
//				return nil, err
//			}
//			return []schemakit.Parent{{Ref: sdk.Ref{Type: "folder", ID: folder}}}, nil
//		},
//	}
//
// The built-in hal and simple schemas are written with it.
package schemakit
