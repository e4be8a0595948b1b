package host

import (
	"context"
	"testing"
	"time"

	pb "github.com/resource-sync/resource-sync/proto/resourcesync/v1"
)

// TestScopeFeedParts hands out what was added since the last take, waits
// when there is nothing new, and says when the origins are done.
func TestScopeFeedParts(t *testing.T) {
	s := newScopeFeed()
	s.add(nil)
	s.add([]*pb.Resource{scopeResource("a", "t", "")})
	s.add([]*pb.Resource{scopeResource("b", "t", ""), scopeResource("c", "t", "")})
	part, last, err := s.take(t.Context())
	if err != nil || last || len(part) != 3 {
		t.Fatalf("first take: %d resources, last %v, %v; want the 3 added, not last", len(part), last, err)
	}

	got := make(chan int)
	go func() {
		part, last, err := s.take(t.Context())
		if err != nil || last {
			t.Errorf("second take: last %v, %v", last, err)
		}
		got <- len(part)
	}()
	select {
	case n := <-got:
		t.Fatalf("take returned %d resources before any was added", n)
	case <-time.After(20 * time.Millisecond):
	}
	s.add([]*pb.Resource{scopeResource("d", "t", "")})
	if n := <-got; n != 1 {
		t.Fatalf("second take: %d resources, want 1", n)
	}

	s.add([]*pb.Resource{scopeResource("e", "t", "")})
	s.close()
	part, last, err = s.take(t.Context())
	if err != nil || !last || len(part) != 1 {
		t.Fatalf("last take: %d resources, last %v, %v; want 1, last", len(part), last, err)
	}
	if part, last, _ := s.take(t.Context()); !last || len(part) != 0 {
		t.Fatalf("after the end: %d resources, last %v", len(part), last)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := newScopeFeed().take(ctx); err == nil {
		t.Fatal("take on a cancelled context returned no error")
	}
}
