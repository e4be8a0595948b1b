package host

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// node is a step in an apply order, with its dependency edges. The nodes
// of one order and their edges share a few large allocations: a sync
// holds one node per resource.
type node struct {
	*step
	seq      int32
	parents  int32   // how many
	children []int32 // indexes into the ordered slice
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
	// Both indexes are made for the first parent that needs one: a sync of
	// resources without parents, the most common, makes neither.
	var byURI map[string]int32
	uriIndex := func(u string) (int32, bool) {
		if byURI == nil {
			byURI = make(map[string]int32, len(steps))
			for i, s := range steps {
				if u := resOf(s).URI(); u != "" {
					byURI[normalizeURI(u)] = int32(i)
				}
			}
		}
		j, ok := byURI[normalizeURI(u)]
		return j, ok
	}
	var byKey map[Key]int32
	keyIndex := func(k Key) (int32, bool) {
		if byKey == nil {
			byKey = make(map[Key]int32, len(steps))
			for i, s := range steps {
				byKey[s.key()] = int32(i)
			}
		}
		j, ok := byKey[k]
		return j, ok
	}
	// Edges as (parent, child) pairs, each once.
	var edges [][2]int32
	for i, s := range steps {
		first := len(edges)
		link := func(j int32, ok bool) {
			if !ok || int(j) == i {
				return
			}
			for _, e := range edges[first:] {
				if e[0] == j {
					return
				}
			}
			edges = append(edges, [2]int32{j, int32(i)})
		}
		r := resOf(s)
		for p := range r.Parents() {
			link(uriIndex(p))
		}
		for p := range r.ParentRefs() {
			link(keyIndex(p))
		}
	}
	all := make([]node, len(steps))
	nodes := make([]*node, len(steps))
	for i, s := range steps {
		all[i].step = s
		nodes[i] = &all[i]
	}
	childrenOf := adjacency(nodes, edges, 0)
	indegree := make([]int, len(steps))
	for _, e := range edges {
		indegree[e[1]]++
	}
	var ready readyHeap
	for i := range nodes {
		if indegree[i] == 0 {
			ready.push(int32(i))
		}
	}
	out := make([]*node, 0, len(nodes))
	position := make([]int32, len(nodes))
	for len(ready) > 0 {
		i := ready.pop()
		position[i] = int32(len(out))
		nodes[i].seq = int32(len(out))
		out = append(out, nodes[i])
		for _, c := range childrenOf[i] {
			if indegree[c]--; indegree[c] == 0 {
				ready.push(c)
			}
		}
	}
	if len(out) < len(nodes) {
		return nil, cycleError(nodes, childrenOf, indegree, resOf)
	}
	// Re-express edges as positions in the output.
	for k, e := range edges {
		edges[k] = [2]int32{position[e[0]], position[e[1]]}
	}
	for i, c := range adjacency(out, edges, 0) {
		slices.Sort(c)
		out[i].children = c
	}
	for _, e := range edges {
		out[e[1]].parents++
	}
	return out, nil
}

// adjacency lists, for each node, the other end of the edges whose end
// from is that node (0: a parent's children, 1: a child's parents), all
// in one backing array.
func adjacency(nodes []*node, edges [][2]int32, from int) [][]int32 {
	count := make([]int32, len(nodes)+1)
	for _, e := range edges {
		count[e[from]+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	backing := make([]int32, len(edges))
	fill := slices.Clone(count[:len(nodes)])
	for _, e := range edges {
		backing[fill[e[from]]] = e[1-from]
		fill[e[from]]++
	}
	lists := make([][]int32, len(nodes))
	for i := range nodes {
		lists[i] = backing[count[i]:count[i+1]:count[i+1]]
	}
	return lists
}

// reverse turns a parents-first order into a children-first one: a
// node's children become what it waits for, and its parents what waits
// for it.
func reverseOrder(nodes []*node) {
	var edges [][2]int32
	for i, n := range nodes {
		for _, c := range n.children {
			edges = append(edges, [2]int32{int32(i), c})
		}
	}
	parentsOf := adjacency(nodes, edges, 1) // sorted: edges come by parent
	last := int32(len(nodes) - 1)
	for i, n := range nodes {
		// Positions mirror, so each list reversed stays sorted.
		p := parentsOf[i]
		slices.Reverse(p)
		for k, v := range p {
			p[k] = last - v
		}
		n.parents, n.children = int32(len(n.children)), p
	}
	slices.Reverse(nodes)
	for i, n := range nodes {
		n.seq = int32(i)
	}
}

// readyHeap pops the smallest index, which is the smallest (type, id)
// because steps are sorted first. It is typed rather than a
// container/heap, which boxes each index it is given: two allocations
// per resource.
type readyHeap []int32

func (h *readyHeap) push(i int32) {
	*h = append(*h, i)
	s := *h
	for j := len(s) - 1; j > 0; {
		up := (j - 1) / 2
		if s[up] <= s[j] {
			break
		}
		s[up], s[j] = s[j], s[up]
		j = up
	}
}

func (h *readyHeap) pop() int32 {
	s := *h
	top, last := s[0], len(s)-1
	s[0], s = s[last], s[:last]
	for j := 0; ; {
		low := 2*j + 1
		if low >= len(s) {
			break
		}
		if r := low + 1; r < len(s) && s[r] < s[low] {
			low = r
		}
		if s[j] <= s[low] {
			break
		}
		s[j], s[low] = s[low], s[j]
		j = low
	}
	*h = s
	return top
}

// cycleError walks parent edges among the unplaced resources until one
// repeats, and names that loop.
func cycleError(nodes []*node, childrenOf [][]int32, indegree []int, resOf func(*step) *record) error {
	parentOf := map[int]int{}
	start := -1
	for i := range nodes {
		for _, c := range childrenOf[i] {
			if indegree[c] > 0 && indegree[i] > 0 {
				parentOf[int(c)] = i
				if start < 0 {
					start = int(c)
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
