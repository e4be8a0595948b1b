package host

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

func res(typ, id string, parents ...string) *step {
	return &step{action: actCreate, src: &found{rec: toRecord(&pb.Resource{Type: typ, Id: id, Uri: "http://x/api/" + typ + "/" + id, Parents: parents}, "")}}
}

// ref is a resource without a uri whose parents are named by type and id,
// as "type/id".
func ref(typ, id string, parents ...string) *step {
	r := &pb.Resource{Type: typ, Id: id}
	for _, p := range parents {
		t, i, _ := strings.Cut(p, "/")
		r.ParentRefs = append(r.ParentRefs, &pb.ParentRef{Type: t, Id: i})
	}
	return &step{action: actCreate, src: &found{rec: toRecord(r, "")}}
}

func srcRes(s *step) *record { return &s.src.rec }

func uri(typ, id string) string { return "http://x/api/" + typ + "/" + id }

func keys(nodes []*node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.key().String())
	}
	return out
}

func TestOrder(t *testing.T) {
	tests := map[string]struct {
		in   []*step
		want []string
	}{
		"empty": {nil, nil},
		"sorted by type then id": {
			[]*step{res("b", "2"), res("a", "2"), res("b", "1"), res("a", "10")},
			[]string{"a/10", "a/2", "b/1", "b/2"},
		},
		"parent before child whatever the names": {
			[]*step{res("a", "child", uri("z", "parent")), res("z", "parent")},
			[]string{"z/parent", "a/child"},
		},
		"chain": {
			[]*step{res("a", "3", uri("b", "2")), res("b", "2", uri("c", "1")), res("c", "1")},
			[]string{"c/1", "b/2", "a/3"},
		},
		"unknown parent ignored": {
			[]*step{res("a", "1", "http://elsewhere/p/1")},
			[]string{"a/1"},
		},
		"parent uri with trailing slash and reordered query still matches": {
			[]*step{res("a", "1", uri("b", "2")+"/"), res("b", "2")},
			[]string{"b/2", "a/1"},
		},
		"self parent ignored": {
			[]*step{res("a", "1", uri("a", "1"))},
			[]string{"a/1"},
		},
		"parents by type and id": {
			[]*step{ref("share", "s1", "folder/f1"), ref("folder", "f1", "device/d 1"), ref("device", "d 1")},
			[]string{"device/d 1", "folder/f1", "share/s1"},
		},
		"parents by uri and by type and id together": {
			[]*step{ref("a", "1", "c/1"), res("c", "1", uri("b", "1")), res("b", "1")},
			[]string{"b/1", "c/1", "a/1"},
		},
		"unknown parent ref ignored": {
			[]*step{ref("a", "1", "b/nowhere")},
			[]string{"a/1"},
		},
		"smallest ready first": {
			[]*step{res("x", "1"), res("a", "2", uri("x", "1")), res("a", "1")},
			[]string{"a/1", "x/1", "a/2"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := order(tc.in, srcRes)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, keys(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			for i, n := range got {
				if int(n.seq) != i {
					t.Errorf("%s has seq %d at position %d", keys(got)[i], n.seq, i)
				}
			}
			checkEdges(t, got, false)
			reverseOrder(got)
			want := slices.Clone(tc.want)
			slices.Reverse(want)
			if diff := cmp.Diff(want, keys(got)); diff != "" {
				t.Errorf("reversed (-want +got):\n%s", diff)
			}
			checkEdges(t, got, true)
		})
	}
}

// checkEdges checks that each node's children come after it, and that
// it counts as parents the nodes that list it as a child. Reversed, for
// deletes: children are what a node waits for, listed later in nodes.
func checkEdges(t *testing.T, nodes []*node, reversed bool) {
	t.Helper()
	parents := make([]int32, len(nodes))
	for i, n := range nodes {
		if int(n.seq) != i {
			t.Errorf("reversed %v: %s has seq %d at position %d", reversed, keys(nodes)[i], n.seq, i)
		}
		if !slices.IsSorted(n.children) {
			t.Errorf("reversed %v: children of %s not sorted: %v", reversed, keys(nodes)[i], n.children)
		}
		for _, c := range n.children {
			if int(c) <= i {
				t.Errorf("reversed %v: %s comes after %s, which waits for it", reversed, keys(nodes)[i], keys(nodes)[c])
			}
			parents[c]++
		}
	}
	for i, n := range nodes {
		if n.parents != parents[i] {
			t.Errorf("reversed %v: %s waits for %d, want %d", reversed, keys(nodes)[i], n.parents, parents[i])
		}
	}
}

// TestOrderRandomGraphs compares order with placing, one at a time, the
// smallest resource whose parents are all placed, on random graphs
// without cycles.
func TestOrderRandomGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + rng.IntN(60)
		rank := rng.Perm(n) // a parent ranks lower than its child: no cycle
		parents := make([][]int, n)
		var steps []*step
		for i := range n {
			var uris []string
			for j := range n {
				if rank[j] < rank[i] && rng.IntN(4) == 0 {
					parents[i] = append(parents[i], j)
					uris = append(uris, uri("t", fmt.Sprintf("%03d", j)))
				}
			}
			steps = append(steps, res("t", fmt.Sprintf("%03d", i), uris...))
		}
		var want []string
		placed := make([]bool, n)
		for len(want) < n {
			for i := range n {
				if !placed[i] && !slices.ContainsFunc(parents[i], func(p int) bool { return !placed[p] }) {
					placed[i] = true
					want = append(want, fmt.Sprintf("t/%03d", i))
					break
				}
			}
		}
		rng.Shuffle(len(steps), func(i, j int) { steps[i], steps[j] = steps[j], steps[i] })
		got, err := order(steps, srcRes)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, keys(got)); diff != "" {
			t.Fatalf("order (-want +got):\n%s", diff)
		}
		checkEdges(t, got, false)
	}
}

func TestOrderCycleNamesResources(t *testing.T) {
	_, err := order([]*step{
		res("a", "1", uri("b", "1")),
		res("b", "1", uri("c", "1")),
		res("c", "1", uri("a", "1")),
		res("d", "free"),
	}, srcRes)
	if err == nil {
		t.Fatal("cycle not detected")
	}
	for _, want := range []string{"dependency cycle", "a/1", "b/1", "c/1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "d/free") {
		t.Errorf("error %q names a resource outside the cycle", err)
	}
}

func TestNormalizeURI(t *testing.T) {
	same := [][2]string{
		{"http://H/a?b=2&a=1", "http://h/a?a=1&b=2"},
		{"http://h/a#frag", "http://h/a"},
		{"http://h/a/", "http://h/a"},
	}
	for _, p := range same {
		if normalizeURI(p[0]) != normalizeURI(p[1]) {
			t.Errorf("%q and %q normalise differently: %q, %q", p[0], p[1], normalizeURI(p[0]), normalizeURI(p[1]))
		}
	}
	if normalizeURI("http://h/a?x=1") == normalizeURI("http://h/a?x=2") {
		t.Error("different queries normalise the same")
	}
}

func TestDanglingParents(t *testing.T) {
	inv := func(steps ...*step) *inventory {
		i := &inventory{items: map[Key]*found{}}
		for _, s := range steps {
			i.items[s.key()] = s.src
		}
		return i
	}
	writes := []*step{
		res("order", "o1", uri("customer", "c1")),
		res("order", "o2", "http://other-host/api/customer/c2"), // same path as the destination's c2
		res("order", "o3", uri("customer", "gone")),
		ref("line", "l1", "order/o1"),
		ref("line", "l2", "order/o9"),
		ref("line", "l3", "customer/c2"),
	}
	origins := inv(append(writes, res("customer", "c1"))...)
	dest := inv(res("customer", "c2"))
	got := danglingParents(writes, origins, dest, "nowhere")
	want := []string{
		"order/o3 (http://x/api/order/o3) names a parent that is nowhere: http://x/api/customer/gone",
		"line/l2 names a parent that is nowhere: order/o9",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestZeroRecord: a record that was never filled in reads as empty, as it
// did when it held offsets.
func TestZeroRecord(t *testing.T) {
	var r record
	if r.ID() != "" || r.Type() != "" || r.URI() != "" || r.Location() != "" || r.Format() != "" || r.ETag() != "" ||
		r.key() != (Key{}) || len(slices.Collect(r.Parents())) != 0 || len(slices.Collect(r.ParentRefs())) != 0 {
		t.Errorf("the zero record reads as %q %v", r.describe(), slices.Collect(r.Parents()))
	}
}

func TestRecordKeepsWhatItWasGiven(t *testing.T) {
	for _, in := range []*pb.Resource{
		{},
		{Id: "1", Type: "t"},
		{Id: "é/ü", Type: "type", Uri: "http://x/api/type/1", Source: "dir/type/1.yaml", Line: 7, Location: "type/1.yaml",
			Parents:    []string{"http://x/api/p/1", "", strings.Repeat("p", 300)},
			ParentRefs: []*pb.ParentRef{{Type: "p", Id: "1"}, {Type: "", Id: ""}, {Type: "q", Id: strings.Repeat("q", 200)}}},
		{Id: "2", Type: "t", ParentRefs: []*pb.ParentRef{{Type: "p", Id: "9"}}, Etag: `W/"7"`},
		{Id: "3", Type: "t", Source: "http://x/api/t?offset=100", Location: "t/3.yaml"},
		{Id: "4", Type: "t", Source: "t/4.yaml", Location: "t/4.yaml"},
		// Fields of 128 bytes and more take lengths of several bytes.
		{Id: strings.Repeat("i", 128), Type: strings.Repeat("t", 200), Uri: "http://x/" + strings.Repeat("u", 20000),
			Location: strings.Repeat("l", 129), Etag: strings.Repeat("e", 1000), Parents: []string{"http://x/p"}},
	} {
		rec := toRecord(in, "yaml")
		got := rec.toProto(nil, "")
		if got.GetId() != in.GetId() || got.GetType() != in.GetType() || got.GetUri() != in.GetUri() || got.GetSource() != in.GetSource() ||
			got.GetLine() != in.GetLine() || got.GetLocation() != in.GetLocation() {
			t.Errorf("toRecord(%v).toProto() = %v", in, got)
		}
		if k := rec.key(); k.Type != in.GetType() || k.ID != in.GetId() {
			t.Errorf("toRecord(%v).key() = %v", in, k)
		}
		if rec.Format() != "yaml" || rec.ETag() != in.GetEtag() {
			t.Errorf("toRecord(%v) has format %q and ETag %q", in, rec.Format(), rec.ETag())
		}
		if diff := cmp.Diff(in.GetParents(), got.GetParents()); diff != "" {
			t.Errorf("parents of %v (-want +got):\n%s", in, diff)
		}
		var want, have []string
		for _, p := range in.GetParentRefs() {
			want = append(want, p.GetType()+"/"+p.GetId())
		}
		for k := range rec.ParentRefs() {
			have = append(have, k.String())
		}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("parent refs of %v (-want +got):\n%s", in, diff)
		}
	}
}

func TestUvarintLen(t *testing.T) {
	for _, v := range []int{0, 1, 127, 128, 300, 16383, 16384, 1 << 28, 1<<31 - 1} {
		if got, want := uvarintLen(v), len(binary.AppendUvarint(nil, uint64(v))); got != want {
			t.Errorf("uvarintLen(%d) = %d, want %d", v, got, want)
		}
	}
}

// TestPerResourceSizes guards the sizes docs/architecture.md (Memory)
// gives: a sync holds a step and a node per resource from the plan to
// its last write.
func TestPerResourceSizes(t *testing.T) {
	if s := unsafe.Sizeof(step{}); s > 64 {
		t.Errorf("a step is %d bytes, more than 64", s)
	}
	if s := unsafe.Sizeof(node{}); s > 40 {
		t.Errorf("a node is %d bytes, more than 40", s)
	}
	if s := unsafe.Sizeof(found{}); s > 96 {
		t.Errorf("a found is %d bytes, more than 96", s)
	}
}
