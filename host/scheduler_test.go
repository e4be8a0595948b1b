package host

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// tree: c/1 <- b/1 <- a/1, and d/1 on its own.
func tree(t *testing.T) []*node {
	t.Helper()
	nodes, err := order([]*step{
		res("a", "1", uri("b", "1")),
		res("b", "1", uri("c", "1")),
		res("c", "1"),
		res("d", "1"),
	}, srcRes)
	if err != nil {
		t.Fatal(err)
	}
	return nodes // c/1, d/1, b/1, a/1
}

func seqs(nodes []*node) []int32 {
	var out []int32
	for _, n := range nodes {
		out = append(out, n.seq)
	}
	return out
}

func TestSchedulerHoldsChildrenUntilParentsWritten(t *testing.T) {
	nodes := tree(t)
	s := newScheduler(nodes, true, false)
	first := s.next(10)
	if got := keys(first); len(got) != 2 || got[0] != "c/1" || got[1] != "d/1" {
		t.Fatalf("first batch = %v, want the roots c/1 and d/1", got)
	}
	s.done(first[1].seq, pb.Write_STATUS_WRITTEN, nil)
	s.done(first[0].seq, pb.Write_STATUS_UNCHANGED, nil)
	if got := keys(s.next(10)); len(got) != 1 || got[0] != "b/1" {
		t.Fatalf("second batch = %v, want b/1", got)
	}
}

func TestSchedulerSkipsDescendantsOfFailure(t *testing.T) {
	nodes := tree(t)
	s := newScheduler(nodes, true, false)
	var skipped []string
	s.onSkip = func(n *node, _ error) { skipped = append(skipped, n.key().String()) }
	first := s.next(10)
	s.done(first[0].seq, pb.Write_STATUS_FAILED, errors.New("c/1: boom")) // c/1
	s.done(first[1].seq, pb.Write_STATUS_WRITTEN, nil)                    // d/1
	if more := s.next(10); more != nil {
		t.Fatalf("sent %v after their ancestor failed", keys(more))
	}
	if diff := cmp.Diff([]string{"b/1", "a/1"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if got := len(s.failures); got != 1 {
		t.Errorf("failures = %v, want the one failure", s.failures)
	}
	if _, handed, held := s.unsettled(); len(handed)+len(held) != 0 {
		got := keys(append(handed, held...))
		t.Errorf("unsettled = %v, want none: b/1 and a/1 are skipped", got)
	}
}

func TestSchedulerFailFastStopsSending(t *testing.T) {
	nodes := tree(t)
	s := newScheduler(nodes, true, true)
	first := s.next(1) // c/1 only
	s.done(first[0].seq, pb.Write_STATUS_FAILED, nil)
	if more := s.next(10); more != nil {
		t.Fatalf("sent %v after --fail-fast stopped", keys(more))
	}
	if _, handed, held := s.unsettled(); len(handed) != 0 || len(held) != 1 || held[0].key().String() != "d/1" {
		got := keys(append(handed, held...))
		t.Errorf("unsettled = %v, want d/1 (never sent; its descendants are skipped)", got)
	}
}

func TestSchedulerInOrderWithoutConcurrentWrites(t *testing.T) {
	nodes := tree(t)
	s := newScheduler(nodes, false, false)
	if got := seqs(s.next(100)); len(got) != 4 || got[0] != 0 || got[3] != 3 {
		t.Fatalf("sent %v, want every resource in order at once", got)
	}
	if more := s.next(100); more != nil {
		t.Fatalf("sent %v twice", keys(more))
	}
}

// A staged parent releases its children as a written one does; its
// outcome comes later, once.
func TestSchedulerStagedReleasesChildren(t *testing.T) {
	nodes := tree(t)
	s := newScheduler(nodes, true, false)
	first := s.next(10) // c/1, d/1
	if !s.done(first[0].seq, pb.Write_STATUS_STAGED, nil) {
		t.Fatal("staging c/1 was refused")
	}
	if got := keys(s.next(10)); len(got) != 1 || got[0] != "b/1" {
		t.Fatalf("after c/1 was staged, sent %v; want b/1", got)
	}
	if s.done(first[0].seq, pb.Write_STATUS_STAGED, nil) {
		t.Error("c/1 was staged twice")
	}
	if !s.done(first[0].seq, pb.Write_STATUS_WRITTEN, nil) {
		t.Error("the outcome of staged c/1 was refused")
	}
	if s.done(first[0].seq, pb.Write_STATUS_WRITTEN, nil) {
		t.Error("c/1 was reported twice after staging")
	}
	s.done(first[1].seq, pb.Write_STATUS_STAGED, nil) // d/1: staged, no outcome yet
	staged, handed, held := s.unsettled()
	if diff := cmp.Diff([]string{"d/1"}, keys(staged)); diff != "" {
		t.Errorf("staged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b/1"}, keys(handed)); diff != "" {
		t.Errorf("handed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a/1"}, keys(held)); diff != "" {
		t.Errorf("held (-want +got):\n%s", diff)
	}
}

// A staged parent that then fails skips what was not sent yet.
func TestSchedulerStagedThenFailedSkipsTheRest(t *testing.T) {
	nodes := tree(t)
	s := newScheduler(nodes, true, false)
	var skipped []string
	s.onSkip = func(n *node, _ error) { skipped = append(skipped, n.key().String()) }
	first := s.next(10)                               // c/1, d/1
	s.done(first[0].seq, pb.Write_STATUS_STAGED, nil) // c/1 releases b/1
	b := s.next(10)                                   // b/1, handed out
	s.done(first[0].seq, pb.Write_STATUS_FAILED, errors.New("c/1: commit refused"))
	if diff := cmp.Diff([]string(nil), skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	s.done(b[0].seq, pb.Write_STATUS_FAILED, errors.New("b/1: boom"))
	if diff := cmp.Diff([]string{"a/1"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

// Ungated, every resource is ready at once; one still waiting here when
// its parent fails is skipped all the same.
func TestSchedulerUngatedSkipsWhatIsStillHere(t *testing.T) {
	nodes := tree(t) // c/1, d/1, b/1, a/1
	s := newScheduler(nodes, false, false)
	var skipped []string
	s.onSkip = func(n *node, _ error) { skipped = append(skipped, n.key().String()) }
	first := s.next(1) // c/1
	s.done(first[0].seq, pb.Write_STATUS_FAILED, errors.New("c/1: boom"))
	if got := keys(s.next(10)); len(got) != 1 || got[0] != "d/1" {
		t.Errorf("sent %v, want d/1 alone", got)
	}
	if diff := cmp.Diff([]string{"b/1", "a/1"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}
