package host

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
)

// node is a step in an apply order, with its dependency edges.
type node struct {
	*step
	seq      int
	parents  []int // indexes into the ordered slice
	children []int
}

// order sorts steps by (type, id) and then so that every parent comes
// before its children; among steps whose parents are all placed, the
// smallest (type, id) goes first, so the same input always gives the same
// order. resOf picks the copy of each resource whose parents count: its
// parent uris (normalized, see normalizeURI) and its parents named by type
// and id. Parents outside steps are ignored here (danglingParents reports
// them). A cycle is an error naming the resources in it.
func order(steps []*step, resOf func(*step) *record) ([]*node, error) {
	sort.Slice(steps, func(i, j int) bool { return compareKeys(steps[i].key(), steps[j].key()) < 0 })
	byURI := make(map[string]int, len(steps))
	byKey := make(map[Key]int, len(steps))
	for i, s := range steps {
		if u := resOf(s).URI(); u != "" {
			byURI[normalizeURI(u)] = i
		}
		byKey[s.key()] = i
	}
	nodes := make([]*node, len(steps))
	for i, s := range steps {
		nodes[i] = &node{step: s}
	}
	indegree := make([]int, len(steps))
	for i, n := range nodes {
		seen := map[int]bool{}
		link := func(j int, ok bool) {
			if !ok || j == i || seen[j] {
				return
			}
			seen[j] = true
			nodes[j].children = append(nodes[j].children, i)
			indegree[i]++
		}
		r := resOf(n.step)
		for p := range r.Parents() {
			j, ok := byURI[normalizeURI(p)]
			link(j, ok)
		}
		for p := range r.ParentRefs() {
			j, ok := byKey[p]
			link(j, ok)
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
		return nil, cycleError(nodes, indegree, resOf)
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

// reverse turns a parents-first order into a children-first one: a
// node's children become what it waits for.
func reverseOrder(nodes []*node) {
	last := len(nodes) - 1
	for i, j := 0, last; i < j; i, j = i+1, j-1 {
		nodes[i], nodes[j] = nodes[j], nodes[i]
	}
	flip := func(idx []int) []int {
		out := make([]int, len(idx))
		for k, v := range idx {
			out[len(idx)-1-k] = last - v
		}
		return out
	}
	for i, n := range nodes {
		n.seq = i
		n.parents, n.children = flip(n.children), flip(n.parents)
	}
}

// indexHeap pops the smallest index, which is the smallest (type, id)
// because steps are sorted first.
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
func cycleError(nodes []*node, indegree []int, resOf func(*step) *record) error {
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
		r := resOf(nodes[path[k]].step)
		names = append(names, r.Type()+"/"+r.ID())
	}
	names = append(names, names[0])
	return fmt.Errorf("dependency cycle: %s (each is a parent of the next)", strings.Join(names, " -> "))
}
