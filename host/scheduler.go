package host

import (
	"fmt"
	"sync"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// scheduler hands out nodes whose prerequisites are done (parents for
// writes, children for deletes) and tracks outcomes. A failed node's
// dependents that were not handed out yet are skipped. Gated, a node is
// ready once its prerequisites are reported (written, unchanged or
// staged); ungated, every node is ready at once, in order, and only the
// dependents still waiting here when a node fails are skipped.
type scheduler struct {
	mu       sync.Mutex
	cond     *sync.Cond
	nodes    []*node
	waiting  []int32 // prerequisites not yet reported, per node
	state    []pb.Write_Status
	staged   []bool // reported staged: settled for scheduling, its outcome to come
	skipped  []bool
	handed   []bool  // handed out by next
	ready    []int32 // in the order they became ready; skipped ones are dropped as met
	sent     int     // handed out by next
	unsent   int     // neither handed out nor skipped
	sentDone int     // of those handed out, first reports heard
	failFast bool
	stopped  bool
	fastStop bool // stopped by --fail-fast
	failures []error
	// onSkip hears about each node skipped because of a failure.
	onSkip func(n *node, cause error)
}

func newScheduler(nodes []*node, gated, failFast bool) *scheduler {
	s := &scheduler{nodes: nodes, waiting: make([]int32, len(nodes)), state: make([]pb.Write_Status, len(nodes)),
		staged: make([]bool, len(nodes)), skipped: make([]bool, len(nodes)), handed: make([]bool, len(nodes)),
		failFast: failFast, unsent: len(nodes)}
	s.cond = sync.NewCond(&s.mu)
	for i, n := range nodes {
		if gated {
			s.waiting[i] = n.parents
		}
		if s.waiting[i] == 0 {
			s.ready = append(s.ready, int32(i))
		}
	}
	return s
}

// dropSkipped drops the skipped nodes at the front of ready, so that
// ready is empty only when no node is ready: each is dropped once,
// where filtering the whole list on every call would cost its length.
func (s *scheduler) dropSkipped() {
	for len(s.ready) > 0 && s.skipped[s.ready[0]] {
		s.ready = s.ready[1:]
	}
}

// next blocks until nodes are ready and returns up to max of them in
// order, or nil when nothing more will be handed out.
func (s *scheduler) next(max int) []*node {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		s.dropSkipped()
		if len(s.ready) > 0 || s.stopped || s.unsent == 0 || s.sent == s.sentDone {
			break
		}
		s.cond.Wait()
	}
	if s.stopped || len(s.ready) == 0 {
		return nil
	}
	out := make([]*node, 0, min(max, len(s.ready)))
	for len(out) < max && len(s.ready) > 0 {
		idx := s.ready[0]
		s.ready = s.ready[1:]
		if s.skipped[idx] {
			continue
		}
		out = append(out, s.nodes[idx])
		s.handed[idx] = true
	}
	s.sent += len(out)
	s.unsent -= len(out)
	return out
}

// handedOut reports whether seq was handed out: a result for anything
// else is a result for an item the endpoint was never sent.
func (s *scheduler) handedOut(seq int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return seq >= 0 && seq < len(s.nodes) && s.handed[seq]
}

// done records a report and releases or skips the node's dependents. A
// node is reported once, or staged once and then reported once; done
// says false for any other report, which breaks the protocol.
func (s *scheduler) done(seq int32, status pb.Write_Status, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state[seq] != pb.Write_STATUS_UNSPECIFIED {
		return false
	}
	first := !s.staged[seq]
	switch {
	case status == pb.Write_STATUS_STAGED && !first:
		return false
	case status == pb.Write_STATUS_STAGED:
		s.staged[seq] = true
	default:
		s.state[seq] = status
	}
	if first {
		s.sentDone++
	}
	switch status {
	case pb.Write_STATUS_FAILED:
		if err == nil {
			err = fmt.Errorf("%s: failed", s.nodes[seq].res().describe())
		}
		s.failures = append(s.failures, err)
		s.skip(seq, err)
		if s.failFast {
			s.stopped, s.fastStop = true, true
		}
	default:
		if !first {
			break // released when staged
		}
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
func (s *scheduler) skip(seq int32, cause error) {
	for _, c := range s.nodes[seq].children {
		if s.skipped[c] || s.handed[c] {
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
// and staged (their outcome waits for the commit), those handed out and
// never reported (the endpoint went away before answering), and those
// never handed out (--fail-fast stopped first, or the sync did).
func (s *scheduler) unsettled() (staged, handed, held []*node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.state {
		switch {
		case st != pb.Write_STATUS_UNSPECIFIED || s.skipped[i]:
		case s.staged[i]:
			staged = append(staged, s.nodes[i])
		case s.handed[i]:
			handed = append(handed, s.nodes[i])
		default:
			held = append(held, s.nodes[i])
		}
	}
	return staged, handed, held
}

// failedFast says --fail-fast stopped the scheduler.
func (s *scheduler) failedFast() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fastStop
}
