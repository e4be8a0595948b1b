package bench

// The local benchmark (local_bench_test.go) compares resource-sync
// converting a directory of YAML resources into a directory of JSON files
// with the plain program below, which does the same job in one process
// with the same code for the same steps: it reads every file, decodes it
// with the YAML formatter (go.yaml.in/yaml/v3), classifies it with the
// HAL schema, sorts by (type, id), encodes with the JSON formatter and
// writes each file with a plain os.WriteFile (no temporary file, no
// fsync: what a hand-written program does), eight writes in flight.

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/resource-sync/resource-sync/plugins/hal"
	jsonfmt "github.com/resource-sync/resource-sync/plugins/json"
	"github.com/resource-sync/resource-sync/plugins/yaml"
	"github.com/resource-sync/resource-sync/sdk"
)

// localWriteWorkers is how many files the plain program writes at once,
// as many as the dir endpoint.
const localWriteWorkers = 8

// LocalPlainConvert converts the directory tree src (DIR/TYPE/ID.yaml, HAL
// resources) into JSON files below dst, as `resource-sync -j src dst`
// does for a new dst, and returns how many resources it wrote.
func LocalPlainConvert(src, dst string) (int, error) {
	resources, err := localPlainRead(src)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(resources, func(a, b sdk.Resource) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.ID, b.ID))
	})
	return len(resources), localPlainWrite(dst, resources)
}

// localPlainRead decodes and classifies every resource file below src,
// skipping hidden entries and files of other kinds.
func localPlainRead(src string) ([]sdk.Resource, error) {
	formatters := map[string]sdk.Formatter{".yaml": yaml.Formatter{}, ".yml": yaml.Formatter{}, ".json": jsonfmt.Formatter{}}
	var out []sdk.Resource
	seen := map[string]bool{}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != src && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		f, ok := formatters[strings.ToLower(filepath.Ext(path))]
		if d.IsDir() || !ok {
			return nil
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		typeHint, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		values, err := f.Decode(sdk.Document{Content: content, Extension: filepath.Ext(path), Source: path, TypeHint: typeHint, Location: rel})
		if err != nil {
			return err
		}
		for _, v := range values {
			c, err := hal.Schema{}.Classify(v, sdk.FollowPage)
			if err != nil {
				return err
			}
			for _, r := range c.Resources {
				key := r.Type + "\x00" + r.ID
				if seen[key] {
					return fmt.Errorf("%s: %s/%s twice", path, r.Type, r.ID)
				}
				seen[key] = true
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// localPlainWrite encodes and writes the resources, localWriteWorkers at a
// time, each to dst/TYPE/ID.json.
func localPlainWrite(dst string, resources []sdk.Resource) error {
	made := map[string]bool{}
	for _, r := range resources {
		if !made[r.Type] {
			if err := os.MkdirAll(filepath.Join(dst, r.Type), 0o755); err != nil {
				return err
			}
			made[r.Type] = true
		}
	}
	jobs := make(chan sdk.Resource)
	errs := make([]error, localWriteWorkers)
	var wg sync.WaitGroup
	for i := range localWriteWorkers {
		wg.Go(func() {
			for r := range jobs {
				if errs[i] != nil {
					continue
				}
				content, err := jsonfmt.Formatter{}.Encode(sdk.Value{JSON: r.JSON, Source: r.Source, Line: r.Line}, sdk.StyleFile)
				if err == nil {
					err = os.WriteFile(filepath.Join(dst, r.Type, r.ID+".json"), content, 0o644)
				}
				errs[i] = err
			}
		})
	}
	for _, r := range resources {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	return errors.Join(errs...)
}

// LocalGenerate writes n HAL resources of about 1 KiB each below dir, one
// YAML file per resource in the dir layout: a tenth are customers, the
// rest orders, each order with a parent:customer link.
func LocalGenerate(dir string, n int) error {
	customers := max(1, n/10)
	for _, typ := range []string{"customer", "order"} {
		if err := os.MkdirAll(filepath.Join(dir, typ), 0o755); err != nil {
			return err
		}
	}
	for i := range n {
		var name, doc string
		if i < customers {
			id := fmt.Sprintf("c%07d", i)
			name = filepath.Join(dir, "customer", id+".yaml")
			doc = fmt.Sprintf(localCustomer, id, id, i, 9007199254740993+int64(i), i%97)
		} else {
			id := fmt.Sprintf("o%07d", i)
			name = filepath.Join(dir, "order", id+".yaml")
			doc = fmt.Sprintf(localOrder, i%customers, id, id, i, i%7, i%13, float64(i%10000)/100, i%5+1)
		}
		if err := os.WriteFile(name, []byte(doc), 0o644); err != nil {
			return err
		}
	}
	return nil
}

const localCustomer = `---
_links:
  child:order:
    - href: http://localhost/api/v1/order/o0000001
    - href: http://localhost/api/v1/order/o0000002
  self:
    href: http://localhost/api/v1/customer/%s
account_number: 9007199254740993
address:
  city: Zürich
  country: CH
  lines:
    - Bahnhofstrasse 1
    - 3. Stock
  postcode: '8001'
branch_code: '0755'
customer_since: '2017-01-01'
email: customer@example.com
id: %s
name: Zoë Ångström & "Sons" Ltd
notes: |-
  Préfère être contacté le matin. 山田さんの紹介。
  Numéro de client %d, compte %d, région %d.
  REST consiste à adresser les ressources de manière apatride et
  détectable; la synchronisation bidirectionnelle met à jour les
  ressources présentes sur un graphe de nœuds. 🚀
newsletter: 'yes'
preferences:
  contact: email
  language: fr-CH
  marketing: false
  timezone: Europe/Zurich
tags:
  - émigré
  - 'true'
  - '1e20'
  - vip
`

const localOrder = `---
_links:
  child:orderline:
    - href: http://localhost/api/v1/orderline/l1
    - href: http://localhost/api/v1/orderline/l2
  parent:customer:
    href: http://localhost/api/v1/customer/c%07d
  self:
    href: http://localhost/api/v1/order/%s
currency: EUR
gift_wrap: 'no'
id: %s
lines:
  - quantity: %d
    sku: BOOK-%d
    unit_price: 12.50
  - quantity: %d
    sku: PEN-042
    unit_price: 1e2
  - quantity: 1
    sku: MUG-3
    unit_price: 0.05
billing:
  address:
    - 10 Downing Street
    - Flat "B"
  city: London
  postcode: SW1A 2AA
  vat_number: GB123456789
note: |-
  Leave at the door. Ring twice. Ne pas plier. 壊れ物注意。
  Livraison entre 9h et 17h; le client préfère un appel avant.
placed_at: '2017-01-01T09:30:00Z'
shipping:
  carrier: La Poste
  method: express
  tracking: null
status: shipped
tags: []
total: %g
weight_kg: %d.25
`
