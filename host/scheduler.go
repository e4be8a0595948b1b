package host

import (
	"fmt"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// scheduler hands out nodes whose prerequisites are done (parents for
// writes, children for deletes) and tracks outcomes. A failed node's
// dependents are skipped. Without concurrency every node is ready at once,
// in order.
type scheduler struct {
	mu       sync.Mutex
	cond     *sync.Cond
	nodes    []*node
	waiting  []int // prerequisites not yet done, per node
	state    []pb.Write_Status
	skipped  []bool
	handed   []bool // handed out by next
	ready    []int
	sent     int // handed out by next
	unsent   int // neither handed out nor skipped
	sentDone int // of those, settled
	failFast bool
	stopped  bool
	failures []error
	// onSkip hears about each node skipped because of a failure.
	onSkip func(n *node, cause error)
}

func newScheduler(nodes []*node, concurrent, failFast bool) *scheduler {
	s := &scheduler{nodes: nodes, waiting: make([]int, len(nodes)), state: make([]pb.Write_Status, len(nodes)),
		skipped: make([]bool, len(nodes)), handed: make([]bool, len(nodes)), failFast: failFast, unsent: len(nodes)}
	s.cond = sync.NewCond(&s.mu)
	for i, n := range nodes {
		if concurrent {
			s.waiting[i] = len(n.parents)
		}
		if s.waiting[i] == 0 {
			s.ready = append(s.ready, i)
		}
	}
	return s
}

// next blocks until nodes are ready and returns up to max of them in
// order, or nil when nothing more will be handed out.
func (s *scheduler) next(max int) []*node {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.ready) == 0 && !s.stopped && s.unsent > 0 && s.sent > s.sentDone {
		s.cond.Wait()
	}
	if s.stopped || len(s.ready) == 0 {
		return nil
	}
	n := min(max, len(s.ready))
	out := make([]*node, n)
	for i, idx := range s.ready[:n] {
		out[i] = s.nodes[idx]
		s.handed[idx] = true
	}
	s.ready = s.ready[n:]
	s.sent += n
	s.unsent -= n
	return out
}

// done records an outcome and releases or skips the node's dependents.
// It reports whether this was the node's first outcome: a plugin that
// reports a node twice is heard once.
func (s *scheduler) done(seq int, status pb.Write_Status, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state[seq] != pb.Write_STATUS_UNSPECIFIED {
		return false
	}
	s.state[seq] = status
	s.sentDone++
	switch status {
	case pb.Write_STATUS_FAILED:
		if err == nil {
			err = fmt.Errorf("%s: failed", describeResource(s.nodes[seq].res()))
		}
		s.failures = append(s.failures, err)
		s.skip(seq, err)
		if s.failFast {
			s.stopped = true
		}
	default:
		for _, c := range s.nodes[seq].children {
			if s.skipped[c] {
				continue
			}
			if s.waiting[c] > 0 {
				if s.waiting[c]--; s.waiting[c] == 0 {
					s.ready = append(s.ready, c)
				}
			}
		}
	}
	s.cond.Broadcast()
	return true
}

// skip marks every dependent of seq that has not been handed out as
// skipped.
func (s *scheduler) skip(seq int, cause error) {
	for _, c := range s.nodes[seq].children {
		if s.skipped[c] || s.waiting[c] == 0 {
			continue
		}
		s.skipped[c] = true
		s.state[c] = pb.Write_STATUS_FAILED
		s.unsent--
		if s.onSkip != nil {
			s.onSkip(s.nodes[c], cause)
		}
		s.skip(c, cause)
	}
}

func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// unsettled lists the nodes that never got an outcome: those handed out
// (the endpoint went away before answering) and those never handed out
// (--fail-fast stopped first, or the sync did).
func (s *scheduler) unsettled() (handed, held []*node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.state {
		if st != pb.Write_STATUS_UNSPECIFIED || s.skipped[i] {
			continue
		}
		if s.handed[i] {
			handed = append(handed, s.nodes[i])
		} else {
			held = append(held, s.nodes[i])
		}
	}
	return handed, held
}

func (s *scheduler) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.failures) > 0
}
