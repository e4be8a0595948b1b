package notify

import (
	"crypto/sha256"
	"encoding/hex"
)

// uriKey is a uri as a bucket key token (keys allow few characters).
func uriKey(uri string) string {
	sum := sha256.Sum256([]byte(uri))
	return hex.EncodeToString(sum[:20])
}

func documentKey(resource, uri string) string { return resource + "." + uriKey(uri) }

func deliveredKey(s *Subscription, uri string) string {
	return s.Resource.Name + "." + s.Name + "." + uriKey(uri)
}
