package simple_test

import (
	"testing"

	"github.com/resource-sync/resource-sync/plugins/simple"
	"github.com/resource-sync/resource-sync/sdk"
)

// post is a json-server resource of about 1 KiB: an id and data.
const post = `{
	"id": 123456789012345678,
	"title": "Synchroniser des ressources entre environnements",
	"slug": "synchroniser-des-ressources",
	"author": {"name": "Zoë Ångström", "email": "zoe@example.com"},
	"published": true,
	"publishedAt": "2017-01-01T12:34:56.789Z",
	"tags": ["rest", "hal", "yaml", "json", "sync"],
	"body": "REST consiste à adresser les ressources de manière apatride et détectable. Il n'a pas besoin d'être implémenté sur HTTP, ni de s'appuyer sur JSON ou XML, bien qu'il soit fortement recommandé d'utiliser un format de données hypermédia car les liens et les identifiants sont souhaitables. Alors, la question devient: comment penser la synchronisation en termes de ressources? La synchronisation bidirectionnelle est le processus de mise à jour des ressources présentes sur un graphe de nœuds.",
	"parents": ["/users/42"],
	"links": [
		{"relation": "next", "uri": "/posts/123456789012345679"},
		{"relation": "prev", "uri": "/posts/123456789012345677"},
		{"relation": "child:comments", "uri": "/posts/123456789012345678/comments"}
	]
}`

func BenchmarkClassify(b *testing.B) {
	v := input{json: post, uri: "http://localhost:3000/posts?_page=3"}.value(b)
	b.SetBytes(int64(len(v.JSON)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := simple.Schema{}.Classify(v, sdk.FollowChild)
		if err != nil || len(c.Resources) != 1 || len(c.Links) != 3 {
			b.Fatalf("got %+v, %v", c, err)
		}
	}
}
