package host

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
)

// node is a resource in the write order, with its dependency edges.
type node struct {
	*found
	seq      int
	parents  []int // indexes into the ordered slice
	children []int
}

// order sorts resources by (type, id) and then so that every parent comes
// before its children; among resources whose parents are all placed, the
// smallest (type, id) goes first, so the same input always gives the same
// order. Parent links to uris that are not being synced are ignored. A
// cycle is an error naming the resources in it.
func order(resources []*found) ([]*node, error) {
	sort.Slice(resources, func(i, j int) bool { return less(resources[i], resources[j]) })
	byURI := make(map[string]int, len(resources))
	for i, f := range resources {
		if u := f.res.GetUri(); u != "" {
			byURI[normalizeURI(u)] = i
		}
	}
	nodes := make([]*node, len(resources))
	for i, f := range resources {
		nodes[i] = &node{found: f}
	}
	indegree := make([]int, len(resources))
	for i, n := range nodes {
		seen := map[int]bool{}
		for _, p := range n.res.GetParents() {
			j, ok := byURI[normalizeURI(p)]
			if !ok || j == i || seen[j] {
				continue
			}
			seen[j] = true
			nodes[j].children = append(nodes[j].children, i)
			indegree[i]++
		}
	}
	ready := &indexHeap{}
	for i := range nodes {
		if indegree[i] == 0 {
			heap.Push(ready, i)
		}
	}
	out := make([]*node, 0, len(nodes))
	position := make([]int, len(nodes))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		position[i] = len(out)
		nodes[i].seq = len(out)
		out = append(out, nodes[i])
		for _, c := range nodes[i].children {
			if indegree[c]--; indegree[c] == 0 {
				heap.Push(ready, c)
			}
		}
	}
	if len(out) < len(nodes) {
		return nil, cycleError(nodes, indegree)
	}
	// Re-express edges as positions in the output.
	for _, n := range out {
		for k, c := range n.children {
			n.children[k] = position[c]
		}
		sort.Ints(n.children)
	}
	for _, n := range out {
		for _, c := range n.children {
			out[c].parents = append(out[c].parents, n.seq)
		}
	}
	return out, nil
}

func less(a, b *found) bool {
	if a.res.GetType() != b.res.GetType() {
		return a.res.GetType() < b.res.GetType()
	}
	return a.res.GetId() < b.res.GetId()
}

// indexHeap pops the smallest index, which is the smallest (type, id)
// because resources are sorted first.
type indexHeap []int

func (h indexHeap) Len() int           { return len(h) }
func (h indexHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h indexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *indexHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *indexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// cycleError walks parent edges among the unplaced resources until one
// repeats, and names that loop.
func cycleError(nodes []*node, indegree []int) error {
	parentOf := map[int]int{}
	start := -1
	for i, n := range nodes {
		for _, c := range n.children {
			if indegree[c] > 0 && indegree[i] > 0 {
				parentOf[c] = i
				if start < 0 {
					start = c
				}
			}
		}
	}
	if start < 0 {
		return fmt.Errorf("dependency cycle among resources")
	}
	visited := map[int]int{}
	var path []int
	for i := start; ; i = parentOf[i] {
		if at, ok := visited[i]; ok {
			path = path[at:]
			break
		}
		visited[i] = len(path)
		path = append(path, i)
	}
	names := make([]string, 0, len(path)+1)
	for k := len(path) - 1; k >= 0; k-- {
		r := nodes[path[k]].res
		names = append(names, r.GetType()+"/"+r.GetId())
	}
	names = append(names, names[0])
	return fmt.Errorf("dependency cycle: %s (each is a parent of the next)", strings.Join(names, " -> "))
}
