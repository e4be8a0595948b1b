package store

// The HTTP API of `resource-sync serve --snapshots DIR` (the server is in
// server/snapshots, the client in the snapshot endpoint):
//
//	POST /manifests             a Manifest; answers Uploaded (201, or 200 when the same manifest was there)
//	GET  /manifests             answers Listing
//	GET  /manifests/name/NAME   answers Remote
//	GET  /files/HASH            the blob
//	PUT  /files/HASH            stores the body if it hashes to HASH (201; 200 when present; 422 otherwise)

// Uploaded answers a manifest upload: the name it is stored under and
// the blobs of its resources the store lacks, to be PUT next.
type Uploaded struct {
	Name    string   `json:"name"`
	Missing []string `json:"missing"`
}

// Status is a snapshot as listed: complete when every blob of its
// resources is there (an upload in progress or cut short is not).
type Status struct {
	Info
	Complete bool `json:"complete"`
	Missing  int  `json:"missing"`
}

// Listing answers GET /manifests, oldest first.
type Listing struct {
	Manifests []Status `json:"manifests"`
}

// Remote answers GET /manifests/name/NAME: the manifest and the blobs it
// lacks.
type Remote struct {
	Manifest
	Missing []string `json:"missing"`
}
